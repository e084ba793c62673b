from django.contrib.auth import views as auth_views
from django.urls import include, path

from handschlag.alliances import portal_urls as alliances_portal_urls
from handschlag.api import api
from handschlag.core import views as core_views
from handschlag.core.forms import LoginForm
from handschlag.coselling import portal_urls as coselling_portal_urls
from handschlag.mapping import portal_urls as mapping_portal_urls

# The partner portal (/portal/, namespace "portal"): alliances' home and opt-in with the pages of the modules above
# it (mapping: uploads and account mappings; co-selling: leads and deal registrations). Assembled here, so that alliances imports no module above it.
portal_patterns = (
    [
        *alliances_portal_urls.urlpatterns,
        *mapping_portal_urls.urlpatterns,
        *coselling_portal_urls.urlpatterns,
    ],
    "portal",
)

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", core_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", core_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        core_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("language/", core_views.language_set, name="language_set"),
    path("", include("handschlag.core.urls")),
    path("accounts/duplicates/", include("handschlag.accounts.duplicate_urls")),
    path("accounts/", include("handschlag.accounts.urls")),
    path("complaints/", include("handschlag.complaints.urls")),
    path("partners/", include("handschlag.alliances.urls")),
    path("mappings/", include("handschlag.mapping.urls")),
    path("coselling/", include("handschlag.coselling.urls")),
    path("concessions/", include("handschlag.concessions.urls")),
    path("alignment/", include("handschlag.alignment.urls")),
    path("insights/", include("handschlag.insights.urls")),
    path("portal/", include(portal_patterns)),
    path("api/v1/", api.urls),
]

# error pages rendered with the request (the user's navigation and language); 500 stays Django's static one
handler400 = "handschlag.core.views.bad_request"
handler403 = "handschlag.core.views.permission_denied"
handler404 = "handschlag.core.views.page_not_found"
