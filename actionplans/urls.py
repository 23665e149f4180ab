"""Action-plan URLs, written out so grep leads from a URL to its view."""

from django.urls import path

from .views import action_points, exchange, people, plans

app_name = "actionplans"

urlpatterns = [
    path("plans/", plans.ActionPlanListView.as_view(), name="actionplan_list"),
    path("plans/new/", plans.ActionPlanCreateView.as_view(), name="actionplan_add"),
    path("plans/<int:pk>/", plans.ActionPlanDetailView.as_view(), name="actionplan_detail"),
    path("plans/<int:pk>/edit/", plans.ActionPlanEditView.as_view(), name="actionplan_edit"),
    path(
        "plans/<int:parent_pk>/groups/new/",
        plans.WorkingGroupCreateView.as_view(),
        name="workinggroup_add",
    ),
    path(
        "plans/<int:parent_pk>/people/",
        plans.FocalPointListView.as_view(),
        name="focalpoint_list",
    ),
    path(
        "plans/<int:parent_pk>/people/new/",
        plans.FocalPointCreateView.as_view(),
        name="focalpoint_add",
    ),
    path("people/<int:pk>/edit/", plans.FocalPointEditView.as_view(), name="focalpoint_edit"),
    path(
        "people/<int:pk>/unlink/",
        people.FocalPointUnlinkView.as_view(),
        name="focalpoint_unlink",
    ),
    path("groups/<int:pk>/", plans.WorkingGroupDetailView.as_view(), name="workinggroup_detail"),
    path("groups/<int:pk>/edit/", plans.WorkingGroupEditView.as_view(), name="workinggroup_edit"),
    path(
        "groups/<int:parent_pk>/challenges/new/",
        plans.ChallengeCreateView.as_view(),
        name="challenge_add",
    ),
    path("challenges/<int:pk>/edit/", plans.ChallengeEditView.as_view(), name="challenge_edit"),
    path(
        "groups/<int:parent_pk>/action-points/new/",
        action_points.ActionPointCreateView.as_view(),
        name="actionpoint_add",
    ),
    path("action-points/", action_points.ActionPointListView.as_view(), name="actionpoint_list"),
    path(
        "my-action-points/",
        action_points.MyActionPointListView.as_view(),
        name="my_actionpoints",
    ),
    path(
        "action-points/<int:pk>/",
        action_points.ActionPointDetailView.as_view(),
        name="actionpoint_detail",
    ),
    path(
        "action-points/<int:pk>/edit/",
        action_points.ActionPointEditView.as_view(),
        name="actionpoint_edit",
    ),
    path(
        "action-points/<int:pk>/update/",
        action_points.ProgressUpdateCreateView.as_view(),
        name="progressupdate_add",
    ),
    path(
        "action-points/<int:pk>/delete/",
        action_points.ActionPointDeleteView.as_view(),
        name="actionpoint_delete",
    ),
    # Spreadsheets: export what a page shows, follow large exports, import workbooks.
    path(
        "action-points/export/",
        exchange.ExportView.as_view(scope="list"),
        name="actionpoint_export",
    ),
    path("plans/<int:pk>/export/", exchange.ExportView.as_view(scope="plan"), name="plan_export"),
    path(
        "groups/<int:pk>/export/", exchange.ExportView.as_view(scope="group"), name="group_export"
    ),
    path("exports/", exchange.ExportJobListView.as_view(), name="exportjob_list"),
    path("exports/<int:pk>/", exchange.ExportJobDetailView.as_view(), name="exportjob_detail"),
    path(
        "exports/<int:pk>/status/",
        exchange.ExportJobStatusView.as_view(),
        name="exportjob_status",
    ),
    path(
        "exports/<int:pk>/download/",
        exchange.ExportJobDownloadView.as_view(),
        name="exportjob_download",
    ),
    path("plans/<int:parent_pk>/import/", exchange.PlanImportView.as_view(), name="plan_import"),
    path("groups/<int:parent_pk>/import/", exchange.GroupImportView.as_view(), name="group_import"),
    path("imports/<int:pk>/", exchange.ImportPreviewView.as_view(), name="import_preview"),
]
