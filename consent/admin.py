"""Django admin for site admins. Published versions are shown, never changed nor deleted."""

from django.contrib import admin

from .models import Clause, ConsentForm, ConsentFormVersion, FormClause, GuidanceRule, SharingLine


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    list_display = ("title", "element", "organisation", "published", "updated_at")
    list_filter = ("element", "published", "organisation")
    search_fields = ("title", "text_en", "text_fr", "text_ar")


class FormClauseInline(admin.TabularInline):
    model = FormClause
    extra = 0
    autocomplete_fields = ("clause",)


class SharingLineInline(admin.TabularInline):
    model = SharingLine
    extra = 0


@admin.register(ConsentForm)
class ConsentFormAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "activity", "children", "updated_at")
    list_filter = ("activity", "organisation")
    search_fields = ("title",)
    inlines = (FormClauseInline, SharingLineInline)


@admin.register(ConsentFormVersion)
class ConsentFormVersionAdmin(admin.ModelAdmin):
    """Read only: a published version is what people were told, and stays so."""

    list_display = ("__str__", "form", "number", "published_at", "published_by")
    readonly_fields = ("form", "number", "published_at", "published_by", "content")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GuidanceRule)
class GuidanceRuleAdmin(admin.ModelAdmin):
    list_display = (
        "position",
        "activity",
        "children",
        "sensitive_data",
        "shares_data",
        "transfers",
        "__str__",
    )
    list_editable = ("activity", "children", "sensitive_data", "shares_data", "transfers")
    list_display_links = ("__str__",)
