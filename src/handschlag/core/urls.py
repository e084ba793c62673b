from django.urls import path

from handschlag.core import privacy_views, views

app_name = "core"
urlpatterns = [
    path("settings/tokens/", views.token_list, name="token_list"),
    path("settings/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/departments/", views.department_list_view, name="department_list"),
    path("settings/departments/<int:department_id>/", views.department_edit, name="department_edit"),
    path("settings/users/", views.user_list_view, name="user_list"),
    path("settings/users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("settings/jobs/", views.job_list_view, name="job_list"),
    path("settings/jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
    path("settings/notifications/", views.notification_settings_view, name="notification_settings"),
    path("notifications/", views.notification_list_view, name="notifications"),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
    path("settings/privacy/", privacy_views.privacy_view, name="privacy"),
    path("settings/privacy/records/", privacy_views.records_view, name="privacy_records"),
    path("settings/privacy/retention/", privacy_views.retention_view, name="privacy_retention"),
    path("settings/privacy/<str:kind>/<int:subject_id>/", privacy_views.subject_view, name="privacy_subject"),
    path(
        "settings/privacy/<str:kind>/<int:subject_id>/export.json",
        privacy_views.subject_export_view,
        name="privacy_export",
    ),
    path(
        "settings/privacy/<str:kind>/<int:subject_id>/erase/",
        privacy_views.subject_erase_view,
        name="privacy_erase",
    ),
]
