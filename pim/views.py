"""The generic views every app builds on: each one gets its objects through restrict().

A concrete view names its model (or a base queryset), the action it needs, its form and template.
It cannot hand out an unrestricted object: get_queryset() narrows to the user's permissions, and
the object and list accessors refuse a queryset that skipped it. An object outside the narrowed
queryset answers 404, so its existence does not leak.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import (
    CreateView,
    DeleteView,
    DetailView,
    FormView,
    ListView,
    UpdateView,
)

from .permissions import add_rule, ensure_restricted, may_add


class RestrictedViewMixin:
    """Narrows the view's objects to what the signed-in user may ``action``."""

    model: Any = None  # a model class; Any, as Django's generic views each type it their way
    queryset: models.QuerySet[Any] | None = None
    action = "view"

    def get_base_queryset(self):
        """The unrestricted starting point (a subclass may add select_related, annotations...)."""
        if self.queryset is not None:
            return self.queryset.all()
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a model or a queryset.")
        return self.model._default_manager.all()

    def get_queryset(self):
        return self.get_base_queryset().restrict(self.request.user, self.action)

    def get_object(self, queryset=None):
        queryset = self.get_queryset() if queryset is None else queryset
        ensure_restricted(queryset)
        return super().get_object(queryset)


class ParentMixin:
    """For views under a container in the URL (``/organisations/<org_pk>/members/...``).

    The container is looked up through restrict() with ``parent_action``; a child whose parent
    in the URL is not its real parent answers 404 (ids tampered with in the URL).
    """

    parent_model: type[models.Model] | None = None
    parent_action = "view"
    parent_url_kwarg = "parent_pk"
    parent_field: str | None = None  # the child's foreign key to the parent

    def dispatch(self, request, *args, **kwargs):
        self.parent = self.get_parent()
        return super().dispatch(request, *args, **kwargs)

    def get_parent(self):
        parents = self.parent_model._default_manager.restrict(self.request.user, self.parent_action)
        return get_object_or_404(parents, pk=self.kwargs[self.parent_url_kwarg])

    def get_queryset(self):
        return super().get_queryset().filter(**{self.parent_field: self.parent})

    def get_context_data(self, **kwargs):
        kwargs.setdefault("parent", self.parent)
        return super().get_context_data(**kwargs)


class ObjectListView(RestrictedViewMixin, ListView):
    """A paginated list of the rows the user may see; refuses an unrestricted object_list."""

    paginate_by: int | None = 50

    def get_context_data(self, **kwargs):
        ensure_restricted(self.object_list)
        return super().get_context_data(**kwargs)


class ObjectDetailView(RestrictedViewMixin, DetailView):
    """One row the user may ``action`` (view by default); any other answers 404."""


class FormKwargsMixin:
    """Hands the signed-in user to forms, which narrow their choices with restrict()."""

    success_message: Any = None  # a string, lazily translated, with %(object)s

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return response


class ObjectEditView(RestrictedViewMixin, FormKwargsMixin, UpdateView):
    """Change one row the user may change; the form's choices are narrowed to what they see."""

    action = "change"
    success_message = _("Saved %(object)s.")


class ObjectCreateView(RestrictedViewMixin, FormKwargsMixin, CreateView):
    """Create a row, failing closed: the model's declared "add" rule decides who may.

    A view under a container (ParentMixin) asks the container action the model's
    ``permission_inherits`` maps "add" to; a top-level model answers ``creatable_by(user)``.
    A view whose model declares neither refuses to start (``as_view`` raises). Someone who may not
    create gets 404, whatever they post. The row is saved in a transaction and checked again
    through restrict() once saved (the form's choices may have put it under another container):
    if the person could not have created it there, nothing is kept.
    """

    action = "add"

    @classmethod
    def as_view(cls, **initkwargs):
        parent = getattr(cls, "parent_model", None)
        if cls.model is None or add_rule(cls.model, parent) is None:
            raise ImproperlyConfigured(
                f"{cls.__name__}: {getattr(cls.model, '__name__', None)} declares no 'add' rule "
                "(an Inherit mapping 'add' to its parent in the URL, or creatable_by(user))."
            )
        return super().as_view(**initkwargs)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_add(
            self.model, request.user, getattr(self, "parent", None)
        ):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            if not self.created_is_reachable(self.object):
                list(messages.get_messages(self.request))  # drop the "saved" message
                raise Http404  # leaving the atomic block undoes the save
        return response

    def created_is_reachable(self, obj) -> bool:
        """Asked again once saved: a row under a container must be one restrict(user, "add")
        returns (the form may have put it under another container); a top-level row, that the
        person may still create one (a role lost meanwhile)."""
        if add_rule(self.model, getattr(self, "parent_model", None)) == "parent":
            rows = self.model._default_manager.restrict(self.request.user, "add")
            return rows.filter(pk=obj.pk).exists()
        return may_add(self.model, self.request.user)


class ObjectDeleteView(RestrictedViewMixin, DeleteView):
    """Delete one row the user may delete, after a confirmation page."""

    action = "delete"
    success_message = _("Deleted %(object)s.")

    def form_valid(self, form):
        label = str(self.object)
        response = super().form_valid(form)
        messages.success(self.request, self.success_message % {"object": label})
        return response


class ObjectFormView(RestrictedViewMixin, FormView):
    """A form about one object (e.g. "add a member to this organisation")."""

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        queryset = self.get_queryset()
        ensure_restricted(queryset)
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        kwargs.setdefault("object", self.object)
        return super().get_context_data(**kwargs)

    def redirect_to_object(self):
        return HttpResponseRedirect(self.object.get_absolute_url())
