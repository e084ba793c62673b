"""Our pages for leads and deal registrations, joined into coselling/urls.py (namespace "coselling")."""

from django.urls import URLPattern, path

from handschlag.coselling import lead_views

lead_urlpatterns: list[URLPattern] = [
    path("leads/", lead_views.lead_list_view, name="lead_list"),
    path("leads/new/", lead_views.lead_create_view, name="lead_create"),
    path("leads/<int:lead_id>/", lead_views.lead_detail_view, name="lead_detail"),
    path("registrations/", lead_views.registration_list_view, name="registration_list"),
    path(
        "registrations/<int:registration_id>/",
        lead_views.registration_detail_view,
        name="registration_detail",
    ),
]
