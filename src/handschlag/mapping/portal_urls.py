"""Mapping's pages in the partner portal, mounted by handschlag/urls.py under /portal/ in the namespace "portal"
(with alliances/portal_urls.py)."""

from django.urls import path

from handschlag.mapping import portal_views

urlpatterns = [
    path("agreements/<int:agreement_id>/upload/", portal_views.portal_upload, name="upload"),
    path("uploads/<int:run_id>/", portal_views.portal_upload_detail, name="upload_detail"),
    path("uploads/<int:run_id>/columns/", portal_views.portal_upload_columns, name="upload_columns"),
    path("mappings/<int:run_id>/", portal_views.portal_run_detail, name="run_detail"),
    path("mappings/<int:run_id>/export.csv", portal_views.portal_run_export, name="run_export"),
]
