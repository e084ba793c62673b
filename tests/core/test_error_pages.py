"""Error pages inside the layout, in the user's language, with a way back; the API keeps its JSON error shape."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from handschlag.core.enums import Role


@pytest.mark.django_db
class TestNotFoundAndForbidden:
    def test_404_in_german_inside_the_layout(self, page_as, make_user):
        response = page_as(make_user(Role.SELLER)).get("/no-such-page/")

        html = response.content.decode()
        assert response.status_code == 404
        assert 'data-testid="error-404"' in html
        assert "<h1>Seite nicht gefunden</h1>" in html
        assert '<nav class="mainnav"' in html  # the layout with the user's navigation
        assert '<a class="button primary" href="/">Zur Startseite</a>' in html

    def test_404_in_english_for_an_english_user(self, page_as, make_user):
        html = page_as(make_user(Role.SELLER, language="en")).get("/no-such-page/").content.decode()

        assert "<h1>Page not found</h1>" in html
        assert "To the start page" in html

    def test_403_in_the_layout_for_a_role_without_the_page(self, page_as, make_user):
        response = page_as(make_user(Role.SELLER)).get("/settings/users/")

        html = response.content.decode()
        assert response.status_code == 403
        assert 'data-testid="error-403"' in html
        assert "<h1>Kein Zugriff</h1>" in html
        assert '<nav class="mainnav"' in html

    def test_partner_users_get_the_page_too(self, page_as, make_user):
        client = page_as(make_user(Role.PARTNER_USER, language="en"))

        for path in ("/no-such-page/", "/accounts/", "/settings/users/"):
            response = client.get(path)
            assert response.status_code in {403, 404}
            html = response.content.decode()
            assert 'data-testid="error-' in html
            assert 'href="/portal/"' in html  # his navigation, nothing of ours
            assert "Forbidden" not in html
            assert "Not Found" not in html

    def test_a_way_back_to_the_page_the_user_came_from(self, page_as, make_user):
        client = page_as(make_user(Role.SELLER, language="en"))

        same_site = client.get("/settings/users/", headers={"referer": "http://testserver/accounts/?q=x"})
        elsewhere = client.get("/settings/users/", headers={"referer": "https://evil.example/"})

        assert '<a class="button" href="http://testserver/accounts/?q=x">Back to the previous page</a>' in (
            same_site.content.decode()
        )
        assert "evil.example" not in elsewhere.content.decode()
        assert "Back to the previous page" not in elsewhere.content.decode()

    def test_a_403_is_logged_as_one_line_with_path_and_user(self, page_as, make_user, caplog):
        seller = make_user(Role.SELLER)

        with caplog.at_level(logging.WARNING, logger="django.request"):
            page_as(seller).get("/settings/users/")

        records = [record for record in caplog.records if record.name == "django.request"]
        assert [record.getMessage() for record in records] == [
            f"Forbidden: GET /settings/users/ (user {seller.pk})"
        ]
        assert records[0].levelno == logging.WARNING
        assert records[0].exc_info is None

    def test_the_api_keeps_its_error_shape(self, api_as, make_user):
        client = api_as(make_user(Role.SELLER))

        unknown = client.get("/api/v1/no-such-resource/")
        forbidden = client.get("/api/v1/routing-rules")

        assert (unknown.status_code, forbidden.status_code) == (404, 403)
        for response in (unknown, forbidden):
            assert response["Content-Type"].startswith("application/json")
            assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.django_db
class TestCsrfFailure:
    def test_an_expired_form_gets_the_page_in_the_layout(self, make_user):
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_user(Role.SELLER))

        response = client.post("/complaints/new/", {"title": "x"})

        html = response.content.decode()
        assert response.status_code == 403
        assert 'data-testid="error-csrf"' in html
        assert "<h1>Das Formular ist abgelaufen</h1>" in html
        assert '<nav class="mainnav"' in html

    def test_an_anonymous_login_form_too(self):
        response = Client(enforce_csrf_checks=True).post("/login/", {"username": "x", "password": "y"})

        assert response.status_code == 403
        assert 'data-testid="error-csrf"' in response.content.decode()


class TestServerError:
    """The 500 page renders with no request context and no database (this class has no database access)."""

    def test_renders_without_database_or_context(self):
        request = RequestFactory().get("/accounts/")

        with translation.override("de"):
            response = server_error(request)

        html = response.content.decode()
        assert response.status_code == 500
        assert 'data-testid="error-500"' in html
        assert "Bei uns ist ein Fehler aufgetreten" in html
        assert '<a class="button primary" href="/">Zur Startseite</a>' in html
        assert '<header class="topbar">' in html

    def test_in_english(self):
        with translation.override("en"):
            html = server_error(RequestFactory().get("/")).content.decode()

        assert '<html lang="en">' in html
        assert "Something went wrong on our side" in html
