from django.urls import path

from handschlag.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list_view, name="list"),
    path("export.csv", views.complaint_export, name="export"),
    path("bulk-close/", views.complaint_bulk_close_view, name="bulk_close"),
    path("new/", views.complaint_create_view, name="create"),
    path("new/accounts/", views.account_search, name="account_search"),
    path("management/", views.management_view, name="management"),
    path("figures/", views.figures_view, name="figures"),
    path("figures/export.csv", views.figures_export, name="figures_export"),
    path("routing-rules/", views.routing_rules_view, name="routing_rules"),
    path("routing-rules/<int:rule_id>/", views.routing_rule_edit, name="routing_rule_edit"),
    path("sla-policies/", views.sla_policies_view, name="sla_policies"),
    path("sla-policies/<str:severity>/", views.sla_policy_edit, name="sla_policy_edit"),
    path("notifications/", views.notifications_view, name="notifications"),
    path("<int:complaint_id>/", views.complaint_detail_view, name="detail"),
    path("<int:complaint_id>/steps/<str:step>/", views.complaint_step_view, name="step"),
    path(
        "<int:complaint_id>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path("<int:complaint_id>/<str:action>/", views.complaint_action, name="action"),
]
