from django.urls import path

from handschlag.mapping import views

app_name = "mapping"
urlpatterns = [
    path("agreements/<int:agreement_id>/rules/", views.sharing_rules_view, name="sharing_rules"),
    path("agreements/<int:agreement_id>/runs/", views.mapping_create_view, name="run_create"),
    path("runs/<int:run_id>/", views.run_detail_view, name="run_detail"),
    path("runs/<int:run_id>/columns/", views.run_columns_view, name="run_columns"),
    path("runs/<int:run_id>/pairs/<int:match_id>/", views.match_detail_view, name="match_detail"),
    path("runs/<int:run_id>/export.csv", views.run_export, name="run_export"),
    path("never-shared/", views.exclusion_list_view, name="exclusions"),
    path("never-shared/<int:account_id>/", views.account_never_share_view, name="account_never_share"),
]
