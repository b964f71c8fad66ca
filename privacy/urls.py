from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.overview, name="overview"),
    path("privacy/consent/", views.consent, name="consent"),
    path("privacy/consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("privacy/export.json", views.export_json_view, name="export_json"),
    path("privacy/export.pdf", views.export_pdf_view, name="export_pdf"),
]
