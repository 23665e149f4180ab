"""Registry URLs, written out so grep leads from a URL to its view."""

from django.urls import path

from . import views
from .documents import DocumentDownloadView, DocumentUploadView

app_name = "datasharing"

urlpatterns = [
    path("agreements/", views.AgreementListView.as_view(), name="agreement_list"),
    path("agreements/new/", views.AgreementCreateView.as_view(), name="agreement_add"),
    path("agreements/<int:pk>/", views.AgreementDetailView.as_view(), name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.AgreementEditView.as_view(), name="agreement_edit"),
    path("agreements/<int:pk>/status/", views.AgreementMoveView.as_view(), name="agreement_move"),
    path(
        "agreements/<int:pk>/transfers/new/",
        views.TransferCreateView.as_view(),
        name="transfer_add",
    ),
    path("agreements/<int:pk>/documents/new/", DocumentUploadView.as_view(), name="document_add"),
    path("documents/<int:pk>/", DocumentDownloadView.as_view(), name="document_download"),
]
