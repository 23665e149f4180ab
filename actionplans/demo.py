"""Demo action plans: the seed's "PIM Lebanon Action Plan", and around it who sees what.

- "PIM Lebanon Action Plan", Group 1: Data Sharing — exactly as the seed's table: the four
  challenges, six action points, deadlines as typed ("Q1 of 2019", "2019") and focal points
  (Jad; Fanette, with Fred advising). The deadlines passed long ago, so most points are overdue;
  a few journal entries (dated 2019) show work done.
- Group 2: Protection Monitoring — invented, with deadlines set around the day the demo is first
  loaded (some overdue, some due within two weeks) and a focal point typed without an account.
- "Jordan PIM Action Plan" — invented, coordinated by Omar: Jad, Fanette and Layla cannot see it.

Who sees what: Fanette coordinates the Lebanon plan and sees all of it; Jad, Rana and Fred see
Group 1 only; Maria and Omar see both groups; Layla (the national NGO, in no group) sees the
Lebanon overview only, because her organisation participates and the plan allows it.

Loading again changes nothing: rows are keyed on their natural keys (plan title, group number,
challenge number, focal point name, action point text). An action point is only created, never
overwritten, so its history stays true and what someone did in the demo is kept; journal entries
are only added to an action point that has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from pim.models import Organisation, User
from pim.vocabulary import ImStage, MatrixCategory, Principle

from . import services
from .models import (
    ActionPlan,
    ActionPoint,
    ActionPointChange,
    Challenge,
    FocalPoint,
    ProgressUpdate,
    WorkingGroup,
)

Status = ActionPoint.Status
P, C, S = Principle, MatrixCategory, ImStage

LEBANON = "PIM Lebanon Action Plan"
JORDAN = "Jordan PIM Action Plan"
WORKSHOP_END = (2018, 12, 13)  # the plan was typed on the last day of the training


@dataclass(frozen=True)
class Entry:
    """A journal entry, dated on ``when``."""

    author: str  # username
    when: date | int  # a date, or a number of days from the day the demo is first loaded
    status: str
    progress: int
    note: str


@dataclass(frozen=True)
class Point:
    description: str
    deadline: str | int  # as typed, or a number of days from the day the demo is first loaded
    lead: str  # focal point name
    supporting: tuple[str, ...] = ()
    journal: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Topic:
    number: int
    title: str
    points: tuple[Point, ...]
    principles: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    number: int
    name: str
    team_leader: str  # username
    members: tuple[str, ...]
    challenges: tuple[Topic, ...]
    typed_by: str  # who typed the action points in (the author of their first version)
    typed_on: date | int


@dataclass(frozen=True)
class FocalPerson:
    name: str
    organisation: str  # acronym
    email: str = ""  # an account with this address is linked by actionplans.signals


@dataclass(frozen=True)
class Plan:
    title: str
    operation: str
    period: str
    origin: str
    description: str
    participating: tuple[str, ...]  # acronyms; () for every demo organisation
    coordinators: tuple[str, ...]
    overview_for_participants: bool
    focal_points: tuple[FocalPerson, ...]
    groups: tuple[Group, ...] = ()


# --- The seed's plan, word for word ------------------------------------------------------------

DATA_SHARING = Group(
    number=1,
    name="Data Sharing",
    team_leader="jad",
    members=("rana", "omar", "maria", "fred", "jad"),
    typed_by="fanette",
    typed_on=date(*WORKSHOP_END),
    challenges=(
        Topic(
            1,
            "Lack of common, user-friendly and secure data-sharing tools",
            principles=(P.DATA_RESPONSIBILITY, P.COORDINATION),
            stages=(S.STORE, S.SHARE),
            points=(
                # Left untouched: the browser test moves it to "in progress".
                Point("IMWG to recommend standardized tools and procedures", "Q1 of 2019", "Jad"),
            ),
        ),
        Topic(
            2,
            "Informed consent about sharing and different types of sharing and recipients",
            principles=(P.CONSENT, P.DO_NO_HARM),
            categories=(C.NEEDS_ASSESSMENT, C.PROTECTION_MONITORING),
            stages=(S.COLLECT, S.SHARE),
            points=(
                Point(
                    "Build comprehensive consent form drafts and guidelines on which to choose "
                    "depending on survey/activities",
                    "2019",
                    "Fanette",
                    supporting=("Fred",),
                    journal=(
                        Entry(
                            "fanette",
                            date(2019, 3, 12),
                            Status.IN_PROGRESS,
                            30,
                            "First drafts ready: one consent form for household surveys, one for "
                            "focus group discussions. Sent to Fred for comments.",
                        ),
                        Entry(
                            "fred",
                            date(2019, 4, 2),
                            Status.IN_PROGRESS,
                            50,
                            "Commented on both drafts; suggested a short oral-consent script for "
                            "phone surveys and a line on who the data may be shared with.",
                        ),
                    ),
                ),
                Point("Disseminate", "2019", "Fanette", supporting=("Fred",)),
            ),
        ),
        Topic(
            3,
            "Trust between actors (in terms of data quality, methodology, data protection)",
            principles=(P.COMPETENCY, P.DATA_RESPONSIBILITY, P.COORDINATION),
            categories=(C.NEEDS_ASSESSMENT,),
            stages=(S.PROCESS, S.ANALYSE),
            points=(
                Point(
                    "Disseminate the “VASyR quality assurance package” methodology",
                    "Q1 of 2019",
                    "Jad",
                    journal=(
                        Entry(
                            "jad",
                            date(2019, 3, 20),
                            Status.DONE,
                            100,
                            "Presented the methodology at the IMWG; the package and the slides "
                            "were shared with every sector's IM focal point.",
                        ),
                    ),
                ),
            ),
        ),
        Topic(
            4,
            "Lack of knowledge about where and how to access information and data",
            principles=(P.COORDINATION,),
            categories=(C.POPULATION_DATA, C.NEEDS_ASSESSMENT),
            stages=(S.SHARE, S.USE),
            points=(
                Point(
                    "Raise awareness on national studies (VASyR, KAP, MICS, ARK…) in sector WG, "
                    "in inter-agency.",
                    "Q1 of 2019",
                    "Jad",
                    journal=(
                        Entry(
                            "jad",
                            date(2019, 2, 14),
                            Status.IN_PROGRESS,
                            40,
                            "Presented VASyR and KAP at the Protection and Education sector "
                            "working groups. MICS and ARK still to do.",
                        ),
                    ),
                ),
                Point(
                    "Promote use of and contributions to Lebanon Factbook and Assessment "
                    "Registry in IMWG and Inter-Agency",
                    "Q1 of 2019",
                    "Jad",
                    journal=(
                        Entry(
                            "jad",
                            date(2019, 3, 5),
                            Status.BLOCKED,
                            20,
                            "Waiting for the Assessment Registry to move to its new platform "
                            "before asking agencies to add their assessments.",
                        ),
                    ),
                ),
            ),
        ),
    ),
)

# --- Invented around it: another group, with deadlines around today -----------------------------

PROTECTION_MONITORING = Group(
    number=2,
    name="Protection Monitoring",
    team_leader="maria",
    members=("maria", "omar"),
    typed_by="maria",
    typed_on=-60,
    challenges=(
        Topic(
            1,
            "Protection monitoring findings are not shared in a form other sectors can use",
            principles=(P.DATA_RESPONSIBILITY, P.COORDINATION),
            categories=(C.PROTECTION_MONITORING,),
            stages=(S.ANALYSE, S.SHARE),
            points=(
                Point(
                    "Agree a monthly protection monitoring dashboard template with the "
                    "Protection Working Group",
                    -20,
                    "Maria",
                    supporting=("Omar",),
                    journal=(
                        Entry(
                            "maria",
                            -30,
                            Status.IN_PROGRESS,
                            50,
                            "Two drafts circulated; the Protection Working Group asked for "
                            "figures by governorate, not by district.",
                        ),
                    ),
                ),
                Point("Publish the first quarterly protection monitoring snapshot", 10, "Omar"),
            ),
        ),
        Topic(
            2,
            "Field teams record referrals differently, without a shared data protection checklist",
            principles=(P.DO_NO_HARM, P.CONSENT, P.DATA_RESPONSIBILITY),
            categories=(C.CASE_MANAGEMENT,),
            stages=(S.COLLECT, S.STORE),
            points=(
                Point(
                    "Train field teams on the data protection checklist for referrals",
                    -5,
                    "Hiba (UNHCR field office)",
                ),
                Point(
                    "Map which organisations receive referral data, and under which agreement",
                    5,
                    "Omar",
                    journal=(
                        Entry(
                            "omar",
                            -3,
                            Status.IN_PROGRESS,
                            25,
                            "Six organisations mapped so far; waiting for answers from the others.",
                        ),
                    ),
                ),
            ),
        ),
    ),
)

PLANS = (
    Plan(
        title=LEBANON,
        operation="Lebanon",
        period="2019",
        origin="PIM training in Lebanon, 10–13 December 2018",  # noqa: RUF001
        description=(
            "Agreed at the end of the PIM training in Lebanon (10–13 December 2018), "  # noqa: RUF001
            "attended by 30 participants from 10 organisations: UN agencies, international NGOs "
            "and one national NGO; protection officers, IMOs and MEAL officers. The Information "
            "Management Working Group should improve data-sharing in a responsible, purposeful "
            "and safe way."
        ),
        participating=(),
        coordinators=("fanette",),
        overview_for_participants=True,
        focal_points=(
            FocalPerson("Jad", "UNHCR", "jad@example.org"),
            FocalPerson("Fanette", "UNHCR", "fanette@example.org"),
            FocalPerson("Fred", "NRC", "fred@example.org"),
            FocalPerson("Maria", "IRC", "maria@example.org"),
            FocalPerson("Omar", "DRC", "omar@example.org"),
            # Typed at a meeting, no account: shows a focal point nobody is linked to.
            FocalPerson("Hiba (UNHCR field office)", "UNHCR"),
        ),
        groups=(DATA_SHARING, PROTECTION_MONITORING),
    ),
    # Invented: a plan Jad, Fanette and Layla are not part of (they get a 404 on its pages).
    Plan(
        title=JORDAN,
        operation="Jordan",
        period="",
        origin="PIM workshop in Amman (demo)",
        description="A smaller plan, private to its coordinator and its group.",
        participating=("DRC", "NRC"),
        coordinators=("omar",),
        overview_for_participants=False,
        focal_points=(
            FocalPerson("Omar", "DRC", "omar@example.org"),
            FocalPerson("Fred", "NRC", "fred@example.org"),
        ),
        groups=(
            Group(
                number=1,
                name="Information Sharing",
                team_leader="omar",
                members=("omar", "fred"),
                typed_by="omar",
                typed_on=-40,
                challenges=(
                    Topic(
                        1,
                        "No agreed protocol for sharing protection data between agencies",
                        principles=(P.DATA_RESPONSIBILITY, P.COORDINATION),
                        categories=(C.PROTECTION_MONITORING, C.CASE_MANAGEMENT),
                        stages=(S.SHARE,),
                        points=(
                            Point(
                                "Agree a sensitivity level (low, moderate, high, severe) for "
                                "each dataset shared in the working group",
                                -10,
                                "Fred",
                            ),
                            Point(
                                "Draft an information-sharing protocol from the IMWG template",
                                30,
                                "Omar",
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
)


def load(by_acronym: dict[str, Organisation], users: dict[str, User]) -> list[ActionPlan]:
    """Create or update the demo plans; call inside the demo's transaction."""
    today = timezone.localdate()
    plans = []
    for spec in PLANS:
        plan, _created = ActionPlan.objects.update_or_create(
            title=spec.title,
            defaults={
                "operation": spec.operation,
                "period": spec.period,
                "origin": spec.origin,
                "description": spec.description,
                "overview_for_participants": spec.overview_for_participants,
            },
        )
        acronyms = spec.participating or tuple(by_acronym)
        plan.participating_organisations.set([by_acronym[a] for a in acronyms])
        plan.coordinators.set([users[name] for name in spec.coordinators])
        focal_points = {}
        for person in spec.focal_points:
            # An e-mail address of an account links the focal point to it (actionplans.signals).
            focal_points[person.name], _created = FocalPoint.objects.update_or_create(
                plan=plan,
                name=person.name,
                defaults={"email": person.email, "organisation": by_acronym[person.organisation]},
            )
        for group_spec in spec.groups:
            _load_group(plan, group_spec, focal_points, users, today)
        plans.append(plan)
    return plans


def _load_group(plan, spec: Group, focal_points, users, today: date) -> None:
    group, _created = WorkingGroup.objects.update_or_create(
        plan=plan,
        number=spec.number,
        defaults={"name": spec.name, "team_leader": users[spec.team_leader]},
    )
    group.members.set([users[name] for name in spec.members])
    for topic in spec.challenges:
        challenge, _created = Challenge.objects.update_or_create(
            working_group=group,
            number=topic.number,
            defaults={
                "title": topic.title,
                "principles": list(topic.principles),
                "categories": list(topic.categories),
                "stages": list(topic.stages),
            },
        )
        for position, point_spec in enumerate(topic.points):
            point = ActionPoint.objects.filter(
                challenge=challenge, description=point_spec.description
            ).first()
            if point is None:
                typed = (users[spec.typed_by], _moment(spec.typed_on, today))
                point = _create_point(challenge, position, point_spec, focal_points, typed, today)
            if point_spec.journal and not point.updates.exists():
                _write_journal(point, point_spec.journal, users, today)


def _create_point(challenge, position, spec: Point, focal_points, typed, today: date):
    """A new action point and its first version, as services.create_action_point records it."""
    author, when = typed
    point = ActionPoint(challenge=challenge, description=spec.description, position=position)
    deadline = spec.deadline
    if isinstance(deadline, int):  # days from today, typed as in Lebanon: 31/03/2019
        deadline = f"{today + timedelta(days=deadline):%d/%m/%Y}"
    point.set_deadline(deadline)
    point.lead = focal_points[spec.lead]
    point.save()
    point.supporting.set([focal_points[name] for name in spec.supporting])
    ActionPointChange.objects.create(
        action_point=point,
        author=author,
        version=point.version,
        changes=services.diff({}, services.snapshot(point)),
        created_at=when,
    )
    ActionPoint.objects.filter(pk=point.pk).update(created_at=when, updated_at=when)
    return point


def _write_journal(point: ActionPoint, entries, users, today: date) -> None:
    """Post the entries through services.post_update, then date them as the story says."""
    for entry in entries:
        point.refresh_from_db()
        update = services.post_update(
            point,
            users[entry.author],
            status=entry.status,
            progress=entry.progress,
            note=entry.note,
            seen_version=point.version,
        )
        when = _moment(entry.when, today)
        ActionPointChange.objects.filter(action_point=point, created_at=update.created_at).update(
            created_at=when
        )
        ProgressUpdate.objects.filter(pk=update.pk).update(created_at=when)
        ActionPoint.objects.filter(pk=point.pk).update(updated_at=when)


def _moment(when: date | int, today: date) -> datetime:
    """10:00 local time on a date, or on the day ``when`` days from ``today``."""
    day = today + timedelta(days=when) if isinstance(when, int) else when
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))
