"""Benchmark data for the action-point list: a realistic plan landscape, made in bulk.

At scale 1: 50 organisations, 2,000 people (each in one organisation), 20 plans (one large, with
40 of the 200 working groups), 100 challenges a group (20,000) and 5 action points a challenge
(100,000). Rows are bulk-created, so no signal runs: the role groups and their grants are made
here exactly as the signals make them (``sync_role_grants`` per container, then the same
``role_group`` memberships that ``sync_coordinators``/``sync_group_people`` would set).

Two personas are built in: ``bench-member`` belongs to exactly 5 working groups (2 in the large
plan, 3 elsewhere); ``bench-coordinator`` coordinates the large plan and nothing else. Neither is a
focal point, so what they see is what their groups and plans give them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse

from pim.models import Membership, Organisation, User
from pim.permissions import role_group, sync_role_grants
from pim.vocabulary import ImStage, MatrixCategory, Principle

from .models import (
    ActionPlan,
    ActionPoint,
    Challenge,
    FocalPoint,
    ProgressUpdate,
    WorkingGroup,
)

MEMBER = "bench-member"
COORDINATOR = "bench-coordinator"
ADMIN = "bench-admin"  # a site admin: sees, and exports, all the action points
VERSION = 2  # bump when the generated shape changes, so old data is regenerated
FIRST = ["Amal", "Bilal", "Chloe", "Dana", "Elias", "Farah", "Georges", "Hana", "Issa", "Jana"]
LAST = ["Haddad", "Khoury", "Martin", "Nasser", "Okafor", "Petit", "Rahal", "Saleh", "Tamer"]
TOPICS = ["data sharing", "consent", "referral pathways", "monitoring tools", "case management"]
VERBS = ["Draft", "Agree", "Train staff on", "Map", "Review", "Pilot", "Publish"]
STATUSES = [(s, w) for s, w in zip(ActionPoint.Status.values, (30, 30, 25, 5, 10), strict=True)]
FIRST_DAY, DAYS = date(2018, 1, 1), (date(2028, 12, 31) - date(2018, 1, 1)).days


@dataclass(frozen=True)
class Shape:
    organisations: int
    users: int
    plans: int
    groups: int
    large_plan_groups: int
    challenges_per_group: int
    points_per_challenge: int = 5

    @classmethod
    def at(cls, scale: float) -> Shape:
        groups = max(8, round(200 * scale))
        return cls(
            organisations=max(3, round(50 * scale)),
            users=max(40, round(2000 * scale)),
            plans=max(2, round(20 * scale)),
            groups=groups,
            large_plan_groups=max(2, groups // 5),
            challenges_per_group=max(2, round(20000 * scale / groups)),
        )


def marker_name(scale: float) -> str:
    return f"bench:actionplans:v{VERSION}:scale={scale:g}"


def is_generated(scale: float) -> bool:
    return Group.objects.filter(name=marker_name(scale)).exists()


def generate(scale: float = 1.0, seed: int = 2018, log=print) -> Shape:
    """Make the data set in one transaction (an interrupted run leaves nothing behind)."""
    shape = Shape.at(scale)
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    with transaction.atomic():
        users, org_of = _people(shape, rng)
        User.objects.create(
            username=ADMIN, is_superuser=True, is_staff=True, password=UNUSABLE_PASSWORD_PREFIX
        )
        log(f"  {len(users)} people in {shape.organisations} organisations")
        groups, fps = _plans(shape, rng, users, org_of)
        log(f"  {shape.plans} plans, {len(groups)} groups, {sum(map(len, fps.values()))} FPs")
        points = _challenges_and_points(shape, rng, groups, fps)
        log(f"  {len(groups) * shape.challenges_per_group} challenges, {points} action points")
        Group.objects.create(name=marker_name(scale))
    return shape


def _people(shape: Shape, rng: random.Random):
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Bench organisation {i:03}", acronym=f"BO{i}", kind=kind)
        for i, kind in enumerate(rng.choices(Organisation.Kind.values, k=shape.organisations))
    )
    names = [("Mona", "Member"), ("Cora", "Coordinator")]
    names += [(rng.choice(FIRST), rng.choice(LAST)) for _ in range(shape.users - 2)]
    users = User.objects.bulk_create(
        User(
            username=[MEMBER, COORDINATOR][i] if i < 2 else f"bench-{i:04}",
            first_name=first,
            last_name=last,
            email=f"bench-{i:04}@example.org",
            password=UNUSABLE_PASSWORD_PREFIX + "bench",
        )
        for i, (first, last) in enumerate(names)
    )
    org_of = {u.pk: organisations[i % len(organisations)] for i, u in enumerate(users)}
    memberships = [
        Membership(user=u, organisation=org, role="admin" if i < len(organisations) else "member")
        for i, (u, org) in enumerate((u, org_of[u.pk]) for u in users)
    ]
    Membership.objects.bulk_create(memberships)
    for org in organisations:
        sync_role_grants(org)  # what the Organisation post_save signal does
    _join_roles((m.organisation, m.role, m.user_id) for m in memberships)
    return users, org_of


def _join_roles(triples) -> None:
    """Put users in role groups, as ``set_role``/``sync_group_people`` do, in one insert."""
    groups: dict[tuple, int] = {}
    rows = set()
    for obj, role, user_id in triples:
        key = (obj._meta.label_lower, obj.pk, role)
        if key not in groups:
            groups[key] = role_group(obj, role).pk
        rows.add((user_id, groups[key]))
    through = User.groups.through
    through.objects.bulk_create(
        (through(user_id=u, group_id=g) for u, g in rows), batch_size=5000, ignore_conflicts=True
    )


def _plans(shape: Shape, rng: random.Random, users, org_of):
    member, coordinator, others = users[0], users[1], users[2:]
    plans = ActionPlan.objects.bulk_create(
        ActionPlan(
            title=f"Bench plan {i + 1:02}" + (" (large)" if i == 0 else ""),
            operation=rng.choice(["Lebanon", "Jordan", "Iraq", "Chad", "Colombia"]),
            period=str(rng.randint(2018, 2028)),
            overview_for_participants=rng.random() < 0.5,
        )
        for i in range(shape.plans)
    )
    organisations = sorted(set(org_of.values()), key=lambda org: org.pk)
    coordinators = ActionPlan.coordinators.through
    participating = ActionPlan.participating_organisations.through
    coordinator_rows = [coordinators(actionplan=plans[0], user=coordinator)]
    participant_rows = []
    for plan in plans:
        sync_role_grants(plan)  # what the ActionPlan post_save signal does
        for user in rng.sample(others, rng.randint(1, 3)):
            coordinator_rows.append(coordinators(actionplan=plan, user=user))
        for org in rng.sample(organisations, min(len(organisations), rng.randint(4, 10))):
            participant_rows.append(participating(actionplan=plan, organisation=org))
    coordinators.objects.bulk_create(coordinator_rows)
    participating.objects.bulk_create(participant_rows)
    _join_roles((r.actionplan, "coordinator", r.user_id) for r in coordinator_rows)

    # The large plan takes its share of groups; the others are dealt round the remaining plans.
    homes = [plans[0]] * shape.large_plan_groups
    homes += [plans[1 + i % (len(plans) - 1)] for i in range(shape.groups - len(homes))]
    numbers: dict[int, int] = {}
    groups = []
    for plan in homes:
        numbers[plan.pk] = numbers.get(plan.pk, 0) + 1
        groups.append(
            WorkingGroup(
                plan=plan,
                number=numbers[plan.pk],
                name=f"{rng.choice(TOPICS).capitalize()} {numbers[plan.pk]}",
                team_leader=rng.choice(others),
            )
        )
    groups = WorkingGroup.objects.bulk_create(groups)
    members = WorkingGroup.members.through
    member_rows = []
    for group in groups:
        sync_role_grants(group)  # what the WorkingGroup post_save signal does
        people = rng.sample(others, min(len(others), rng.randint(8, 15)))
        member_rows += [
            members(workinggroup=group, user=u) for u in people if u != group.team_leader
        ]
    mine = groups[:2] + rng.sample(groups[shape.large_plan_groups :], 3)
    member_rows += [members(workinggroup=group, user=member) for group in mine]
    members.objects.bulk_create(member_rows)
    _join_roles(
        [(r.workinggroup, "member", r.user_id) for r in member_rows]
        + [(g, "leader", g.team_leader_id) for g in groups]
    )

    # Focal points: 10 a plan and 3 a group; half have an account (one of the plan's people).
    people_of: dict[int, set[int]] = {}
    for group in groups:
        people_of.setdefault(group.plan_id, set()).add(group.team_leader_id)
    for row in member_rows:
        if row.user_id != member.pk:
            people_of[row.workinggroup.plan_id].add(row.user_id)
    focal_points = []
    for plan in plans:
        accounts = sorted(people_of.get(plan.pk, ()))
        rng.shuffle(accounts)
        for k in range(10 + 3 * numbers.get(plan.pk, 0)):
            user_id = accounts.pop() if accounts and rng.random() < 0.5 else None
            org = org_of[user_id] if user_id else rng.choice(organisations)
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {k + 1}"
            focal_points.append(FocalPoint(plan=plan, name=name, organisation=org, user_id=user_id))
    fps: dict[int, list[FocalPoint]] = {}
    for fp in FocalPoint.objects.bulk_create(focal_points, batch_size=2000):
        fps.setdefault(fp.plan_id, []).append(fp)
    return groups, fps


def _deadline(rng: random.Random) -> tuple[str, date | None, str]:
    roll = rng.random()
    if roll < 0.08:
        return "", None, ""
    if roll < 0.12:
        return "Ongoing", None, "ongoing"
    due = FIRST_DAY + timedelta(days=rng.randrange(DAYS + 1))
    if roll < 0.6:
        return due.strftime("%d/%m/%Y"), due, "day"
    quarter = (due.month - 1) // 3 + 1
    end = date(due.year, 3 * quarter, 1) + timedelta(days=31)
    return f"Q{quarter} {due.year}", end - timedelta(days=end.day), "quarter"


def _challenges_and_points(shape: Shape, rng: random.Random, groups, fps) -> int:
    challenges = Challenge.objects.bulk_create(
        (
            Challenge(
                working_group=group,
                number=n,
                title=f"{rng.choice(TOPICS).capitalize()}: gap {n} in group {group.number}",
                categories=rng.sample(MatrixCategory.values, rng.randint(1, 3)),
                principles=rng.sample(Principle.values, rng.randint(0, 2)),
                stages=rng.sample(ImStage.values, rng.randint(0, 2)),
            )
            for group in groups
            for n in range(1, shape.challenges_per_group + 1)
        ),
        batch_size=5000,
    )
    plan_of = {g.pk: g.plan_id for g in groups}
    statuses, weights = zip(*STATUSES, strict=True)
    total = 0
    for start in range(0, len(challenges), 1000):
        points, helpers = [], []
        for challenge in challenges[start : start + 1000]:
            people = fps[plan_of[challenge.working_group_id]]
            for position in range(shape.points_per_challenge):
                status = rng.choices(statuses, weights)[0]
                text, due, precision = _deadline(rng)
                lead = rng.choice(people) if rng.random() < 0.85 else None
                progress = {"not_started": 0, "done": 100}.get(status, rng.randrange(10, 95, 5))
                points.append(
                    ActionPoint(
                        challenge=challenge,
                        working_group_id=challenge.working_group_id,
                        description=f"{rng.choice(VERBS)} {rng.choice(TOPICS)} "
                        f"({challenge.number}.{position + 1})",
                        deadline_text=text,
                        due_date=due,
                        deadline_precision=precision,
                        lead=lead,
                        status=status,
                        progress=progress,
                        position=position,
                    )
                )
                helpers.append(rng.sample(people, rng.randint(1, 2)) if rng.random() < 0.25 else [])
        ActionPoint.objects.bulk_create(points)
        # Work under way has a journal entry: the export's "last update" columns read it.
        ProgressUpdate.objects.bulk_create(
            ProgressUpdate(
                action_point=p,
                note=f"{rng.choice(VERBS)} done for {rng.choice(TOPICS)}; next step agreed.",
                status_before="not_started",
                status_after=p.status,
                progress_before=0,
                progress_after=p.progress,
            )
            for p in points
            if p.status != "not_started"
        )
        through = ActionPoint.supporting.through
        through.objects.bulk_create(
            through(actionpoint_id=p.pk, focalpoint_id=fp.pk)
            for p, chosen in zip(points, helpers, strict=True)
            for fp in chosen
            if fp != p.lead
        )
        total += len(points)
    return total


# --- What is measured: the filtered list per persona, beside a hand-written floor -------------

FILTERED = ("not_started", "in_progress")
SCENARIOS = (  # (persona, username, how the floor reaches the groups, statuses filtered on)
    ("member of 5 groups", MEMBER, "member", FILTERED),
    ("member of 5 groups", MEMBER, "member", ()),
    ("coordinator, large plan", COORDINATOR, "coordinator", FILTERED),
    ("coordinator, large plan", COORDINATOR, "coordinator", ()),
)
_SCOPE = {
    "member": "c.working_group_id IN (SELECT m.workinggroup_id"
    " FROM actionplans_workinggroup_members m WHERE m.user_id = %s)",
    "coordinator": "wg.plan_id IN (SELECT k.actionplan_id"
    " FROM actionplans_actionplan_coordinators k WHERE k.user_id = %s)",
}
_FROM = (
    " FROM actionplans_actionpoint ap"
    " JOIN actionplans_challenge c ON c.id = ap.challenge_id"
    " JOIN actionplans_workinggroup wg ON wg.id = c.working_group_id"
)
_COLUMNS = (
    "ap.id, ap.description, ap.deadline_text, ap.due_date, ap.deadline_precision, ap.status,"
    " ap.progress, c.number, c.title, wg.number, wg.name, p.title, fp.name"
)


def list_url(statuses) -> str:
    query = "&".join([f"status={s}" for s in statuses] + ["sort=due"])
    return f"{reverse('actionplans:actionpoint_list')}?{query}"


def floor_sql(scope: str, statuses) -> tuple[str, str]:
    """The count and the first page, by hand: action points of the groups the user is in."""
    where = _SCOPE[scope]
    if statuses:
        where += f" AND ap.status IN ({', '.join(['%s'] * len(statuses))})"
    count = f"SELECT COUNT(*){_FROM} WHERE {where}"
    page = (
        f"SELECT {_COLUMNS}{_FROM}"
        " JOIN actionplans_actionplan p ON p.id = wg.plan_id"
        " LEFT JOIN actionplans_focalpoint fp ON fp.id = ap.lead_id"
        f" WHERE {where} ORDER BY ap.due_date ASC NULLS LAST, ap.id LIMIT 50"
    )
    return count, page
