"""Signing in, one's own profile, the language switch and the home page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .forms import ProfileForm
from .models import Membership, Organisation, User
from .permissions import ensure_restricted
from .views import ObjectEditView, ObjectListView


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


class ProfileEditView(ObjectEditView):
    """One's own name, e-mail, language and whether to get deadline reminders."""

    model = User
    form_class = ProfileForm
    template_name = "pim/profile_form.html"
    success_url = reverse_lazy("pim:profile")
    success_message = _("Your profile was saved.")

    def get_object(self, queryset=None):
        queryset = self.get_queryset()
        ensure_restricted(queryset)
        return get_object_or_404(queryset, pk=self.request.user.pk)

    def form_valid(self, form):
        response = super().form_valid(form)
        return remember_language(response, self.object.language)


__all__ = ["HomeView", "ProfileEditView", "SignInView", "set_language"]
