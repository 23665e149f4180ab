"""Consent-form URLs, written out so grep leads from a URL to its view."""

from django.urls import path

from . import builder, views

app_name = "consent"

urlpatterns = [
    path("consent-forms/", builder.FormListView.as_view(), name="form_list"),
    path("consent-forms/new/", builder.ConsentFormCreateView.as_view(), name="form_add"),
    path("consent-forms/<int:pk>/edit/", builder.ConsentFormEditView.as_view(), name="form_edit"),
    path(
        "consent-forms/<int:pk>/clauses/add/",
        builder.AddClauseView.as_view(),
        name="form_add_clause",
    ),
    path(
        "consent-form-clauses/<int:pk>/wording/",
        builder.RewordView.as_view(),
        name="formclause_edit",
    ),
    path(
        "consent-form-clauses/<int:pk>/<str:action>/",
        builder.ItemActionView.as_view(),
        name="formclause_action",
    ),
    path(
        "consent-forms/<int:pk>/sharing/add/",
        builder.AddSharingView.as_view(),
        name="form_add_sharing",
    ),
    path(
        "consent-sharing/<int:pk>/remove/",
        builder.RemoveSharingView.as_view(),
        name="sharing_remove",
    ),
    path("consent-guidance/", builder.GuidanceView.as_view(), name="guidance"),
    path("consent-clauses/", builder.ClauseListView.as_view(), name="clause_list"),
    path("consent-clauses/new/", builder.ClauseCreateView.as_view(), name="clause_add"),
    path("consent-clauses/<int:pk>/edit/", builder.ClauseEditView.as_view(), name="clause_edit"),
    path("consent-forms/<int:pk>/", views.FormDetailView.as_view(), name="form_detail"),
    path("consent-forms/<int:pk>/publish/", views.FormPublishView.as_view(), name="form_publish"),
    path("consent-versions/<int:pk>/", views.VersionDetailView.as_view(), name="version_detail"),
    path(
        "consent-versions/<int:pk>/print/<str:lang>/",
        views.VersionPrintView.as_view(),
        name="version_print",
    ),
    path(
        "consent-versions/<int:pk>/xlsform/",
        views.VersionXLSFormView.as_view(),
        name="version_xlsform",
    ),
]
