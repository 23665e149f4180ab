"""Top-level URLs. Each app's own patterns are written out in its urls.py, so grep finds them."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import account_views, organisation_views
from .health import health

app_patterns = (
    [
        path("", account_views.HomeView.as_view(), name="home"),
        path("profile/", account_views.ProfileEditView.as_view(), name="profile"),
        path(
            "profile/email/<str:token>/",
            account_views.EmailConfirmView.as_view(),
            name="email_confirm",
        ),
        path(
            "organisations/",
            organisation_views.OrganisationListView.as_view(),
            name="organisation_list",
        ),
        path(
            "organisations/<int:pk>/",
            organisation_views.OrganisationDetailView.as_view(),
            name="organisation_detail",
        ),
        path(
            "organisations/<int:pk>/edit/",
            organisation_views.OrganisationEditView.as_view(),
            name="organisation_edit",
        ),
        path(
            "organisations/<int:pk>/members/add/",
            organisation_views.MemberAddView.as_view(),
            name="member_add",
        ),
        path(
            "organisations/<int:org_pk>/members/<int:pk>/role/",
            organisation_views.MembershipRoleEditView.as_view(),
            name="membership_edit",
        ),
        path(
            "organisations/<int:org_pk>/members/<int:pk>/remove/",
            organisation_views.MembershipDeleteView.as_view(),
            name="membership_delete",
        ),
        path(
            "organisations/<int:org_pk>/invitations/<int:pk>/withdraw/",
            organisation_views.InvitationRevokeView.as_view(),
            name="invitation_revoke",
        ),
        path(
            "invitations/<str:token>/",
            organisation_views.InvitationAcceptView.as_view(),
            name="invitation_accept",
        ),
    ],
    "pim",
)

# Django's own account views, under the names its templates and mails reverse.
account_patterns = [
    path("login/", account_views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", include(app_patterns)),
    path("", include("actionplans.urls")),
    path("", include("consent.urls")),
    path("", include("datasharing.urls")),
    path("accounts/", include(account_patterns)),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
]
