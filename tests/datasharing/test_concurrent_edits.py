"""An agreement changed or deleted while someone else's request waits for it: every answer is
clean (never a 500), and nothing deleted is written again.

Each write re-reads the agreement under its row lock (``services.lock``). An agreement deleted
meanwhile (in the admin) answers 404, like any agreement that is not there: there is no page
left to send the person back to. The edit form is validated under the lock, so a party removed
by an edit saved first is refused as gone instead of being inserted again.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from datasharing import services
from datasharing.models import Agreement, Party, StatusChange, Transfer
from tests.factories import PartyFactory
from tests.races import need_postgresql, signed_in, together, while_waiting

from .test_registry import agreement_data, existing_parties, form_errors

TRANSFER = {
    "transferred_on": "2024-05-02",
    "what": "Shelter census, districts 1 to 4",
    "sent_by": "Alice, Aleppo Relief",
    "sent_to": "Charlie, Beqaa Shelter Network",
}


def lock(agreement: Agreement):
    return lambda: Agreement.objects.select_for_update().get(pk=agreement.pk)


def delete(agreement: Agreement):
    return lambda: Agreement.objects.filter(pk=agreement.pk).delete()  # in the admin, say


def edit(client: Client, agreement: Agreement, **fields):
    data = agreement_data(
        existing_parties(agreement), reference=agreement.reference, title="Renamed", **fields
    )
    data["parties-INITIAL_FORMS"] = str(agreement.parties.count())
    return client.post(reverse("datasharing:agreement_edit", args=[agreement.pk]), data)


# --- Already gone when the request arrives -----------------------------------------------------


@pytest.mark.django_db
def test_writing_to_an_agreement_already_deleted_answers_404(registry):
    r = registry
    pk = r.shared.pk
    client = signed_in(r.alice)
    edited = agreement_data(existing_parties(r.shared), reference=r.shared.reference)
    r.shared.delete()
    for url, data in (
        (reverse("datasharing:agreement_move", args=[pk]), {"status": "expired"}),
        (reverse("datasharing:transfer_add", args=[pk]), TRANSFER),
        (reverse("datasharing:agreement_edit", args=[pk]), edited),
    ):
        assert client.post(url, data).status_code == 404
    assert not Agreement.objects.filter(pk=pk).exists()
    assert not StatusChange.objects.exists() and not Transfer.objects.exists()


# --- Deleted while the request waited for the agreement's lock ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_status_move_on_an_agreement_deleted_meanwhile_answers_404(registry):
    need_postgresql()
    r = registry
    client = signed_in(r.alice)
    url = reverse("datasharing:agreement_move", args=[r.shared.pk])
    response = while_waiting(
        lock(r.shared), lambda: client.post(url, {"status": "terminated"}), delete(r.shared)
    )
    assert response.status_code == 404
    assert not Agreement.objects.filter(pk=r.shared.pk).exists()
    assert not StatusChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_transfer_on_an_agreement_deleted_meanwhile_answers_404(registry):
    need_postgresql()
    r = registry
    client = signed_in(r.alice)
    url = reverse("datasharing:transfer_add", args=[r.shared.pk])
    response = while_waiting(lock(r.shared), lambda: client.post(url, TRANSFER), delete(r.shared))
    assert response.status_code == 404
    assert not Transfer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_edit_of_an_agreement_deleted_meanwhile_answers_404_and_does_not_bring_it_back(
    registry,
):
    need_postgresql()
    r = registry
    client = signed_in(r.alice)
    response = while_waiting(lock(r.shared), lambda: edit(client, r.shared), delete(r.shared))
    assert response.status_code == 404
    assert not Agreement.objects.filter(pk=r.shared.pk).exists()
    assert not Party.objects.filter(agreement=r.shared.pk).exists()


def assert_refused_for_a_removed_party(response, agreement, party):
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed the parties of this agreement" in html
    assert 'value="Renamed"' in html  # the person's own changes are still in the form
    shown = response.context["parties"]
    current = set(agreement.parties.values_list("pk", flat=True))
    assert not shown.is_bound and {f.instance.pk for f in shown.initial_forms} == current
    # Nothing was written: the removed party stays removed, the agreement keeps its title.
    agreement.refresh_from_db()
    assert agreement.title != "Renamed"
    assert not Party.objects.filter(pk=party.pk).exists() and len(current) == 2


@pytest.mark.django_db
def test_a_party_removed_before_saving_is_not_written_back_by_an_older_form(registry):
    r = registry
    tyre = PartyFactory(agreement=r.shared, organisation=r.tyre, role="processor")
    client = signed_in(r.alice)
    data = agreement_data(existing_parties(r.shared), reference=r.shared.reference, title="Renamed")
    data["parties-INITIAL_FORMS"] = "3"
    tyre.delete()  # another edit, saved first, removed it
    response = client.post(reverse("datasharing:agreement_edit", args=[r.shared.pk]), data)
    assert_refused_for_a_removed_party(response, r.shared, tyre)
    # Saving again, from the parties as they are now, goes through.
    data = agreement_data(existing_parties(r.shared), reference=r.shared.reference, title="Renamed")
    data["parties-INITIAL_FORMS"] = "2"
    response = client.post(reverse("datasharing:agreement_edit", args=[r.shared.pk]), data)
    assert response.status_code == 302, form_errors(response)


@pytest.mark.django_db(transaction=True)
def test_a_party_removed_meanwhile_is_not_written_back_by_an_older_form(registry):
    need_postgresql()
    r = registry
    tyre = PartyFactory(agreement=r.shared, organisation=r.tyre, role="processor")
    client = signed_in(r.alice)
    response = while_waiting(
        lock(r.shared),
        lambda: edit(client, r.shared),  # opened while Tyre Relief was still a party
        lambda: Party.objects.filter(pk=tyre.pk).delete(),  # another edit removed it
    )
    assert_refused_for_a_removed_party(response, r.shared, tyre)


@pytest.mark.django_db(transaction=True)
def test_the_daily_expiry_skips_an_agreement_deleted_meanwhile(registry):
    need_postgresql()
    r = registry
    ended = Agreement.objects.filter(pk__in=[r.shared.pk, r.severe.pk])
    ended.update(starts_on="2019-01-01", ends_on="2020-01-31", status="active")
    expired = while_waiting(
        lambda: list(ended.select_for_update()),  # the task waits at the first one it takes
        services.expire_ended,
        delete(r.shared),
    )
    assert expired == 1
    assert Agreement.objects.get(pk=r.severe.pk).status == Agreement.Status.EXPIRED
    assert not Agreement.objects.filter(pk=r.shared.pk).exists()


# --- Really at once ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_status_moves_at_once_make_one_move(registry):
    """Both asked to leave "active": the one that comes second is refused, never a 500."""
    need_postgresql()
    r = registry
    url = reverse("datasharing:agreement_move", args=[r.shared.pk])
    for _round in range(5):
        Agreement.objects.filter(pk=r.shared.pk).update(status="active")
        StatusChange.objects.all().delete()
        alice, stella = signed_in(r.alice), signed_in(r.stella)
        workers = together(
            lambda alice=alice: alice.post(url, {"status": "terminated"}),
            lambda stella=stella: stella.post(url, {"status": "expired"}),
        )
        assert [worker.outcome().status_code for worker in workers] == [302, 302]
        assert StatusChange.objects.count() == 1
        change = StatusChange.objects.get()
        assert Agreement.objects.get(pk=r.shared.pk).status == change.new
