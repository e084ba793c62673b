from django.urls import URLPattern, URLResolver, path

from handschlag.alignment import views

app_name = "alignment"
urlpatterns: list[URLPattern | URLResolver] = [
    path("surveys/", views.survey_list_view, name="survey_list"),
    path("surveys/<int:survey_id>/", views.survey_detail_view, name="survey_detail"),
    path("surveys/<int:survey_id>/<slug:action>/", views.survey_action_view, name="survey_action"),
    path("figures/", views.figures_view, name="figures"),
    path("figures/export/", views.figures_export, name="figures_export"),
    path("materials/", views.material_list_view, name="material_list"),
    path("materials/<int:material_id>/", views.material_detail_view, name="material_detail"),
    path("materials/<int:material_id>/download/", views.material_download, name="material_download"),
    path("icp/", views.icp_view, name="icp"),
    path("icp/new-customers.csv", views.new_customers_export, name="new_customers_export"),
    path("exchanges/", views.exchange_list_view, name="exchange_list"),
    path("leads/", views.mql_view, name="mql"),
    path("exchanges/<int:exchange_id>/", views.exchange_detail_view, name="exchange_detail"),
]
