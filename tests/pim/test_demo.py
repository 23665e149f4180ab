"""The demo that `make run` loads: the seed's Lebanon people and organisations, loaded twice."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from pim.models import Membership, Organisation, User

pytestmark = pytest.mark.django_db


def counts():
    return (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Group.objects.count(),
    )


def test_loading_the_demo_twice_duplicates_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    first = counts()
    out = capsys.readouterr().out
    for login in ["admin", "jad", "fanette", "rana", "omar", "maria", "fred", "layla"]:
        assert f"  {login} " in out
    call_command("load_demo")
    assert counts() == first
    assert first[0] == 11  # 10 organisations at the training, plus the IMWG


def test_the_demo_people_see_what_their_roles_allow(settings):
    settings.DEBUG = True
    call_command("load_demo")
    jad = User.objects.get(username="jad")
    assert set(Organisation.objects.restrict(jad).values_list("acronym", flat=True)) == {
        "UNHCR",
        "IMWG",
    }
    assert list(
        Organisation.objects.restrict(jad, "manage_members").values_list("acronym", flat=True)
    ) == ["UNHCR"]
    assert jad.check_password("demo-pass-2026")


def test_the_demo_is_refused_when_debug_is_off(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to load demo accounts"):
        call_command("load_demo")
    assert counts()[0] == 0
