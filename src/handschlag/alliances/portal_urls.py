"""The partner portal's own pages. handschlag/urls.py mounts them under /portal/ in the namespace "portal",
together with the portal pages of the modules above (mapping/portal_urls.py)."""

from django.urls import path

from handschlag.alliances import portal

urlpatterns = [
    path("", portal.portal_home, name="home"),
    path("agreements/<int:agreement_id>/opt-in/", portal.portal_opt_in, name="opt_in"),
]
