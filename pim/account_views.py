"""Signing in, password reset, one's own profile and e-mail address, the language switch and
the home page."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from . import email_change, throttle
from .client_address import client_address
from .forms import ProfileForm
from .models import Membership, Organisation, User
from .permissions import ensure_restricted
from .views import ObjectDetailView, ObjectEditView, ObjectListView


def remember_language(response, language: str):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


class SignInView(auth_views.LoginView):
    """Django's sign-in, which then switches the pages to the person's own language."""

    def form_valid(self, form):
        response = super().form_valid(form)
        return remember_language(response, form.get_user().language)


@require_POST
@login_not_required
def set_language(request):
    """Django's language switch; a signed-in person's choice is also kept on their account."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, throttled: per client address (a clear refusal) and per e-mail
    address (silently: the answer stays "if an account uses it, a link was sent")."""

    def form_valid(self, form):
        window = 3600
        if not throttle.allow(
            "password-reset-client",
            client_address(self.request),
            limit=settings.PASSWORD_RESET_PER_CLIENT_PER_HOUR,
            window=window,
        ):
            form.add_error(
                None,
                _(
                    "Too many password reset requests came from your network. "
                    "Please try again in an hour."
                ),
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        if not throttle.allow(
            "password-reset-address",
            form.cleaned_data["email"],
            limit=settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR,
            window=window,
        ):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class HomeView(ObjectListView):
    """The signed-in person's landing page: the organisations they belong to."""

    model = Organisation
    template_name = "pim/home.html"
    paginate_by = None

    def get_queryset(self):
        mine = Membership.objects.filter(user=self.request.user, organisation=OuterRef("pk"))
        return (
            super()
            .get_queryset()
            .annotate(my_role=Subquery(mine.values("role")[:1]))
            .filter(my_role__isnull=False)
        )


class OwnAccountMixin:
    """The signed-in person's own account, reached through restrict() like any object."""

    model = User

    def get_object(self, queryset=None):
        queryset = self.get_queryset()
        ensure_restricted(queryset)
        return get_object_or_404(queryset, pk=self.request.user.pk)


class ProfileEditView(OwnAccountMixin, ObjectEditView):
    """One's own name, e-mail, language and whether to get deadline reminders.

    A new e-mail address is not saved here: a confirmation link goes to it (email_change.py).
    """

    form_class = ProfileForm
    template_name = "pim/profile_form.html"
    success_url = reverse_lazy("pim:profile")
    success_message = gettext_lazy("Your profile was saved.")

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.new_email is not None:
            self.change_email(form.new_email)
        return remember_language(response, self.object.language)

    def change_email(self, new_email: str) -> None:
        user = self.object
        if not new_email:
            # Giving up one's address grants nothing, so it needs no confirmation.
            User.objects.filter(pk=user.pk).update(email="", pending_email="")
            messages.info(self.request, _("Your account no longer has an e-mail address."))
            return
        if not throttle.allow(
            "email-change",
            str(user.pk),
            limit=settings.EMAIL_CONFIRM_PER_HOUR,
            window=3600,
        ):
            messages.error(
                self.request,
                _("Too many confirmation e-mails were asked for. Please try again in an hour."),
            )
            return
        try:
            email_change.request_change(user, new_email)
        except (OSError, smtplib.SMTPException):
            messages.error(
                self.request,
                _(
                    "The confirmation e-mail could not be sent, so your address is unchanged. "
                    "Please try again later."
                ),
            )
            return
        messages.info(
            self.request,
            _(
                "We sent a confirmation link to %(email)s. Your address changes when you open "
                "it while signed in; until then it stays %(current)s."
            )
            % {"email": new_email, "current": user.email or _("empty")},
        )


class EmailConfirmView(OwnAccountMixin, ObjectDetailView):
    """Where the confirmation link leads: a button (a GET changes nothing, so mail scanners
    that open links cannot confirm), then the address becomes the account's own."""

    action = "change"
    template_name = "pim/email_confirm.html"

    def get_context_data(self, **kwargs):
        try:
            kwargs["email"] = email_change.pending_for(self.object, self.kwargs["token"])
        except email_change.EmailChangeError as error:
            kwargs["error"] = str(error)
        return super().get_context_data(**kwargs)

    def post(self, request, token):
        self.object = self.get_object()
        try:
            email = email_change.confirm_change(self.object, token)
        except email_change.EmailChangeError as error:
            context = self.get_context_data(object=self.object)
            context["error"] = str(error)
            return self.render_to_response(context, status=400)
        messages.success(request, _("Your e-mail address is now %(email)s.") % {"email": email})
        return HttpResponseRedirect(reverse("pim:profile"))


__all__ = [
    "EmailConfirmView",
    "HomeView",
    "PasswordResetView",
    "ProfileEditView",
    "SignInView",
    "set_language",
]
