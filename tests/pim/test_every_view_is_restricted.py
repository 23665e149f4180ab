"""Walks every URL pattern: each view goes through restrict(), or is on a short, explained list.

A new view that forgets the permission primitive fails here before it can leak anything.
"""

from django.urls import URLPattern, URLResolver, get_resolver

from pim.views import RestrictedViewMixin

# Views that do not hand out guarded objects, each with the reason it is allowed.
ALLOWED = {
    "login": "sign-in form (public)",
    "logout": "ends one's own session",
    "password_change": "changes one's own password",
    "password_change_done": "static confirmation",
    "password_reset": "public: sends a link to an address, says nothing about accounts",
    "password_reset_done": "static confirmation (public)",
    "password_reset_confirm": "public: the signed token in the link is the key",
    "password_reset_complete": "static confirmation (public)",
    "set_language": "stores one's own language choice",
    "health": "public JSON: database and broker state, no data",
    "pim:invitation_accept": "public: the secret in the invitation link is the key",
}
# The Django admin is for site admins (is_staff) and enforces Django's own model permissions.
ALLOWED_NAMESPACES = {"admin"}
# Views that may be reached without signing in: exactly these.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "health",
    "pim:invitation_accept",
    "set_language",
}


def walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry.callback


def test_every_view_goes_through_the_permission_primitive():
    offenders = []
    for name, callback in walk(get_resolver().url_patterns):
        if name.split(":")[0] in ALLOWED_NAMESPACES or name in ALLOWED:
            continue
        view_class = getattr(callback, "view_class", None)
        if view_class is None or not issubclass(view_class, RestrictedViewMixin):
            offenders.append(name)
    assert offenders == [], f"views that skip restrict(): {offenders}"


def test_the_allowlists_name_only_existing_views():
    names = {name for name, _callback in walk(get_resolver().url_patterns)}
    assert set(ALLOWED) <= names
    assert names >= PUBLIC


def test_only_the_public_views_skip_sign_in():
    public = {
        name
        for name, callback in walk(get_resolver().url_patterns)
        if getattr(callback, "login_required", True) is False
        and name.split(":")[0] not in ALLOWED_NAMESPACES
    }
    assert public == PUBLIC


def test_every_create_view_has_an_add_rule_and_refuses_without_one():
    """Creating fails closed: a create view whose model declares no "add" rule cannot start."""
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from pim.models import Organisation
    from pim.permissions import add_rule
    from pim.views import ObjectCreateView

    creates = [
        callback.view_class
        for _name, callback in walk(get_resolver().url_patterns)
        if issubclass(getattr(callback, "view_class", type), ObjectCreateView)
    ]
    assert len(creates) >= 8
    for view in creates:
        assert add_rule(view.model, getattr(view, "parent_model", None)) is not None, view

    class Unguarded(ObjectCreateView):
        model = Organisation  # no Inherit, no creatable_by

    with pytest.raises(ImproperlyConfigured):
        Unguarded.as_view()
