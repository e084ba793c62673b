from django.urls import URLPattern, URLResolver

from handschlag.coselling.lead_urls import lead_urlpatterns
from handschlag.coselling.opportunity_urls import opportunity_urlpatterns

app_name = "coselling"
urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += lead_urlpatterns  # leads and deal registrations
urlpatterns += opportunity_urlpatterns  # opportunities, incentive plans, co-selling figures
