"""Django admin for site admins; coordinators and team leaders use the app's own pages.

Edits made here go through the same signals as the app (actionplans/signals.py), so changing a
plan's coordinators or a group's members here grants or withdraws access at once.
"""

from django.contrib import admin

from .models import ActionPlan, ActionPoint, ActionPointChange, Challenge, FocalPoint, WorkingGroup


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ("title", "operation", "period", "overview_for_participants", "created_at")
    search_fields = ("title", "operation")
    filter_horizontal = ("participating_organisations", "coordinators")


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):
    list_display = ("__str__", "plan", "team_leader")
    list_filter = ("plan",)
    search_fields = ("name", "plan__title")
    autocomplete_fields = ("team_leader",)
    filter_horizontal = ("members",)


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "working_group")
    list_filter = ("working_group__plan",)
    search_fields = ("title",)


@admin.register(FocalPoint)
class FocalPointAdmin(admin.ModelAdmin):
    list_display = ("name", "plan", "organisation", "user", "email")
    list_filter = ("plan",)
    search_fields = ("name", "email")
    autocomplete_fields = ("user", "organisation")


class ActionPointChangeInline(admin.TabularInline):
    model = ActionPointChange
    extra = 0
    can_delete = False
    readonly_fields = ("version", "author", "created_at", "changes")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ActionPoint)
class ActionPointAdmin(admin.ModelAdmin):
    """Read-mostly: edits belong in the app, where they are versioned and kept as history."""

    list_display = ("__str__", "challenge", "deadline_text", "due_date", "status", "progress")
    list_filter = ("status", "challenge__working_group__plan")
    search_fields = ("description",)
    readonly_fields = ("version", "created_at", "updated_at")
    inlines = [ActionPointChangeInline]
