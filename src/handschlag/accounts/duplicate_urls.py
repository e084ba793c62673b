"""/accounts/duplicates/ (namespace "account_duplicates"), included by handschlag/urls.py before accounts' own
paths; kept apart from accounts/urls.py so the import pages and this list change independently."""

from django.urls import path

from handschlag.accounts import duplicate_views

app_name = "account_duplicates"
urlpatterns = [
    path("", duplicate_views.possible_duplicates_view, name="list"),
]
