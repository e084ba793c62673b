"""Co-selling pages of the partner portal (leads, deal registrations), assembled into /portal/ by handschlag/urls.py."""

from django.urls import URLPattern, URLResolver, path

from handschlag.coselling import portal_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("leads/", portal_views.portal_leads, name="leads"),
    path("leads/<int:lead_id>/", portal_views.portal_lead_detail, name="lead_detail"),
    path("registrations/", portal_views.portal_registrations, name="registrations"),
    path(
        "registrations/<int:registration_id>/",
        portal_views.portal_registration_detail,
        name="registration_detail",
    ),
    path("opportunities/", portal_views.portal_opportunities, name="opportunities"),
    path("opportunities/export.csv", portal_views.portal_opportunities_export, name="opportunities_export"),
]
