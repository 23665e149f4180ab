"""Organisations and their members, as organisation admins manage them in the browser."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from . import membership as service
from .forms import AddMemberForm, InvitationSignUpForm, MembershipRoleForm, OrganisationForm
from .models import Invitation, Membership, Organisation
from .views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectFormView,
    ObjectListView,
    ParentMixin,
)


class OrganisationListView(ObjectListView):
    model = Organisation
    template_name = "pim/organisation_list.html"

    def get_queryset(self):
        return super().get_queryset().annotate(member_count=Count("memberships")).order_by("name")


class OrganisationDetailView(ObjectDetailView):
    model = Organisation
    template_name = "pim/organisation_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        manageable = Organisation.objects.restrict(user, "manage_members").filter(pk=self.object.pk)
        can_manage = manageable.exists()
        members = (
            Membership.objects.restrict(user, "view")
            .filter(organisation=self.object)
            .select_related("user")
            .order_by("-role", "user__first_name", "user__username")
        )
        kwargs.update(
            members=members,
            can_manage=can_manage,
            can_edit=Organisation.objects.restrict(user, "change")
            .filter(pk=self.object.pk)
            .exists(),
            invitations=(
                Invitation.objects.restrict(user, "view")
                .filter(organisation=self.object)
                .pending()
                .select_related("invited_by")
            ),
        )
        return super().get_context_data(**kwargs)


class OrganisationEditView(ObjectEditView):
    model = Organisation
    form_class = OrganisationForm
    template_name = "pim/organisation_form.html"


class MemberAddView(ObjectFormView):
    """Add a person by e-mail: the address always gets an invitation.

    The owner of the address accepts it with the account that confirmed that address, or by
    creating one. Joining at once whoever's account lists the address would hand the membership
    (and the role, admin included) to anyone who typed it first; and answering differently for
    known addresses would tell an admin which addresses have accounts.
    """

    model = Organisation
    action = "manage_members"
    form_class = AddMemberForm
    template_name = "pim/member_add.html"

    def form_valid(self, form):
        organisation = self.object
        email, role = form.cleaned_data["email"], form.cleaned_data["role"]
        # The admin sees their own members' addresses on the organisation page anyway.
        member = (
            Membership.objects.restrict(self.request.user, "view")
            .filter(organisation=organisation, user__email__iexact=email)
            .select_related("user")
            .first()
        )
        if member is not None:
            form.add_error(
                "email",
                _("%(person)s is already a member of %(organisation)s.")
                % {"person": member.user.display_name, "organisation": organisation.name},
            )
            return self.form_invalid(form)
        try:
            service.invite(organisation, email, role, invited_by=self.request.user)
        except service.MembershipError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("An invitation to join %(organisation)s has been sent to %(email)s.")
            % {"organisation": organisation.name, "email": email},
        )
        return self.redirect_to_object()


class MembershipMixin(ParentMixin):
    model = Membership
    parent_model = Organisation
    parent_url_kwarg = "org_pk"
    parent_field = "organisation"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "organisation")

    def get_success_url(self):
        return self.parent.get_absolute_url()


class MembershipRoleEditView(MembershipMixin, ObjectEditView):
    form_class = MembershipRoleForm
    template_name = "pim/membership_form.html"

    def form_valid(self, form):
        try:
            service.change_role(self.object, form.cleaned_data["role"])
        except service.MembershipError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(person)s is now %(role)s of %(organisation)s.")
            % {
                "person": self.object.user.display_name,
                "role": self.object.get_role_display().lower(),
                "organisation": self.parent.name,
            },
        )
        return HttpResponseRedirect(self.get_success_url())


class MembershipDeleteView(MembershipMixin, ObjectDeleteView):
    template_name = "pim/membership_confirm_delete.html"

    def form_valid(self, form):
        try:
            service.remove_member(self.object)
        except service.MembershipError as error:
            messages.error(self.request, error.message)
            return HttpResponseRedirect(self.get_success_url())
        messages.success(
            self.request,
            _("%(person)s was removed from %(organisation)s.")
            % {"person": self.object.user.display_name, "organisation": self.parent.name},
        )
        return HttpResponseRedirect(self.get_success_url())


class InvitationRevokeView(ParentMixin, ObjectDeleteView):
    model = Invitation
    action = "change"
    parent_model = Organisation
    parent_url_kwarg = "org_pk"
    parent_field = "organisation"
    template_name = "pim/invitation_confirm_revoke.html"

    def get_base_queryset(self):
        return super().get_base_queryset().pending()

    def form_valid(self, form):
        service.revoke(self.object)
        messages.success(
            self.request,
            _("The invitation to %(email)s was withdrawn.") % {"email": self.object.email},
        )
        return HttpResponseRedirect(self.parent.get_absolute_url())


@method_decorator(login_not_required, name="dispatch")
class InvitationAcceptView(View):
    """Where an invitation link leads. The secret in the link is the only key.

    Unknown links answer 404; used, withdrawn or expired ones say so. Someone without an account
    creates one (the e-mail is fixed to the invited address) and joins; a signed-in person whose
    e-mail is the invited one joins with one click.
    """

    template_name = "pim/invitation_accept.html"

    def dispatch(self, request, token, *args, **kwargs):
        self.invitation = (
            Invitation.objects.by_token(token).select_related("organisation", "invited_by").first()
        )
        if self.invitation is None:
            raise Http404
        if not self.invitation.is_pending:
            return render(
                request, "pim/invitation_invalid.html", {"invitation": self.invitation}, status=410
            )
        return super().dispatch(request, token, *args, **kwargs)

    def situation(self):
        user = self.request.user
        if user.is_authenticated:
            if user.email and user.email.lower() == self.invitation.email.lower():
                return "join"
            return "wrong_account"
        if service.find_user_by_email(self.invitation.email) is not None:
            return "sign_in"
        return "sign_up"

    def render_page(self, form=None, status=200):
        context = {"invitation": self.invitation, "situation": self.situation(), "form": form}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, token):
        form = InvitationSignUpForm() if self.situation() == "sign_up" else None
        return self.render_page(form)

    def post(self, request, token):
        situation = self.situation()
        if situation == "join":
            try:
                service.accept(self.invitation, request.user)
            except service.MembershipError:
                return self.gone()
            return self.joined(request.user)
        if situation != "sign_up":
            return self.render_page(status=400)
        form = InvitationSignUpForm(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        try:
            with transaction.atomic():
                user = form.save(commit=False)
                # The link reached this address, which proves it: the account starts with it.
                user.email = self.invitation.email
                user.save()
                service.accept(self.invitation, user)
        except service.MembershipError:
            return self.gone()  # withdrawn or used while the form was being filled in
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return self.joined(user)

    def gone(self):
        invitation = Invitation.objects.filter(pk=self.invitation.pk).first() or self.invitation
        return render(
            self.request, "pim/invitation_invalid.html", {"invitation": invitation}, status=410
        )

    def joined(self, user):
        messages.success(
            self.request,
            _("Welcome! You are now a member of %(organisation)s.")
            % {"organisation": self.invitation.organisation.name},
        )
        return HttpResponseRedirect(
            reverse("pim:organisation_detail", args=[self.invitation.organisation_id])
        )


__all__ = [
    "InvitationAcceptView",
    "InvitationRevokeView",
    "MemberAddView",
    "MembershipDeleteView",
    "MembershipRoleEditView",
    "OrganisationDetailView",
    "OrganisationEditView",
    "OrganisationListView",
]
