"""Action plans: plan → working group → challenge → action point, as agreed after a PIM workshop.

Who sees what is declared here and answered by ``restrict()`` (pim/permissions.py):

- a plan's coordinators hold grants on the plan (its role group), which reach everything inside;
- a working group's team leader and members hold grants on their group;
- a focal point reaches their own action points through a rule on ActionPoint (a join, not a
  grant row per action point);
- members of participating organisations see the plan's overview when the plan says so.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from pim.models import Organisation, RestrictedModel
from pim.permissions import Inherit, RestrictedQuerySet
from pim.spreadsheets import export_name
from pim.vocabulary import ImStage, MatrixCategory, Principle, TagsField

from .deadlines import Deadline, Precision, parse_deadline

# What a plan's coordinators may do to the plan, and so to everything in it.
INSIDE_THE_PLAN = {
    "view": "coordinate",
    "add": "coordinate",
    "change": "coordinate",
    "delete": "coordinate",
}


class ActionPlan(RestrictedModel):
    """The plan an inter-agency group agrees at the end of a PIM workshop."""

    title = models.CharField(_("title"), max_length=200)
    operation = models.CharField(
        _("country or operation"), max_length=200, help_text=_("For example: Lebanon.")
    )
    period = models.CharField(_("period"), max_length=100, blank=True, help_text=_("e.g. 2019"))
    description = models.TextField(_("description"), blank=True)
    origin = models.CharField(
        _("where it came from"),
        max_length=200,
        blank=True,
        help_text=_("For example: PIM training, 10–13 December 2018."),  # noqa: RUF001
    )
    participating_organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="action_plans",
        verbose_name=_("participating organisations"),
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="coordinated_plans",
        verbose_name=_("coordinators"),
    )
    overview_for_participants = models.BooleanField(
        _("participants see the overview"),
        default=False,
        help_text=_(
            "Members of the participating organisations may see this plan's overview "
            "(its groups and their progress), but not the groups' details."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    role_permissions = {"coordinator": ("view", "change", "delete", "coordinate")}

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["-created_at", "title"]
        permissions = [("coordinate_actionplan", _("Can coordinate everything in the plan"))]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def creatable_by(cls, user) -> bool:
        """Organisation admins start plans (site admins and the model-wide grant too)."""
        return Organisation.objects.restrict(user, "manage_members").exists()

    def get_absolute_url(self) -> str:
        return reverse("actionplans:actionplan_detail", args=[self.pk])

    @classmethod
    def permission_condition(cls, user, action: str):
        """The overview is seen by the plan's groups' people, and by participants if allowed."""
        if action != "view":
            return None
        my_groups = WorkingGroup.objects.restrict(user, "view").order_by().values("plan")
        my_organisations = Organisation.objects.restrict(user, "view").values("pk")
        participating = ActionPlan.participating_organisations.through.objects.filter(
            organisation__in=my_organisations
        ).values("actionplan")
        return Q(pk__any_of=my_groups) | Q(overview_for_participants=True, pk__any_of=participating)


class ActionPlanUserObjectPermission(UserObjectPermissionBase):
    """A grant on one actionplan to one person (guardian's direct-foreign-key table)."""

    content_object = models.ForeignKey(ActionPlan, on_delete=models.CASCADE)


class ActionPlanGroupObjectPermission(GroupObjectPermissionBase):
    """A grant on one actionplan to a role group (guardian's direct-foreign-key table)."""

    content_object = models.ForeignKey(ActionPlan, on_delete=models.CASCADE)


class WorkingGroup(RestrictedModel):
    """A group of people from several organisations taking on some of the plan's challenges."""

    plan = models.ForeignKey(
        ActionPlan,
        on_delete=models.CASCADE,
        related_name="working_groups",
        verbose_name=_("action plan"),
    )
    number = models.PositiveSmallIntegerField(_("number"), default=1)
    name = models.CharField(_("name"), max_length=200, help_text=_("For example: Data Sharing."))
    team_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_working_groups",
        verbose_name=_("team leader"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="working_groups",
        verbose_name=_("members"),
    )

    role_permissions = {"leader": ("view", "manage"), "member": ("view",)}
    permission_inherits = (
        Inherit("plan", {**INSIDE_THE_PLAN, "manage": "coordinate", "summarise": "view"}),
    )

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["plan", "number", "name"]
        permissions = [
            ("manage_workinggroup", _("Can manage the group's challenges and action points")),
            ("summarise_workinggroup", _("Can see the group's name and progress")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="actionplans_group_number"),
        ]

    def __str__(self) -> str:
        return _("Group %(number)s: %(name)s") % {"number": self.number, "name": self.name}

    def get_absolute_url(self) -> str:
        return reverse("actionplans:workinggroup_detail", args=[self.pk])


class WorkingGroupUserObjectPermission(UserObjectPermissionBase):
    """A grant on one workinggroup to one person (guardian's direct-foreign-key table)."""

    content_object = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE)


class WorkingGroupGroupObjectPermission(GroupObjectPermissionBase):
    """A grant on one workinggroup to a role group (guardian's direct-foreign-key table)."""

    content_object = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE)


class Challenge(RestrictedModel):
    """A numbered problem a working group took on ("1. Lack of common … data-sharing tools")."""

    working_group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.CASCADE,
        related_name="challenges",
        verbose_name=_("working group"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    principles = TagsField(_("PIM principles"), vocabulary=Principle)
    categories = TagsField(_("PIM categories"), vocabulary=MatrixCategory)
    stages = TagsField(_("IM-cycle stages"), vocabulary=ImStage)

    permission_inherits = (
        Inherit(
            "working_group",
            {"view": "view", "add": "manage", "change": "manage", "delete": "manage"},
        ),
    )

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["working_group", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["working_group", "number"], name="actionplans_challenge_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return f"{self.working_group.get_absolute_url()}#challenge-{self.pk}"


class FocalPoint(RestrictedModel):
    """A person named as responsible for action points, with or without an account.

    Workshops type names ("Fanette"); when that person has or gets an account whose *confirmed*
    e-mail address is the one typed here, ``user`` is set once and the name is never typed again.
    The plan's coordinators see who was linked and when, and can undo a wrong link.
    """

    plan = models.ForeignKey(
        ActionPlan,
        on_delete=models.CASCADE,
        related_name="focal_points",
        verbose_name=_("action plan"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="focal_points",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="focal_points",
        verbose_name=_("account"),
    )
    linked_at = models.DateTimeField(_("linked"), null=True, blank=True)
    # An account a coordinator unlinked from this person: never linked to it again by e-mail.
    unlinked_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account unlinked by a coordinator"),
    )

    permission_inherits = (Inherit("plan", INSIDE_THE_PLAN),)

    class Meta:
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")
        ordering = ["plan", "name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="actionplans_focal_point_name"),
            models.UniqueConstraint(
                fields=["plan", "user"],
                condition=Q(user__isnull=False),
                name="actionplans_focal_point_account",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("actionplans:focalpoint_list", args=[self.plan_id])

    @classmethod
    def permission_condition(cls, user, action: str):
        """Yourself; the people on action points you see; a plan's people for its team leaders."""
        if action != "view":
            return None
        groups = WorkingGroup.objects.restrict(user, "view").order_by().values("pk")
        on_visible = ActionPoint.objects.filter(working_group__any_of=groups).order_by()
        supporting = ActionPoint.supporting.through.objects.filter(
            actionpoint__any_of=on_visible.values("pk")
        )
        led_plans = WorkingGroup.objects.restrict(user, "manage").order_by().values("plan")
        return (
            Q(user=user.pk)
            | Q(plan__any_of=led_plans)
            | Q(pk__any_of=on_visible.values("lead"))
            | Q(pk__any_of=supporting.values("focalpoint"))
        )


class ActionPointQuerySet(RestrictedQuerySet):
    def open(self):
        return self.exclude(status__in=ActionPoint.CLOSED)

    def overdue(self, today: date | None = None):
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def of_person(self, user):
        """Action points where ``user`` is the lead or a supporting focal point."""
        mine = FocalPoint.objects.filter(user=user.pk).order_by().values("pk")
        supported = ActionPoint.supporting.through.objects.filter(focalpoint__any_of=mine)
        return self.filter(Q(lead__any_of=mine) | Q(pk__any_of=supported.values("actionpoint")))


class ActionPoint(RestrictedModel):
    """Something a working group agreed to do about a challenge, by a deadline, led by someone."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")
        CANCELLED = "cancelled", _("Cancelled")

    CLOSED = (Status.DONE, Status.CANCELLED)

    challenge = models.ForeignKey(
        Challenge,
        on_delete=models.CASCADE,
        related_name="action_points",
        verbose_name=_("challenge"),
    )
    # The challenge's group, copied here so "action points of the groups I see" is one indexed
    # column on the big table rather than a join through challenges (see make bench).
    working_group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.CASCADE,
        related_name="action_points",
        editable=False,
        verbose_name=_("working group"),
    )
    description = models.TextField(_("action point"))
    deadline_text = models.CharField(_("deadline"), max_length=100, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    deadline_precision = models.CharField(
        _("deadline precision"), max_length=20, choices=Precision.choices, blank=True
    )
    lead = models.ForeignKey(
        FocalPoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_action_points",
        verbose_name=_("lead focal point"),
    )
    supporting = models.ManyToManyField(
        FocalPoint,
        blank=True,
        related_name="supported_action_points",
        verbose_name=_("supporting people"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Bumped on every saved change: a form sent from an older version is refused, not applied.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ActionPointQuerySet.as_manager()

    permission_inherits = (
        Inherit(
            "working_group",
            {
                "view": "view",
                "add": "manage",
                "change": "manage",
                "delete": "manage",
                "report": "manage",
            },
        ),
    )

    class Meta:
        verbose_name = _("action point")
        verbose_name_plural = _("action points")
        ordering = ["challenge", "position", "pk"]
        permissions = [("report_actionpoint", _("Can post progress updates"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="actionplans_progress_at_most_100"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="actionplans_ap_status_due")]

    def __str__(self) -> str:
        text = " ".join(self.description.split())
        return text if len(text) <= 80 else text[:79] + "…"

    def get_absolute_url(self) -> str:
        return reverse("actionplans:actionpoint_detail", args=[self.pk])

    @classmethod
    def permission_condition(cls, user, action: str):
        """Focal points see and report on their own action points, and nothing else."""
        if action not in ("view", "report"):
            return None
        mine = FocalPoint.objects.filter(user=user.pk).order_by().values("pk")
        supported = ActionPoint.supporting.through.objects.filter(focalpoint__any_of=mine)
        return Q(lead__any_of=mine) | Q(pk__any_of=supported.values("actionpoint"))

    def save(self, *args, **kwargs):
        self.working_group_id = self.challenge.working_group_id
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "challenge" in update_fields:
            kwargs["update_fields"] = {*update_fields, "working_group"}
        super().save(*args, **kwargs)

    @property
    def deadline(self) -> Deadline:
        return Deadline(self.deadline_text, self.due_date, self.deadline_precision or None)

    def set_deadline(self, text: str) -> None:
        """Parse and store a deadline as typed; raises DeadlineError on a form we do not know."""
        deadline = parse_deadline(text)
        self.deadline_text = deadline.text
        self.due_date = deadline.due
        self.deadline_precision = deadline.precision or ""

    def is_overdue(self, today: date | None = None) -> bool:
        if self.due_date is None or self.status in self.CLOSED:
            return False
        return self.due_date < (today or timezone.localdate())


class ProgressUpdate(RestrictedModel):
    """A dated journal entry on an action point: what happened, and what it changed."""

    action_point = models.ForeignKey(
        ActionPoint,
        on_delete=models.CASCADE,
        related_name="updates",
        verbose_name=_("action point"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    note = models.TextField(_("note"), blank=True)
    status_before = models.CharField(max_length=20, choices=ActionPoint.Status.choices)
    status_after = models.CharField(max_length=20, choices=ActionPoint.Status.choices)
    progress_before = models.PositiveSmallIntegerField()
    progress_after = models.PositiveSmallIntegerField()

    permission_inherits = (Inherit("action_point", {"view": "view", "add": "report"}),)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action_point} — {self.created_at:%Y-%m-%d}"


class ActionPointChange(RestrictedModel):
    """One saved change to an action point: who, when, and each field from what to what.

    Values are kept as they read at the time (a person's name, not only their id), so the history
    stays true when people or choices are renamed later.
    """

    action_point = models.ForeignKey(
        ActionPoint,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("action point"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"))
    # [{"field": "status", "old": "not_started", "new": "in_progress"}, ...]
    changes = models.JSONField(_("changes"), default=list)

    permission_inherits = (Inherit("action_point", {"view": "view"}),)

    class Meta:
        verbose_name = _("action point change")
        verbose_name_plural = _("action point changes")
        ordering = ["-version", "-pk"]

    def __str__(self) -> str:
        return f"{self.action_point_id} v{self.version}"


class DigestSent(models.Model):
    """The deadline digest a person got on a day: at most one per person per day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests_sent"
    )
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    action_points = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="actionplans_one_digest_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


def people_in_my_plans(user):
    """People a user sees through plans: their groups' people, coordinators, and candidates.

    Coordinators also see the members of the participating organisations, so that they can
    name them coordinators, team leaders or group members.
    """
    from pim.models import Membership

    plans = ActionPlan.objects.restrict(user, "view").values("pk")
    groups = WorkingGroup.objects.restrict(user, "view")
    coordinated = ActionPlan.objects.restrict(user, "coordinate").values("pk")
    participants = ActionPlan.participating_organisations.through.objects.filter(
        actionplan__in=coordinated
    ).values("organisation")
    return (
        Q(
            pk__in=ActionPlan.coordinators.through.objects.filter(actionplan__in=plans).values(
                "user"
            )
        )
        | Q(
            pk__in=WorkingGroup.members.through.objects.filter(
                workinggroup__in=groups.values("pk")
            ).values("user")
        )
        | Q(pk__in=groups.values("team_leader"))
        | Q(pk__in=Membership.objects.filter(organisation__in=participants).values("user"))
    )


# --- Spreadsheets in and out -------------------------------------------------------------------


def _owner_only(user, action: str):
    """Jobs and uploads are their owner's: nobody else may see, download or confirm them.

    Site admins (superusers) pass every rule in restrict(), these included; they see every row
    of every export anyway.
    """
    if action not in ("view", "change", "delete"):
        return None
    return Q(user=user.pk)


class ExportJob(RestrictedModel):
    """A large export, recorded before it is handed to a worker, so that none is ever lost.

    The rows are chosen again when the job runs, with the owner's permissions at that moment.
    The file lives under MEDIA_ROOT/exports (never served at a public URL) and is deleted, with
    the job, ``EXPORT_KEEP_HOURS`` after the job was asked for.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel workbook (.xlsx)")
        CSV = "csv", _("CSV file (.csv)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    title = models.CharField(_("what"), max_length=300)
    scope = models.CharField(max_length=10)  # "list", "plan" or "group"
    scope_pk = models.PositiveBigIntegerField(null=True, blank=True)
    filters = models.JSONField(default=dict, blank=True)  # the list's query string
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("asked for"), default=timezone.now, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def permission_condition(cls, user, action: str):
        return _owner_only(user, action)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="actionplans_export_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("actionplans:exportjob_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def download_name(self) -> str:
        return export_name(
            self.title, self.format, day=self.created_at.date(), fallback="action-points"
        )


class SpreadsheetImport(RestrictedModel):
    """An uploaded workbook: previewed, then applied (all or nothing) when its owner confirms.

    The file is kept under MEDIA_ROOT/imports until it is applied or ``EXPORT_KEEP_HOURS`` pass.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Waiting for confirmation")
        APPLIED = "applied", _("Imported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="spreadsheet_imports"
    )
    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="imports", verbose_name=_("plan")
    )
    working_group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("working group"),
    )
    original_name = models.CharField(_("file"), max_length=255)
    stored_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED
    )
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now, db_index=True)
    applied_at = models.DateTimeField(_("imported"), null=True, blank=True)

    @classmethod
    def permission_condition(cls, user, action: str):
        return _owner_only(user, action)

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("actionplans:import_preview", args=[self.pk])

    @property
    def scope(self):
        return self.working_group or self.plan
