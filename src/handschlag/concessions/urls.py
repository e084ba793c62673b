from django.urls import URLPattern, URLResolver, path

from handschlag.concessions import views

app_name = "concessions"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.concession_list_view, name="list"),
    path("new/", views.concession_create_view, name="create"),
    path("import/", views.concession_import_view, name="import"),
    path("approvals/", views.approvals_view, name="approvals"),
    path("figures/", views.figures_view, name="figures"),
    path("figures/export/", views.figures_export, name="figures_export"),
    path("settings/", views.settings_view, name="settings"),
    path("delegations/", views.delegations_view, name="delegations"),
    path("delegations/<int:delegation_id>/end/", views.delegation_delete_view, name="delegation_delete"),
    path("<int:concession_id>/", views.concession_detail_view, name="detail"),
    path("<int:concession_id>/edit/", views.concession_edit_view, name="edit"),
    path("<int:concession_id>/decide/", views.concession_decide_view, name="decide"),
    path("<int:concession_id>/return/", views.concession_get_status_view, name="get_status"),
]
