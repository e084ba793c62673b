from django.contrib.auth import views as auth_views
from django.urls import include, path

from handschlag.api import api
from handschlag.core import views as core_views
from handschlag.core.forms import LoginForm

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", core_views.language_set, name="language_set"),
    path("", include("handschlag.core.urls")),
    path("accounts/", include("handschlag.accounts.urls")),
    path("complaints/", include("handschlag.complaints.urls")),
    path("partners/", include("handschlag.alliances.urls")),
    path("mappings/", include("handschlag.mapping.urls")),
    path("portal/", include("handschlag.alliances.portal_urls")),
    path("api/v1/", api.urls),
]
