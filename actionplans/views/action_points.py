"""Action points: the lists, the page with its journal and history, updates and edits."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pim.permissions import can
from pim.views import (
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectFormView,
    ObjectListView,
    ParentMixin,
)

from .. import services
from ..filters import ActionPointFilterForm, overdue_first
from ..forms import ActionPointForm, ProgressUpdateForm
from ..models import ActionPoint, ActionPointChange, ProgressUpdate, WorkingGroup


class ActionPointRowsMixin:
    """What a table of action points shows in a fixed number of queries, and today's date."""

    model = ActionPoint

    def get_base_queryset(self):
        return ActionPoint.objects.select_related(
            "challenge__working_group__plan", "lead"
        ).prefetch_related("supporting")

    def get_context_data(self, **kwargs):
        kwargs["today"] = timezone.localdate()
        return super().get_context_data(**kwargs)


class ActionPointListView(ActionPointRowsMixin, ObjectListView):
    """Every action point the user may see, filtered, sorted and paginated."""

    template_name = "actionplans/actionpoint_list.html"

    def get_queryset(self):
        self.filter_form = ActionPointFilterForm(self.request.GET or None, user=self.request.user)
        return self.filter_form.filter(super().get_queryset())

    def get_context_data(self, **kwargs):
        kwargs["filter_form"] = self.filter_form
        return super().get_context_data(**kwargs)


class MyActionPointListView(ActionPointRowsMixin, ObjectListView):
    """The signed-in person's own action points: overdue first, then by due date."""

    template_name = "actionplans/actionpoint_mine.html"

    def get_queryset(self):
        today = timezone.localdate()
        return (
            super()
            .get_queryset()
            .of_person(self.request.user)
            .order_by(overdue_first(today), F("due_date").asc(nulls_last=True), "pk")
        )


class ActionPointDetailView(ObjectDetailView):
    model = ActionPoint
    template_name = "actionplans/actionpoint_detail.html"

    def get_base_queryset(self):
        return ActionPoint.objects.select_related(
            "challenge__working_group__plan", "lead__organisation", "lead__user"
        ).prefetch_related("supporting__organisation")

    def get_context_data(self, **kwargs):
        user, point = self.request.user, self.object
        can_report = can(user, "report", point)
        kwargs.update(
            updates=ProgressUpdate.objects.restrict(user, "view")
            .filter(action_point=point)
            .select_related("author"),
            changes=describe_changes(
                ActionPointChange.objects.restrict(user, "view")
                .filter(action_point=point)
                .select_related("author")
            ),
            can_report=can_report,
            can_change=can(user, "change", point),
            can_delete=can(user, "delete", point),
            group_visible=can(user, "view", point.challenge.working_group),
            plan_visible=can(user, "view", point.challenge.working_group.plan),
            today=timezone.localdate(),
        )
        if can_report and "form" not in kwargs:
            kwargs["form"] = ProgressUpdateForm(action_point=point, user=user)
        return super().get_context_data(**kwargs)


class RefuseStaleMixin:
    """Answers a save made from a form older than the action point: nothing is written, the
    person's input stays in the form (now at the current version), and the changes made
    meanwhile are listed, so saving again is a decision taken knowingly.

    A point deleted meanwhile is answered the same way, with the form and its input kept (the
    person may copy what they wrote): a 404 would lose it, and there is no page to go back to.
    """

    stale_message = None
    deleted_message = gettext_lazy(
        "Someone else deleted this action point while you were writing: nothing was saved."
    )

    def refuse_deleted(self, form):
        form.add_error(None, self.deleted_message)
        return self.render_to_response(self.get_context_data(form=form))

    def refuse_stale(self, form, stale):
        data = form.data.copy()
        data["version"] = stale.current.version
        form.data = data
        form.add_error(None, self.stale_message)
        return self.render_to_response(
            self.get_context_data(form=form, stale_changes=describe_changes(stale.changes))
        )


def describe_changes(changes):
    """Attach readable rows (field label, before, after) to each history entry."""
    changes = list(changes)
    for change in changes:
        change.rows = services.describe(change.changes)
    return changes


class ProgressUpdateCreateView(RefuseStaleMixin, ObjectFormView):
    """Post a journal entry: the new status and progress, and a note."""

    model = ActionPoint
    action = "report"
    form_class = ProgressUpdateForm
    template_name = "actionplans/progressupdate_form.html"
    stale_message = gettext_lazy("Someone else changed this action point while you were writing.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "action_point": self.object}

    def form_valid(self, form):
        try:
            services.post_update(
                self.object,
                self.request.user,
                status=form.cleaned_data["status"],
                progress=form.cleaned_data["progress"],
                note=form.cleaned_data["note"].strip(),
                seen_version=form.cleaned_data["version"],
            )
        except services.StaleEdit as stale:
            return self.refuse_stale(form, stale)
        except services.Deleted:
            return self.refuse_deleted(form)
        messages.success(self.request, _("Your update is posted."))
        return self.redirect_to_object()


class ActionPointCreateView(ParentMixin, ObjectCreateView):
    model = ActionPoint
    form_class = ActionPointForm
    template_name = "actionplans/actionpoint_form.html"
    parent_model = WorkingGroup
    parent_action = "manage"
    parent_field = "working_group"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "working_group": self.parent}

    def get_initial(self):
        return {"challenge": self.request.GET.get("challenge")}

    def form_valid(self, form):
        self.object = services.create_action_point(form, self.request.user)
        messages.success(self.request, _("Added the action point."))
        return HttpResponseRedirect(self.object.get_absolute_url())


class ActionPointEditView(RefuseStaleMixin, ObjectEditView):
    """Edit an action point; a save from a form opened before someone else's save is refused."""

    model = ActionPoint
    form_class = ActionPointForm
    template_name = "actionplans/actionpoint_form.html"
    stale_message = gettext_lazy(
        "Someone else saved this action point while you were editing it. "
        "Their changes are listed below; your changes are still in the form: "
        "check them and save again to keep yours."
    )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "working_group": self.object.challenge.working_group}

    def form_valid(self, form):
        try:
            self.object = services.save_action_point(
                form, self.request.user, form.cleaned_data["version"]
            )
        except services.StaleEdit as stale:
            return self.refuse_stale(form, stale)
        except services.Deleted:
            return self.refuse_deleted(form)
        messages.success(self.request, _("Saved the action point."))
        return HttpResponseRedirect(self.object.get_absolute_url())


class ActionPointDeleteView(ObjectDeleteView):
    model = ActionPoint
    template_name = "actionplans/actionpoint_confirm_delete.html"

    def form_valid(self, form):
        label, success_url = str(self.object), self.get_success_url()
        if services.delete_action_point(self.object):
            messages.success(self.request, self.success_message % {"object": label})
        else:
            # Two people deleted it at once (or a double click): what the person wanted is done.
            messages.info(self.request, _("This action point has already been deleted."))
        return HttpResponseRedirect(success_url)

    def get_success_url(self):
        return reverse(
            "actionplans:workinggroup_detail", args=[self.object.challenge.working_group_id]
        )
