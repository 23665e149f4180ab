"""Creating and editing plans, groups, challenges and action points in the browser's forms.

Bad input gets a message and leaves nothing half-written; two people editing the same action
point never silently overwrite each other; every change is kept as history.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from actionplans.models import (
    ActionPlan,
    ActionPoint,
    ActionPointChange,
    Challenge,
    FocalPoint,
    ProgressUpdate,
    WorkingGroup,
)
from tests.factories import FocalPointFactory, UserFactory


def edit_data(point, **changes):
    data = {
        "challenge": point.challenge_id,
        "description": point.description,
        "deadline_text": point.deadline_text,
        "lead": point.lead_id or "",
        "supporting": [p.pk for p in point.supporting.all()],
        "status": point.status,
        "progress": point.progress,
        "version": point.version,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.django_db
def test_an_organisation_admin_starts_a_plan_and_coordinates_it(plan_people):
    client = plan_people.client("alice")
    response = client.post(
        reverse("actionplans:actionplan_add"),
        {
            "title": "Iraq PIM Action Plan",
            "operation": "Iraq",
            "period": "2027",
            "participating_organisations": [plan_people.people.org_a.pk],
            "overview_for_participants": "on",
        },
    )
    plan = ActionPlan.objects.get(title="Iraq PIM Action Plan")
    assert response.status_code == 302
    assert list(plan.coordinators.all()) == [plan_people.alice]
    assert client.get(plan.get_absolute_url()).status_code == 200
    # Bob's organisation participates and the plan shares its overview.
    assert plan_people.client("bob").get(plan.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_someone_who_admins_no_organisation_cannot_start_a_plan(plan_people):
    response = plan_people.client("dave").post(
        reverse("actionplans:actionplan_add"), {"title": "Sneaky plan", "operation": "X"}
    )
    assert response.status_code == 404  # as every create view answers who may not create
    assert not ActionPlan.objects.filter(title="Sneaky plan").exists()


@pytest.mark.django_db
def test_a_coordinator_creates_a_group_with_a_leader_who_is_also_a_member(plan_people):
    newcomer = UserFactory(username="nadia", first_name="Nadia")
    plan_people.plan.coordinators.add(newcomer)  # makes her someone the coordinator sees
    response = plan_people.client("coco").post(
        reverse("actionplans:workinggroup_add", args=[plan_people.plan.pk]),
        {"number": 3, "name": "Case Management", "team_leader": newcomer.pk, "members": []},
    )
    assert response.status_code == 302
    group = WorkingGroup.objects.get(plan=plan_people.plan, number=3)
    assert list(group.members.all()) == [newcomer]
    plan_people.nadia = newcomer
    assert plan_people.client("nadia").get(group.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_a_group_number_already_taken_is_refused(plan_people):
    response = plan_people.client("coco").post(
        reverse("actionplans:workinggroup_add", args=[plan_people.plan.pk]),
        {"number": 1, "name": "Duplicate"},
    )
    assert response.status_code == 200
    assert "already has a group 1" in response.content.decode()
    assert not WorkingGroup.objects.filter(name="Duplicate").exists()


@pytest.mark.django_db
def test_a_coordinator_cannot_name_a_stranger_as_member(plan_people):
    """Choices are narrowed by restrict(): a tampered id fails like an unknown one."""
    response = plan_people.client("coco").post(
        reverse("actionplans:workinggroup_edit", args=[plan_people.group1.pk]),
        {"number": 1, "name": "Data Sharing", "members": [plan_people.erin.pk]},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert plan_people.erin not in plan_people.group1.members.all()


@pytest.mark.django_db
def test_a_team_leader_adds_a_challenge_tagged_with_pim_vocabulary(plan_people):
    response = plan_people.client("lena").post(
        reverse("actionplans:challenge_add", args=[plan_people.group1.pk]),
        {
            "number": 2,
            "title": "Informed consent about sharing",
            "principles": ["consent"],
            "categories": ["protection_monitoring", "case_management"],
            "stages": ["share"],
        },
    )
    assert response.status_code == 302
    challenge = Challenge.objects.get(working_group=plan_people.group1, number=2)
    assert challenge.categories == ["protection_monitoring", "case_management"]
    assert challenge.principles == ["consent"]


@pytest.mark.django_db
def test_an_unknown_pim_tag_is_refused(plan_people):
    response = plan_people.client("lena").post(
        reverse("actionplans:challenge_add", args=[plan_people.group1.pk]),
        {"number": 2, "title": "Tagged wrong", "categories": ["astrology"]},
    )
    assert response.status_code == 200
    assert not Challenge.objects.filter(title="Tagged wrong").exists()


@pytest.mark.django_db
def test_a_team_leader_adds_an_action_point_with_a_fuzzy_deadline_and_a_new_person(plan_people):
    client = plan_people.client("lena")
    response = client.post(
        reverse("actionplans:actionpoint_add", args=[plan_people.group1.pk]),
        {
            "challenge": plan_people.challenge1.pk,
            "description": "Disseminate",
            "deadline_text": "h2 2019",
            "new_lead": "Fanette ",
            "supporting": [plan_people.fp_mona.pk],
            "status": "not_started",
            "progress": 0,
        },
    )
    point = ActionPoint.objects.get(description="Disseminate")
    assert response.status_code == 302
    assert (point.deadline_text, str(point.due_date), point.deadline_precision) == (
        "h2 2019",
        "2019-12-31",
        "half_year",
    )
    assert point.lead.name == "Fanette" and point.lead.plan == plan_people.plan
    assert [p.name for p in point.supporting.all()] == ["Mona"]
    assert point.changes.count() == 1  # its first version is in the history


@pytest.mark.django_db
def test_a_deadline_we_do_not_understand_is_refused_with_the_accepted_forms(plan_people):
    point = plan_people.point1
    response = plan_people.client("lena").post(
        reverse("actionplans:actionpoint_edit", args=[point.pk]),
        edit_data(point, deadline_text="sometime soon", description="Changed text"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "is not a deadline we understand" in html and "Q1 of 2019" in html
    point.refresh_from_db()
    assert (point.description, point.deadline_text, point.version) == (
        "IMWG to recommend standardized tools and procedures",
        "Q1 of 2019",
        1,
    )
    assert not ActionPointChange.objects.filter(action_point=point).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("progress", 150), ("progress", -5), ("status", "finished"), ("description", "")],
)
def test_bad_values_are_refused_and_nothing_changes(plan_people, field, value):
    point = plan_people.point1
    response = plan_people.client("coco").post(
        reverse("actionplans:actionpoint_edit", args=[point.pk]), edit_data(point, **{field: value})
    )
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    point.refresh_from_db()
    assert point.version == 1


@pytest.mark.django_db
def test_an_action_point_cannot_be_moved_to_another_groups_challenge(plan_people):
    point = plan_people.point1
    response = plan_people.client("lena").post(
        reverse("actionplans:actionpoint_edit", args=[point.pk]),
        edit_data(point, challenge=plan_people.challenge2.pk),
    )
    assert response.status_code == 200
    point.refresh_from_db()
    assert point.challenge == plan_people.challenge1


@pytest.mark.django_db
def test_a_lead_from_another_plan_is_refused(plan_people):
    stranger = FocalPointFactory(plan=plan_people.jordan, name="Jordan person")
    point = plan_people.point1
    response = plan_people.client("coco").post(
        reverse("actionplans:actionpoint_edit", args=[point.pk]),
        edit_data(point, lead=stranger.pk),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.django_db
def test_every_change_is_kept_as_history_and_shown_on_the_page(plan_people):
    point = plan_people.point1
    client = plan_people.client("lena")
    client.post(
        reverse("actionplans:actionpoint_edit", args=[point.pk]),
        edit_data(point, deadline_text="Q2 2019", status="blocked", lead=plan_people.fp_mona.pk),
    )
    change = ActionPointChange.objects.get(action_point=point)
    assert change.author == plan_people.lena
    assert {c["field"]: (c["old"], c["new"]) for c in change.changes} == {
        "deadline_text": ("Q1 of 2019", "Q2 2019"),
        "status": ("not_started", "blocked"),
        "lead": ("Fanny", "Mona"),
    }
    html = client.get(point.get_absolute_url()).content.decode()
    assert "<del><bdi>Not started</bdi></del> → <ins><bdi>Blocked</bdi></ins>" in html
    assert "<del><bdi>Q1 of 2019</bdi></del> → <ins><bdi>Q2 2019</bdi></ins>" in html
    assert "Lena Lynx" in html


@pytest.mark.django_db
def test_the_second_of_two_concurrent_edits_is_refused_showing_what_changed(plan_people):
    point = plan_people.point1
    opened_by_coco = edit_data(point, description="Coco's wording")
    opened_by_lena = edit_data(point, deadline_text="2020")
    assert (
        plan_people.client("lena")
        .post(reverse("actionplans:actionpoint_edit", args=[point.pk]), opened_by_lena)
        .status_code
        == 302
    )

    response = plan_people.client("coco").post(
        reverse("actionplans:actionpoint_edit", args=[point.pk]), opened_by_coco
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this action point" in html
    assert (
        "<del><bdi>Q1 of 2019</bdi></del> → <ins><bdi>2020</bdi></ins>" in html
        and "Lena Lynx" in html
    )
    assert "Coco&#x27;s wording" in html  # her own text is still in the form
    point.refresh_from_db()
    assert (point.description, point.deadline_text, point.version) == (
        "IMWG to recommend standardized tools and procedures",
        "2020",
        2,
    )
    # Having seen the change, she saves again on purpose: now it goes through.
    resend = {**opened_by_coco, "version": 2, "deadline_text": "2020"}
    assert (
        plan_people.client("coco")
        .post(reverse("actionplans:actionpoint_edit", args=[point.pk]), resend)
        .status_code
        == 302
    )
    point.refresh_from_db()
    assert (point.description, point.deadline_text, point.version) == ("Coco's wording", "2020", 3)


@pytest.mark.django_db
def test_a_focal_point_posts_an_update_that_moves_status_and_progress(plan_people):
    point = plan_people.point1
    client = plan_people.client("fanny")
    response = client.post(
        reverse("actionplans:progressupdate_add", args=[point.pk]),
        {"status": "in_progress", "progress": 30, "note": "Met the IMWG", "version": 1},
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(action_point=point)
    assert (update.status_before, update.status_after, update.progress_after) == (
        "not_started",
        "in_progress",
        30,
    )
    point.refresh_from_db()
    assert (point.status, point.progress, point.version) == ("in_progress", 30, 2)
    html = client.get(point.get_absolute_url()).content.decode()
    assert "Met the IMWG" in html and "Fanny Finch" in html


@pytest.mark.django_db
def test_a_stale_update_is_refused_and_nothing_is_written(plan_people):
    point = plan_people.point1
    plan_people.client("lena").post(
        reverse("actionplans:progressupdate_add", args=[point.pk]),
        {"status": "blocked", "progress": 0, "note": "Waiting for the IMWG", "version": 1},
    )
    response = plan_people.client("fanny").post(
        reverse("actionplans:progressupdate_add", args=[point.pk]),
        {"status": "done", "progress": 100, "note": "All done", "version": 1},
    )
    assert response.status_code == 200
    assert "Someone else changed this action point" in response.content.decode()
    assert ProgressUpdate.objects.filter(action_point=point).count() == 1
    point.refresh_from_db()
    assert point.status == "blocked"


@pytest.mark.django_db
def test_an_empty_update_is_refused(plan_people):
    point = plan_people.point1
    response = plan_people.client("fanny").post(
        reverse("actionplans:progressupdate_add", args=[point.pk]),
        {"status": "not_started", "progress": 0, "note": "  ", "version": 1},
    )
    assert response.status_code == 200
    assert "Change the status or progress, or write a note." in response.content.decode()
    assert not ProgressUpdate.objects.exists()


@pytest.mark.django_db
def test_a_member_cannot_post_on_someone_elses_action_point(plan_people):
    response = plan_people.client("mona").post(
        reverse("actionplans:progressupdate_add", args=[plan_people.point1.pk]),
        {"status": "done", "progress": 100, "note": "Not mine", "version": 1},
    )
    assert response.status_code == 404
    assert not ProgressUpdate.objects.exists()


@pytest.mark.django_db
def test_a_typed_focal_point_is_linked_once_when_the_person_gets_an_account(plan_people):
    typed = FocalPoint.objects.create(plan=plan_people.plan, name="Rami", email="Rami@Example.org")
    assert typed.user is None
    rami = UserFactory(username="rami", email="rami@example.org")
    typed.refresh_from_db()
    assert typed.user == rami
    # The link is made once: a later change of address does not undo or move it.
    rami.email = "rami.new@example.org"
    rami.save()
    typed.refresh_from_db()
    assert typed.user == rami


@pytest.mark.django_db
def test_a_focal_point_typed_for_an_existing_account_is_linked_at_once(plan_people):
    person = FocalPoint.objects.create(plan=plan_people.plan, name="Bob", email="BOB@example.org")
    assert person.user == plan_people.bob


@pytest.mark.django_db
def test_filters_narrow_the_list_and_bad_filter_values_are_reported(plan_people):
    client = plan_people.client("coco")
    url = reverse("actionplans:actionpoint_list")
    overdue = client.get(url, {"overdue": "on"}).content.decode()
    assert "IMWG to recommend standardized tools and procedures" in overdue
    assert "Draft a data-sharing protocol template" not in overdue
    by_person = client.get(url, {"focal_point": plan_people.fp_hiba.pk}).content.decode()
    assert "IMWG to recommend" in by_person and "Draft a data-sharing" not in by_person
    by_category = client.get(url, {"category": "population_data"}).content.decode()
    assert "IMWG to recommend" in by_category and "Census of collective" not in by_category
    by_group = client.get(url, {"group": plan_people.group2.pk}).content.decode()
    assert "Census of collective" in by_group and "IMWG to recommend" not in by_group
    searched = client.get(url, {"q": "PROTOCOL"}).content.decode()
    assert "Draft a data-sharing protocol template" in searched and "IMWG" not in searched
    bad = client.get(url, {"due_before": "not a date"})
    assert bad.status_code == 200 and "Enter a valid date." in bad.content.decode()


@pytest.mark.django_db
def test_a_filter_naming_a_hidden_group_is_refused_not_obeyed(plan_people):
    response = plan_people.client("lena").get(
        reverse("actionplans:actionpoint_list"), {"group": plan_people.group2.pk}
    )
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert "Census of collective" not in html


@pytest.mark.django_db
def test_my_action_points_come_overdue_first_then_by_due_date(plan_people):
    fanny = plan_people.fp_fanny
    later = plan_people.point2
    later.lead = fanny
    later.set_deadline("2099")
    later.save()
    soon = ActionPoint.objects.create(
        challenge=plan_people.challenge1, description="Soon", lead=fanny
    )
    soon.set_deadline("2098")
    soon.save()
    html = plan_people.client("fanny").get(reverse("actionplans:my_actionpoints")).content.decode()
    order = [html.index(t) for t in ("IMWG to recommend", "Soon", "Draft a data-sharing")]
    assert order == sorted(order)


@pytest.mark.django_db
def test_a_challenge_moved_to_another_group_takes_its_action_points_and_their_visibility(
    plan_people,
):
    challenge = plan_people.challenge2
    challenge.working_group = plan_people.group1
    challenge.number = 5
    challenge.save()
    plan_people.hidden.refresh_from_db()
    assert plan_people.hidden.working_group == plan_people.group1
    assert plan_people.client("mona").get(plan_people.hidden.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_a_new_action_point_under_a_challenge_one_may_not_manage_is_not_kept(plan_people):
    """Lena leads Group 1 and is a plain member of Group 2: she sees Group 2's challenge but may
    not add to it. Posted from Group 1's create page, it is refused and nothing is kept (by the
    form's choices, or else by the check after saving)."""
    from actionplans.models import ActionPoint

    plan_people.group2.members.add(plan_people.lena)
    url = reverse("actionplans:actionpoint_add", args=[plan_people.group1.pk])
    before = ActionPoint.objects.count()
    response = plan_people.client("lena").post(
        url,
        {
            "challenge": plan_people.challenge2.pk,
            "description": "Planted in group 2",
            "deadline_text": "Q1 2019",
            "status": "not_started",
            "progress": 0,
        },
    )
    assert response.status_code in (200, 404)
    assert ActionPoint.objects.count() == before
    assert not ActionPoint.objects.filter(description="Planted in group 2").exists()


@pytest.mark.django_db
def test_the_update_page_opened_on_its_own_has_the_whole_form_and_saves(plan_people):
    point = plan_people.point1
    url = reverse("actionplans:progressupdate_add", args=[point.pk])
    client = plan_people.client("fanny")
    page = client.get(url)
    form = page.context["form"]
    assert form["version"].value() == point.version
    assert form["status"].value() == point.status and form["progress"].value() == point.progress
    html = page.content.decode()
    assert f'name="version" value="{point.version}"' in html
    response = client.post(
        url, {"status": "in_progress", "progress": 40, "note": "Tools mapped", "version": 1}
    )
    assert response.status_code == 302
    point.refresh_from_db()
    assert (point.status, point.progress) == ("in_progress", 40)
    assert ProgressUpdate.objects.filter(note="Tools mapped").exists()


@pytest.mark.django_db
def test_an_update_without_its_version_says_so_and_keeps_the_text(plan_people):
    point = plan_people.point1
    url = reverse("actionplans:progressupdate_add", args=[point.pk])
    response = plan_people.client("fanny").post(
        url, {"status": "in_progress", "progress": 40, "note": "Kept words"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This page is out of date" in html and "Kept words" in html
    assert not ProgressUpdate.objects.filter(note="Kept words").exists()
