from django.urls import path

from handschlag.alliances import portal

app_name = "portal"
urlpatterns = [
    path("", portal.portal_home, name="home"),
    path("agreements/<int:agreement_id>/opt-in/", portal.portal_opt_in, name="opt_in"),
    path("agreements/<int:agreement_id>/upload/", portal.portal_upload, name="upload"),
    path("uploads/<int:run_id>/", portal.portal_upload_detail, name="upload_detail"),
    path("mappings/<int:run_id>/", portal.portal_run_detail, name="run_detail"),
    path("mappings/<int:run_id>/export.csv", portal.portal_run_export, name="run_export"),
]
