"""URLs of the letters' PDFs (preview, download, batches, the ledger, lookup by reference)."""

from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("lookup/", views.lookup, name="lookup"),
    path("<int:pk>/preview/", views.letter_preview, name="preview"),
    path("<int:pk>/download/", views.letter_download, name="download"),
    path("batches/<int:pk>/download/", views.batch_download, name="batch_download"),
    path("ledger/", views.ledger, name="ledger"),
]
