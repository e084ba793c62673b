from django.urls import URLPattern, URLResolver, path

from handschlag.insights import views

app_name = "insights"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard_view, name="dashboard"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("goals/", views.goal_list_view, name="goal_list"),
    path("goals/<int:goal_id>/", views.goal_detail_view, name="goal_detail"),
    path("goals/<int:goal_id>/delete/", views.goal_delete_view, name="goal_delete"),
    path("<slug:module>/", views.dashboard_view, name="module"),
    path("<slug:module>/export.csv", views.export_csv, name="module_export_csv"),
    path("<slug:module>/export.xlsx", views.export_xlsx, name="module_export_xlsx"),
]
