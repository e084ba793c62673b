"""Co-selling pages of the partner portal (leads, deal registrations), assembled into /portal/ by handschlag/urls.py."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
