from django.urls import path

from handschlag.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list_view, name="list"),
    path("export.csv", views.account_export, name="export"),
    path("bulk/", views.account_bulk_view, name="bulk"),
    path("new/", views.account_create_view, name="create"),
    path("<int:account_id>/", views.account_detail_view, name="detail"),
    path("<int:account_id>/edit/", views.account_edit_view, name="edit"),
    path("<int:account_id>/delete/", views.account_delete_view, name="delete"),
    path("<int:account_id>/archive/", views.account_archive_view, name="archive"),
    path("<int:account_id>/restore/", views.account_restore_view, name="restore"),
    path("<int:account_id>/<str:kind>/add/", views.child_add, name="child_add"),
    path("<int:account_id>/<str:kind>/<int:child_id>/", views.child_edit, name="child_edit"),
    path("<int:account_id>/<str:kind>/<int:child_id>/delete/", views.child_delete, name="child_delete"),
    path("imports/", views.import_list_view, name="import_list"),
    path("imports/<int:run_id>/", views.import_detail_view, name="import_detail"),
    path("imports/<int:run_id>/columns/", views.import_columns_view, name="import_columns"),
    path(
        "imports/column-mappings/<int:mapping_id>/delete/",
        views.column_mapping_delete_view,
        name="column_mapping_delete",
    ),
    path("imports/<int:run_id>/import-good-rows/", views.import_good_rows_view, name="import_good_rows"),
]
