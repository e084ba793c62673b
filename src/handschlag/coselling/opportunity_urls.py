"""Our pages for opportunities, incentive plans and co-selling figures, joined into coselling/urls.py."""

from django.urls import URLPattern, path

from handschlag.coselling import opportunity_views as views

opportunity_urlpatterns: list[URLPattern] = [
    path("opportunities/", views.opportunity_list_view, name="opportunity_list"),
    path("opportunities/export.csv", views.opportunity_export, name="opportunity_export"),
    path("opportunities/new/", views.opportunity_create_view, name="opportunity_create"),
    path("opportunities/import/", views.opportunity_import_view, name="opportunity_import"),
    path("opportunities/board/", views.board_view, name="board"),
    path("opportunities/<int:opportunity_id>/", views.opportunity_detail_view, name="opportunity_detail"),
    path(
        "opportunities/<int:opportunity_id>/<str:action>/",
        views.opportunity_action,
        name="opportunity_action",
    ),
    path("agreements/<int:agreement_id>/incentives/", views.incentive_plan_view, name="incentive_plan"),
    path("figures/", views.figures_view, name="figures"),
    path("figures/export.csv", views.figures_export, name="figures_export"),
]
