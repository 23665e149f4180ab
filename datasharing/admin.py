"""Django admin for site admins; stewards and parties use the registry's own pages."""

from django.contrib import admin

from .models import Agreement, Document, Party, StatusChange, Transfer


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    autocomplete_fields = ("focal_point",)


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ("old", "new", "author", "changed_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("reference", "title", "status", "sensitivity", "ends_on", "review_on")
    list_filter = ("status", "sensitivity", "listable")
    search_fields = ("reference", "title")
    filter_horizontal = ("consent_versions", "named_people")
    inlines = (PartyInline, StatusChangeInline)


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ("agreement", "transferred_on", "sent_by", "sent_to")


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("name", "agreement", "kind", "size", "uploaded_at")
    readonly_fields = ("stored_name", "content_type", "size", "sha256", "uploaded_by")
