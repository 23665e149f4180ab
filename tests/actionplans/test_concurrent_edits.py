"""An action point deleted while someone is posting an update or saving an edit, or deleted twice:
every answer is clean (never a 500), nothing deleted is written again, nothing is left dangling.

Each write re-reads the point under its row lock (``services.lock``), the delete too, before
Django collects the journal entries it deletes with the point. An update or edit of a point
deleted meanwhile keeps the person's input in the form and says nothing was saved; deleting a
point someone else just deleted goes where the delete goes, saying so.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from actionplans.models import ActionPoint, ActionPointChange, ProgressUpdate
from tests.factories import ActionPointFactory
from tests.races import messages_of, need_postgresql, signed_in, together, while_waiting

from .test_editing import edit_data

DELETED = "Someone else deleted this action point while you were writing: nothing was saved."


def lock(point: ActionPoint):
    return lambda: ActionPoint.objects.select_for_update().get(pk=point.pk)


def delete(point: ActionPoint):
    return lambda: ActionPoint.objects.get(pk=point.pk).delete()


def post_update(client: Client, point: ActionPoint, note="Met the IMWG"):
    return client.post(
        reverse("actionplans:progressupdate_add", args=[point.pk]),
        {"status": "in_progress", "progress": 30, "note": note, "version": point.version},
    )


# --- Already gone when the request arrives -----------------------------------------------------


@pytest.mark.django_db
def test_deleting_a_point_already_deleted_answers_404(plan_people):
    p = plan_people
    client = signed_in(p.lena)
    url = reverse("actionplans:actionpoint_delete", args=[p.point1.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 404
    assert post_update(signed_in(p.fanny), p.point1).status_code == 404
    assert not ProgressUpdate.objects.exists()


# --- Deleted while the request waited for the point's lock -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_update_of_a_point_deleted_meanwhile_keeps_the_note_and_writes_nothing(plan_people):
    need_postgresql()
    p = plan_people
    client = signed_in(p.fanny)
    response = while_waiting(
        lock(p.point1), lambda: post_update(client, p.point1, note="Met the IMWG"), delete(p.point1)
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert DELETED in html
    assert "Met the IMWG" in html  # still in the form, to copy
    assert not ActionPoint.objects.filter(pk=p.point1.pk).exists()
    assert not ProgressUpdate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_edit_of_a_point_deleted_meanwhile_does_not_bring_it_back(plan_people):
    need_postgresql()
    p = plan_people
    client = signed_in(p.lena)
    data = edit_data(p.point1, description="Lena's wording")
    url = reverse("actionplans:actionpoint_edit", args=[p.point1.pk])
    response = while_waiting(lock(p.point1), lambda: client.post(url, data), delete(p.point1))
    html = response.content.decode()
    assert response.status_code == 200
    assert DELETED in html
    assert "Lena&#x27;s wording" in html
    # A plain save() of the deleted row would have inserted it again.
    assert not ActionPoint.objects.filter(pk=p.point1.pk).exists()
    assert not ActionPointChange.objects.filter(action_point=p.point1.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_point_deleted_meanwhile_is_deleted_once_and_said_so(plan_people):
    need_postgresql()
    p = plan_people
    client = signed_in(p.lena)
    url = reverse("actionplans:actionpoint_delete", args=[p.point1.pk])
    response = while_waiting(lock(p.point1), lambda: client.post(url), delete(p.point1))
    assert response.status_code == 302
    assert response["Location"] == reverse("actionplans:workinggroup_detail", args=[p.group1.pk])
    assert messages_of(response) == ["This action point has already been deleted."]


@pytest.mark.django_db(transaction=True)
def test_an_update_posted_while_the_point_is_being_deleted_goes_with_it(plan_people):
    """The delete takes the lock before collecting the journal: an update that got in first
    is deleted with the point, instead of failing the delete at commit."""
    need_postgresql()
    p = plan_people
    client = signed_in(p.lena)
    url = reverse("actionplans:actionpoint_delete", args=[p.point1.pk])

    def update_meanwhile():
        ProgressUpdate.objects.create(
            action_point=p.point1,
            author=p.fanny,
            note="Posted just before",
            status_before="not_started",
            status_after="in_progress",
            progress_before=0,
            progress_after=30,
        )

    response = while_waiting(lock(p.point1), lambda: client.post(url), update_meanwhile)
    assert response.status_code == 302
    assert messages_of(response) == [f"Deleted {p.point1}."]
    assert not ActionPoint.objects.filter(pk=p.point1.pk).exists()
    assert not ProgressUpdate.objects.exists()


# --- Really at once ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_deleting_a_point_while_updates_are_posted_never_fails(plan_people):
    need_postgresql()
    p = plan_people
    for _round in range(5):
        point = ActionPointFactory(
            challenge=p.challenge1, description="Map the referral pathways", lead=p.fp_fanny
        )
        leader, focal_point = signed_in(p.lena), signed_in(p.fanny)
        deleting, posting = together(
            lambda leader=leader, point=point: leader.post(
                reverse("actionplans:actionpoint_delete", args=[point.pk])
            ),
            lambda focal_point=focal_point, point=point: post_update(focal_point, point),
        )
        assert deleting.outcome().status_code == 302
        # Posted first (then deleted with the point), refused in the form, or 404 when the
        # point was gone before the form was read.
        assert posting.outcome().status_code in (302, 200, 404)
        assert not ActionPoint.objects.filter(pk=point.pk).exists()
        assert not ProgressUpdate.objects.filter(action_point=point.pk).exists()
