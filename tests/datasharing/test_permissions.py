"""Who reaches which agreement through restrict(): parties, stewards, named people, catalogue."""

import pytest

from datasharing.models import Agreement

pytestmark = pytest.mark.django_db


def refs(user, action="view"):
    return set(Agreement.objects.restrict(user, action).values_list("reference", flat=True))


def test_who_sees_which_agreement(registry):
    r = registry
    everything = {"DSA-2019-001", "DSA-2019-002", "DSA-2019-003"}
    assert refs(r.stella) == refs(r.root) == everything
    assert refs(r.alice) == refs(r.bob) == {"DSA-2019-001"}  # severe: named people only
    assert refs(r.nadia) == {"DSA-2019-001", "DSA-2019-002"}
    assert refs(r.charlie) == refs(r.erin) == {"DSA-2019-001", "DSA-2019-003"}
    assert refs(r.tariq) == {"DSA-2019-003"}
    assert refs(r.dave) == set()


def test_the_catalogue_lists_listable_agreements_for_everyone_signed_in(registry):
    r = registry
    assert refs(r.dave, "catalogue") == {"DSA-2019-001", "DSA-2019-002"}
    assert refs(r.tariq, "catalogue") == {"DSA-2019-001", "DSA-2019-002", "DSA-2019-003"}


def test_who_may_change(registry):
    r = registry
    assert refs(r.stella, "change") == {"DSA-2019-001", "DSA-2019-002", "DSA-2019-003"}
    assert refs(r.alice, "change") == {"DSA-2019-001"}  # an admin of a party
    assert refs(r.bob, "change") == set()  # a member reads
    assert refs(r.nadia, "change") == {"DSA-2019-002"}  # named on a severe one
    assert refs(r.dave, "change") == set()


def test_an_agreement_with_several_named_people_comes_back_once(registry):
    r = registry
    r.shared.named_people.add(r.nadia, r.bob, r.dave)
    for user in (r.bob, r.nadia, r.dave):
        rows = list(Agreement.objects.restrict(user, "view").values_list("reference", flat=True))
        assert rows.count("DSA-2019-001") == 1
        catalogue = Agreement.objects.restrict(user, "catalogue")
        assert catalogue.filter(reference="DSA-2019-001").count() == 1


def test_stewards_may_name_people_of_any_organisation(registry):
    from pim.models import User

    seen = set(User.objects.restrict(registry.stella, "view").values_list("username", flat=True))
    assert {"alice", "charlie", "tariq", "nadia"} <= seen
    # Anyone else still sees only their colleagues (and the people of their plans).
    assert "tariq" not in set(
        User.objects.restrict(registry.bob, "view").values_list("username", flat=True)
    )
