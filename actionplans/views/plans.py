"""Plans, their working groups, challenges and people, as coordinators and team leaders see them."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pim.permissions import can, may_add
from pim.views import (
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ParentMixin,
)

from ..forms import ActionPlanForm, ChallengeForm, FocalPointForm, WorkingGroupForm
from ..models import ActionPlan, ActionPoint, Challenge, FocalPoint, WorkingGroup


def may_create_plans(user) -> bool:
    """Site admins, holders of the model-wide grant, and organisation admins start plans."""
    return may_add(ActionPlan, user)


class ActionPlanListView(ObjectListView):
    model = ActionPlan
    template_name = "actionplans/actionplan_list.html"

    def get_queryset(self):
        coordinating = ActionPlan.coordinators.through.objects.filter(
            actionplan=OuterRef("pk"), user=self.request.user.pk
        )
        return (
            super()
            .get_queryset()
            .annotate(group_count=Count("working_groups"), coordinating=Exists(coordinating))
            .order_by("-created_at", "title")
        )

    def get_context_data(self, **kwargs):
        kwargs["may_create"] = may_create_plans(self.request.user)
        return super().get_context_data(**kwargs)


def group_progress(groups, today):
    """Annotate working groups with their action points' counts and average progress."""
    points = "challenges__action_points"
    status = f"{points}__status"
    counted = ~Q(**{status: ActionPoint.Status.CANCELLED})
    return groups.annotate(
        total=Count(points, filter=counted),
        done=Count(points, filter=Q(**{status: ActionPoint.Status.DONE})),
        in_progress=Count(points, filter=Q(**{status: ActionPoint.Status.IN_PROGRESS})),
        blocked=Count(points, filter=Q(**{status: ActionPoint.Status.BLOCKED})),
        overdue=Count(
            points,
            filter=Q(**{f"{points}__due_date__lt": today})
            & ~Q(**{f"{status}__in": ActionPoint.CLOSED}),
        ),
        progress=Avg(f"{points}__progress", filter=counted),
    )


class ActionPlanDetailView(ObjectDetailView):
    """The overview: each group's counts and progress; the groups' details for those who may."""

    model = ActionPlan
    template_name = "actionplans/actionplan_detail.html"

    def get_context_data(self, **kwargs):
        user, plan = self.request.user, self.object
        coordinating = can(user, "coordinate", plan)
        groups = group_progress(
            WorkingGroup.objects.restrict(user, "summarise").filter(plan=plan),
            timezone.localdate(),
        ).order_by("number")
        if coordinating:
            groups = groups.select_related("team_leader").prefetch_related("members")
        groups = list(groups)
        openable = set(
            WorkingGroup.objects.restrict(user, "view")
            .filter(plan=plan)
            .values_list("pk", flat=True)
        )
        for group in groups:
            group.openable = group.pk in openable
        kwargs.update(
            groups=groups,
            coordinating=coordinating,
            can_change=can(user, "change", plan),
            can_export=bool(openable),
            coordinators=plan.coordinators.order_by("first_name", "username"),
            organisations=plan.participating_organisations.order_by("name"),
            totals={
                key: sum(getattr(g, key) for g in groups)
                for key in ("total", "done", "in_progress", "blocked", "overdue")
            },
        )
        return super().get_context_data(**kwargs)


class ActionPlanCreateView(ObjectCreateView):
    model = ActionPlan
    form_class = ActionPlanForm
    template_name = "actionplans/actionplan_form.html"

    def get_initial(self):
        return {"coordinators": [self.request.user.pk]}

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever starts a plan coordinates it, so they can never lock themselves out of it.
        self.object.coordinators.add(self.request.user)
        messages.success(self.request, _("Created the plan %(plan)s.") % {"plan": self.object})
        return response


class ActionPlanEditView(ObjectEditView):
    model = ActionPlan
    form_class = ActionPlanForm
    template_name = "actionplans/actionplan_form.html"


class WorkingGroupDetailView(ObjectDetailView):
    """The group's table, as in the workshop's slide: challenge | action points | deadline | who."""

    model = WorkingGroup
    template_name = "actionplans/workinggroup_detail.html"

    def get_base_queryset(self):
        return WorkingGroup.objects.select_related("plan", "team_leader")

    def get_context_data(self, **kwargs):
        user, group = self.request.user, self.object
        points = (
            ActionPoint.objects.restrict(user, "view")
            .select_related("lead")
            .prefetch_related("supporting")
            .order_by("position", "pk")
        )
        challenges = (
            Challenge.objects.restrict(user, "view")
            .filter(working_group=group)
            .prefetch_related(Prefetch("action_points", queryset=points))
            .order_by("number")
        )
        kwargs.update(
            challenges=challenges,
            members=group.members.prefetch_related("memberships__organisation").order_by(
                "first_name", "username"
            ),
            plan_visible=can(user, "view", group.plan),
            can_manage=can(user, "manage", group),
            can_change=can(user, "change", group),
            today=timezone.localdate(),
        )
        return super().get_context_data(**kwargs)


class WorkingGroupCreateView(ParentMixin, ObjectCreateView):
    model = WorkingGroup
    form_class = WorkingGroupForm
    template_name = "actionplans/workinggroup_form.html"
    parent_model = ActionPlan
    parent_action = "coordinate"
    parent_field = "plan"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.parent}


class WorkingGroupEditView(ObjectEditView):
    model = WorkingGroup
    form_class = WorkingGroupForm
    template_name = "actionplans/workinggroup_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.object.plan}


class ChallengeCreateView(ParentMixin, ObjectCreateView):
    model = Challenge
    form_class = ChallengeForm
    template_name = "actionplans/challenge_form.html"
    parent_model = WorkingGroup
    parent_action = "manage"
    parent_field = "working_group"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "working_group": self.parent}


class ChallengeEditView(ObjectEditView):
    model = Challenge
    form_class = ChallengeForm
    template_name = "actionplans/challenge_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "working_group": self.object.working_group}


class FocalPointListView(ParentMixin, ObjectListView):
    """The plan's people as typed in the workshop, and which of them have an account."""

    model = FocalPoint
    template_name = "actionplans/focalpoint_list.html"
    parent_model = ActionPlan
    parent_action = "coordinate"
    parent_field = "plan"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("organisation", "user")
            .annotate(
                leading=Count("led_action_points", distinct=True),
                supporting_count=Count("supported_action_points", distinct=True),
            )
            .order_by("name")
        )


class FocalPointCreateView(ParentMixin, ObjectCreateView):
    model = FocalPoint
    form_class = FocalPointForm
    template_name = "actionplans/focalpoint_form.html"
    parent_model = ActionPlan
    parent_action = "coordinate"
    parent_field = "plan"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.parent}


class FocalPointEditView(ObjectEditView):
    model = FocalPoint
    form_class = FocalPointForm
    template_name = "actionplans/focalpoint_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.object.plan}
