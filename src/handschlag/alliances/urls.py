from django.urls import path

from handschlag.alliances import partner_views, views

app_name = "alliances"
urlpatterns = [
    path("", views.partner_list_view, name="partner_list"),
    path("export.csv", views.partner_export_view, name="partner_export"),
    path("<int:partner_id>/", views.partner_detail_view, name="partner_detail"),
    path("<int:partner_id>/edit/", partner_views.partner_edit_view, name="partner_edit"),
    path(
        "<int:partner_id>/portal-logins/<int:user_id>/",
        partner_views.portal_user_edit_view,
        name="portal_user_edit",
    ),
    path("<int:partner_id>/agreements/new/", views.agreement_create_view, name="agreement_create"),
    path("agreements/<int:agreement_id>/", views.agreement_detail_view, name="agreement_detail"),
    path("agreements/<int:agreement_id>/edit/", views.agreement_edit_view, name="agreement_edit"),
    path("agreements/<int:agreement_id>/opt-in/", views.agreement_opt_in_view, name="agreement_opt_in"),
    path(
        "agreements/<int:agreement_id>/opt-in/invite/",
        partner_views.agreement_opt_in_invite_view,
        name="agreement_opt_in_invite",
    ),
    path("agreements/<int:agreement_id>/remind/", views.agreement_remind_view, name="agreement_remind"),
    path("to-read/", views.enablement_view, name="enablement"),
    path("offers/", views.offer_list_view, name="offer_list"),
    path("offers/<int:offer_id>/", views.offer_detail_view, name="offer_detail"),
    path("fit-criteria/", views.fit_criteria_view, name="fit_criteria"),
]
