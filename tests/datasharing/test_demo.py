"""The demo registry: a steward, a moderate agreement covered by the published consent form, a
severe one seen by its named person and the stewards only; loading twice changes nothing."""

import pytest

from datasharing.models import Agreement, Party, StatusChange, Transfer
from pim import demo
from pim.models import User

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (Agreement, Party, StatusChange, Transfer)]


def refs(username, action="view"):
    user = User.objects.get(username=username)
    return set(Agreement.objects.restrict(user, action).values_list("reference", flat=True))


def test_the_demo_registry():
    demo.load()
    vasyr = Agreement.objects.get(reference="DSA-LBN-2019-004")
    assert [str(v) for v in vasyr.consent_versions.all()] == [
        "Household survey consent (VASyR), version 1"
    ]
    assert vasyr.transfers.count() == 1
    assert refs("fanette") == {"DSA-LBN-2019-004", "DSA-LBN-2019-007"}  # the steward
    assert refs("jad") == refs("fred") == {"DSA-LBN-2019-004"}
    assert refs("maria") == refs("rana") == {"DSA-LBN-2019-007"}  # named on the severe one
    assert refs("omar") == set()  # DRC is a party to neither
    assert refs("layla") == set()
    assert refs("layla", "catalogue") == {"DSA-LBN-2019-004", "DSA-LBN-2019-007"}
    before = counts()
    demo.load()
    assert counts() == before
