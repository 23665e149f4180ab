"""The permission primitive itself: restrict() for containers, children, rules and roles."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.test.utils import isolate_apps
from guardian.shortcuts import assign_perm

from pim.models import Invitation, Membership, Organisation, RestrictedModel, User
from pim.permissions import (
    ALL,
    condition,
    ensure_restricted,
    role_group,
    set_role,
    sync_role_grants,
)
from tests.factories import OrganisationFactory, UserFactory


def names(queryset):
    return sorted(str(obj.name) for obj in queryset)


def test_members_see_only_their_own_organisations(people):
    assert names(Organisation.objects.restrict(people.bob, "view")) == ["Aleppo Relief"]
    assert names(Organisation.objects.restrict(people.erin, "view")) == ["Beqaa Shelter Network"]


def test_a_person_without_organisation_sees_none(people):
    assert not Organisation.objects.restrict(people.dave, "view").exists()


def test_anonymous_and_inactive_users_see_nothing(people):
    from django.contrib.auth.models import AnonymousUser

    assert not Organisation.objects.restrict(AnonymousUser(), "view").exists()
    assert not Organisation.objects.restrict(None, "view").exists()
    people.bob.is_active = False
    assert not Organisation.objects.restrict(people.bob, "view").exists()


def test_superuser_sees_everything(people):
    assert Organisation.objects.restrict(people.root, "manage_members").count() == 2


def test_a_model_wide_grant_sees_every_row(people):
    people.dave.user_permissions.add(
        Permission.objects.get(codename="view_organisation", content_type__app_label="pim")
    )
    dave = User.objects.get(pk=people.dave.pk)  # fresh object: permission cache is per instance
    assert Organisation.objects.restrict(dave, "view").count() == 2
    assert not Organisation.objects.restrict(dave, "change").exists()


def test_only_admins_may_manage_members(people):
    assert names(Organisation.objects.restrict(people.alice, "manage_members")) == ["Aleppo Relief"]
    assert not Organisation.objects.restrict(people.bob, "manage_members").exists()


def test_a_direct_user_grant_on_a_container_counts(people):
    assign_perm("view_organisation", people.dave, people.org_b)
    assert names(Organisation.objects.restrict(people.dave, "view")) == ["Beqaa Shelter Network"]


def test_children_inherit_from_their_container(people):
    visible = Membership.objects.restrict(people.bob, "view")
    assert {m.user.username for m in visible} == {"alice", "bob"}
    # Members may see colleagues but not change their roles; admins may.
    assert not Membership.objects.restrict(people.bob, "change").exists()
    assert {m.user.username for m in Membership.objects.restrict(people.alice, "delete")} == {
        "alice",
        "bob",
    }


def test_invitations_are_seen_only_by_those_who_manage_members(people):
    invitation = Invitation(
        organisation=people.org_a, email="new@example.org", invited_by=people.alice
    )
    invitation.issue_token()
    invitation.save()
    assert list(Invitation.objects.restrict(people.alice, "view")) == [invitation]
    assert not Invitation.objects.restrict(people.bob, "view").exists()
    assert not Invitation.objects.restrict(people.charlie, "view").exists()


def test_people_see_themselves_and_colleagues_and_edit_only_themselves(people):
    assert {u.username for u in User.objects.restrict(people.bob, "view")} == {"alice", "bob"}
    assert {u.username for u in User.objects.restrict(people.dave, "view")} == {"dave"}
    assert [u.username for u in User.objects.restrict(people.alice, "change")] == ["alice"]
    assert not User.objects.restrict(people.alice, "delete").exists()


def test_role_changes_take_effect_on_the_next_query(people):
    assert not Organisation.objects.restrict(people.bob, "manage_members").exists()
    people.bob_in_a.role = "admin"
    people.bob_in_a.save()
    assert Organisation.objects.restrict(people.bob, "manage_members").exists()
    people.bob_in_a.delete()
    assert not Organisation.objects.restrict(people.bob, "view").exists()


def test_grants_are_held_by_role_groups_not_by_people(people):
    from pim.models import OrganisationGroupObjectPermission, OrganisationUserObjectPermission

    for _ in range(5):
        org = OrganisationFactory()
        for _ in range(3):
            Membership.objects.create(organisation=org, user=UserFactory(), role="member")
    assert not OrganisationUserObjectPermission.objects.exists()
    # 3 roles per organisation: admin holds 4 permissions, editor 2, member 1.
    assert OrganisationGroupObjectPermission.objects.count() == 7 * Organisation.objects.count()


def test_sync_role_grants_restores_what_a_role_declares(people):
    group = role_group(people.org_a, "member")
    from guardian.shortcuts import remove_perm

    remove_perm("view_organisation", group, people.org_a)
    assert not Organisation.objects.restrict(people.bob, "view").exists()
    assign_perm("change_organisation", group, people.org_a)
    sync_role_grants(people.org_a)
    assert Organisation.objects.restrict(people.bob, "view").exists()
    assert not Organisation.objects.restrict(people.bob, "change").exists()


def test_set_role_none_removes_every_role(people):
    set_role(people.org_a, people.alice, None)
    assert not Organisation.objects.restrict(people.alice, "view").exists()


def test_deleting_an_organisation_drops_its_role_groups(people):
    from django.contrib.auth.models import Group

    pk = people.org_b.pk
    people.org_b.delete()
    assert not Group.objects.filter(name__startswith=f"pim.organisation:{pk}:").exists()


def test_an_unknown_action_is_a_programming_error(people):
    with pytest.raises(ValueError, match="no action 'publish'"):
        Organisation.objects.restrict(people.alice, "publish")


@isolate_apps("pim")
def test_a_model_that_declares_nothing_answers_nothing(people):
    class Undeclared(RestrictedModel):
        class Meta:
            app_label = "pim"

    assert condition(Undeclared, people.alice, "view") is None
    assert condition(Undeclared, people.root, "view") is ALL
    assert not Membership.objects.restrict(people.alice, "view").filter(pk=-1).exists()


def test_a_child_refuses_actions_it_does_not_declare(people):
    with pytest.raises(ValueError):
        Membership.objects.restrict(people.alice, "manage_members")


def test_querysets_remember_they_were_restricted(people):
    restricted = Organisation.objects.restrict(people.alice).filter(name__startswith="A")
    ensure_restricted(restricted.order_by("name"))
    with pytest.raises(ImproperlyConfigured):
        ensure_restricted(Organisation.objects.all())


def test_permission_declarations_pass_the_system_check():
    from pim.checks import check_permission_declarations

    assert check_permission_declarations(None) == []


@pytest.mark.django_db
def test_restrict_costs_one_query(django_assert_num_queries, people):
    # The user's permission cache is filled by has_perm() on first use; warm it first.
    list(Organisation.objects.restrict(people.bob, "view"))
    with django_assert_num_queries(1):
        list(Membership.objects.restrict(people.bob, "view").select_related("user"))


def test_anyone_signed_in_may_name_any_organisation_but_not_open_it(people):
    from django.contrib.auth.models import AnonymousUser

    everyone = set(Organisation.objects.values_list("pk", flat=True))
    assert set(Organisation.objects.restrict(people.dave, "name").values_list("pk", flat=True)) == (
        everyone
    )
    assert not Organisation.objects.restrict(people.dave, "view").exists()
    assert not Organisation.objects.restrict(AnonymousUser(), "name").exists()
