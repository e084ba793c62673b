"""Logins, passwords and the rules every request shares: throttling, audit, validators, password pages, NUL
refusal, error shapes for model errors, Content-Security-Policy and no-store."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import BadRequest
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.utils import translation
from ninja import NinjaAPI
from ninja.testing import TestClient

from handschlag.accounts.models import Account
from handschlag.core.api_support import install_error_handlers
from handschlag.core.enums import OrganisationKind, Role
from handschlag.core.middleware import CONTENT_SECURITY_POLICY, ErrorPageMiddleware
from handschlag.core.models import AuditEvent, Department, Organisation, User
from handschlag.core.request_parameters import parse_id, query_int

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "correct-horse-battery"  # the factories' password


def _login(client: Client, username: str, password: str) -> int:
    return client.post("/login/", {"username": username, "password": password}).status_code


class TestLoginThrottling:
    def test_five_failures_lock_the_user_name_from_this_address(self, seller, settings):
        client = Client()

        failures = [_login(client, "seller", "falsch") for _ in range(settings.AXES_FAILURE_LIMIT)]
        locked = client.post("/login/", {"username": "seller", "password": GOOD_PASSWORD})

        assert failures == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
        assert locked.status_code == 429  # even with the right password
        assert "_auth_user_id" not in client.session
        assert 'data-testid="locked-out"' in locked.content.decode()

    def test_other_user_names_and_other_addresses_still_log_in(self, seller, make_user, settings):
        make_user(Role.SELLER, username="kollegin")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(Client(), "seller", "falsch")

        colleague = Client()
        elsewhere = Client(REMOTE_ADDR="10.0.0.9")

        assert _login(colleague, "kollegin", GOOD_PASSWORD) == 302
        assert _login(elsewhere, "seller", GOOD_PASSWORD) == 302

    def test_a_success_resets_the_count(self, seller, settings):
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            _login(client, "seller", "falsch")

        assert _login(client, "seller", GOOD_PASSWORD) == 302
        client.logout()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            _login(client, "seller", "falsch")
        assert _login(client, "seller", GOOD_PASSWORD) == 302


class TestLoginAudit:
    def test_login_logout_and_failure_are_recorded_without_the_password(self, seller):
        client = Client()

        _login(client, "seller", "mein-geheimes-falsches")
        _login(client, "niemand", "noch-ein-geheimnis")
        _login(client, "seller", GOOD_PASSWORD)
        client.post("/logout/")

        events = list(
            AuditEvent.objects.filter(action__startswith="auth.")
            .order_by("id")
            .values_list("action", "actor", "target_id", "changes")
        )
        assert events == [
            ("auth.login_failed", None, str(seller.pk), {"username": "seller", "address": "127.0.0.1"}),
            ("auth.login_failed", None, "", {"username": "niemand", "address": "127.0.0.1"}),
            ("auth.login", seller.pk, str(seller.pk), {"address": "127.0.0.1"}),
            ("auth.logout", seller.pk, str(seller.pk), {"address": "127.0.0.1"}),
        ]
        stored = repr(list(AuditEvent.objects.values_list("summary", "changes")))
        assert "geheim" not in stored


class TestPasswordPages:
    def test_change_validates_and_audits(self, page_as, seller):
        client = page_as(seller)

        weak = client.post(
            "/password/change/",
            {
                "old_password": GOOD_PASSWORD,
                "new_password1": "Handschlag-2026",
                "new_password2": "Handschlag-2026",
            },
        )
        good = client.post(
            "/password/change/",
            {
                "old_password": GOOD_PASSWORD,
                "new_password1": "Ein-sicheres-Wort-7",
                "new_password2": "Ein-sicheres-Wort-7",
            },
        )

        assert weak.status_code == 200
        assert "password_product_name" not in weak.content.decode()
        assert User.objects.get(pk=seller.pk).check_password("Ein-sicheres-Wort-7")
        assert good.status_code == 302
        assert AuditEvent.objects.filter(action="user.password_change", actor=seller).count() == 1

    def test_reset_mails_an_absolute_link_from_the_base_url(self, client, seller, settings):
        settings.HANDSCHLAG_BASE_URL = "https://handschlag.example.com"

        response = client.post("/password/reset/", {"email": seller.email})

        assert response.status_code == 302
        assert len(mail.outbox) == 1
        link = re.search(r"https://handschlag\.example\.com/password/reset/\S+/\S+/", mail.outbox[0].body)
        assert link is not None, mail.outbox[0].body
        confirm = client.get(link.group(0).removeprefix("https://handschlag.example.com"), follow=True)
        form_url = confirm.redirect_chain[-1][0]
        weak = client.post(form_url, {"new_password1": "handschlag1234", "new_password2": "handschlag1234"})
        done = client.post(
            form_url, {"new_password1": "Ein-sicheres-Wort-7", "new_password2": "Ein-sicheres-Wort-7"}
        )
        assert weak.status_code == 200
        assert done.status_code == 302
        assert User.objects.get(pk=seller.pk).check_password("Ein-sicheres-Wort-7")
        assert AuditEvent.objects.filter(action="user.password_reset", actor=seller).count() == 1

    @pytest.mark.parametrize("language", ["de", "en"])
    def test_pages_speak_both_languages(self, client, language):
        client.cookies["django_language"] = language

        page = client.get("/password/reset/").content.decode()

        assert ("Passwort zurücksetzen" if language == "de" else "Reset password") in page


class TestNulCharacters:
    @pytest.mark.parametrize(
        ("content_type", "body"),
        [
            ("application/json", '{"name": "Nul\\u0000GmbH"}'),
            ("application/x-www-form-urlencoded", "name=Nul%00GmbH"),
            ("text/plain", "Nul\x00GmbH"),
            ("application/json; charset=utf-8", '{"name": "Nul\\u0000GmbH"}'),
        ],
    )
    def test_api_refuses_them_in_every_body(self, api_as, admin_user, content_type, body):
        client = api_as(admin_user)

        response = client.client.post(
            "/api/v1/accounts", body, content_type=content_type, headers=client.headers
        )

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"
        assert not Account.objects.exists()

    def test_api_refuses_them_in_multipart_fields(self, api_as, admin_user):
        client = api_as(admin_user)

        response = client.client.post("/api/v1/accounts", {"name": "Nul\x00GmbH"}, headers=client.headers)

        assert response.status_code == 400
        assert set(response.json()["error"]) == {"code", "message", "fields"}

    def test_pages_answer_400(self, page_as, admin_user):
        client = page_as(admin_user)

        in_form = client.post("/settings/departments/", {"name": "Nul\x00Abteilung"})
        in_query = client.get("/audit/", {"target_type": "a\x00b"})

        assert (in_form.status_code, in_query.status_code) == (400, 400)
        assert not Department.objects.filter(name__contains="Abteilung").exists()


class TestModelErrors:
    def _api(self, view):
        api = NinjaAPI(urls_namespace=f"model-errors-{view.__name__}")
        install_error_handlers(api)
        api.get("/boom", auth=None)(view)
        return TestClient(api)

    def test_protected_error_is_409_naming_what_points_at_the_object(self, seller):
        def delete_our_company(request: HttpRequest) -> None:
            Organisation.objects.get(kind=OrganisationKind.HOME).delete()

        with translation.override("en"):
            response = self._api(delete_our_company).get("/boom")

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "protected"
        assert "users (1)" in response.json()["error"]["message"]

    def test_validation_error_is_400_with_fields(self, seller):
        def invalid_email(request: HttpRequest) -> None:
            seller.email = "kein-at"
            seller.full_clean()

        response = self._api(invalid_email).get("/boom")

        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["email"]

    def test_pages_answer_409_and_400(self, seller):
        request = RequestFactory().post("/settings/something/")
        request.user = seller
        middleware = ErrorPageMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
        home = Organisation.objects.get(kind=OrganisationKind.HOME)
        try:
            home.delete()
        except ProtectedError as error:
            protected = middleware.process_exception(request, error)
        overflow = middleware.process_exception(request, OverflowError())

        assert protected is not None
        assert protected.status_code == 409
        assert overflow is not None
        assert overflow.status_code == 400


class TestPageParameters:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("12", 12),
            (" 7 ", 7),
            ("²", None),
            ("٣", None),
            ("-1", None),
            ("0", None),
            ("1e3", None),
            ("9" * 20, None),
            (str(2**63), None),
            (str(2**63 - 1), 2**63 - 1),
            ("", None),
        ],
    )
    def test_parse_id(self, text, value):
        assert parse_id(text) == value

    def test_query_int(self):
        factory = RequestFactory()

        assert query_int(factory.get("/", {"owner": "5"}), "owner") == 5
        assert query_int(factory.get("/"), "owner", default=3) == 3
        with translation.override("en"), pytest.raises(BadRequest, match="must be a number"):
            query_int(factory.get("/", {"owner": "²"}), "owner")

    @pytest.mark.parametrize("value", ["²", "abc", "9" * 30, "-1", "1.5"])
    def test_hostile_values_in_page_parameters_are_no_server_error(self, page_as, admin_user, value):
        client = page_as(admin_user)

        for path, parameter in [
            ("/accounts/", "owner"),
            ("/accounts/", "page"),
            ("/audit/", "page"),
            ("/notifications/", "page"),
            ("/complaints/new/", "account"),
        ]:
            response = client.get(path, {parameter: value})
            assert response.status_code in {200, 302, 400, 404}, (path, parameter, response.status_code)


class TestHeaders:
    def test_pages_carry_the_content_security_policy_and_no_store(self, page_as, seller):
        response = page_as(seller).get("/settings/tokens/")

        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert response["Cache-Control"] == "no-store"

    def test_anonymous_pages_have_the_policy_too(self, client):
        response = client.get("/login/")

        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY

    def test_exports_are_no_store(self, page_as, management_user):
        response = page_as(management_user).get("/accounts/export.csv")

        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"

    def test_api_answers_are_no_store(self, api_as, seller):
        assert api_as(seller).get("/api/v1/me")["Cache-Control"] == "no-store"

    def test_templates_have_no_inline_script_style_or_event_handler(self):
        from pathlib import Path

        import handschlag

        offenders = []
        for template in Path(handschlag.__file__).parent.rglob("templates/**/*.html"):
            text = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"))  # not in template comments
            if re.search(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=", text) or re.search(
                r"\son[a-z]+=|hx-on", text
            ):
                offenders.append(str(template))
        assert offenders == []
