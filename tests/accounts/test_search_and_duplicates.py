"""Search that folds spelling (umlauts, ß, punctuation, legal forms; every word must match) and the warning of a
likely duplicate when an account is created — on the page, in the API and in an import (issue 10)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from handschlag.accounts import import_services
from handschlag.accounts.models import Account
from handschlag.accounts.selectors import AccountFilters, account_id_by_reference, account_list
from handschlag.core.enums import Role
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def names(user, search: str) -> list[str]:
    return [account.name for account in account_list(user=user, filters=AccountFilters(search=search))]


class TestSearch:
    @pytest.mark.parametrize(
        "search", ["Muller", "müller", "MUELLER", "muller hydraulik", "hydraulik muller", "Müller-Hydraulik"]
    )
    def test_umlauts_fold_both_ways_and_every_word_matches(self, seller, search):
        AccountFactory(name="Müller Hydraulik", legal_form="GmbH", city="Nürnberg")
        AccountFactory(name="Miller Stahl", city="Ulm")

        assert names(seller, search) == ["Müller Hydraulik"]

    @pytest.mark.parametrize(
        "search",
        ["krause scholz", "Krause & Scholz", "krause und scholz", "scholz krause ag", "Krause+Scholz"],
    )
    def test_punctuation_stopwords_and_legal_forms(self, seller, search):
        AccountFactory(name="Krause & Scholz", legal_form="AG", city="Berlin")
        AccountFactory(name="Krause Logistik", legal_form="GmbH", city="Berlin")

        assert names(seller, search) == ["Krause & Scholz"]

    def test_a_spelt_out_legal_form_is_found_by_its_short_form(self, seller):
        AccountFactory(name="Krause und Scholz Aktiengesellschaft")

        assert names(seller, "krause scholz ag") == ["Krause und Scholz Aktiengesellschaft"]
        assert names(seller, "strasse") == []
        AccountFactory(name="Große Straße Bau")
        assert names(seller, "grosse strasse") == ["Große Straße Bau"]

    def test_a_word_that_does_not_match_finds_nothing(self, seller):
        AccountFactory(name="Krause & Scholz", legal_form="AG")

        assert names(seller, "krause meier") == []


class TestDuplicateOnThePage:
    def test_a_likely_duplicate_is_warned_with_a_link_and_can_be_saved_anyway(self, page_as, make_user):
        existing = AccountFactory(
            name="Krause & Scholz", legal_form="AG", domain="krause-scholz.de", city="Berlin"
        )
        client = page_as(make_user(Role.SELLER, language="en"))
        form = {
            "name": "Krause und Scholz Aktiengesellschaft",
            "status": "prospect",
            "country": "DE",
            "domain": "krause-scholz.de",
        }

        warned = client.post("/accounts/new/", form)

        assert warned.status_code == 200
        html = warned.content.decode()
        assert 'id="possible-duplicate"' in html
        assert f'href="/accounts/{existing.pk}/"' in html
        assert 'name="confirm_duplicate" value="1"' in html
        assert Account.objects.count() == 1

        saved = client.post("/accounts/new/", {**form, "confirm_duplicate": "1"})

        assert saved.status_code == 302
        assert Account.objects.count() == 2

    def test_another_company_is_saved_without_a_warning(self, page_as, make_user):
        AccountFactory(name="Krause & Scholz", legal_form="AG", domain="krause-scholz.de", city="Berlin")

        answer = page_as(make_user(Role.SELLER)).post(
            "/accounts/new/", {"name": "Nordlicht Metall", "status": "prospect", "country": "DE"}
        )

        assert answer.status_code == 302
        assert Account.objects.count() == 2

    def test_the_warning_in_german(self, page_as, make_user):
        AccountFactory(name="Krause & Scholz", legal_form="AG", domain="krause-scholz.de")

        html = (
            page_as(make_user(Role.SELLER, language="de"))
            .post(
                "/accounts/new/",
                {
                    "name": "Krause und Scholz",
                    "legal_form": "AG",
                    "status": "prospect",
                    "country": "DE",
                    "domain": "krause-scholz.de",
                },
            )
            .content.decode()
        )

        assert "Dieser Kunde ist wahrscheinlich schon angelegt" in html
        assert "Trotzdem speichern" in html


class TestDuplicateInTheApi:
    def test_409_possible_duplicate_names_the_candidate_until_confirmed(self, api_as, seller):
        existing = AccountFactory(name="Krause & Scholz", legal_form="AG", domain="krause-scholz.de")
        api = api_as(seller)
        body = {"name": "Krause und Scholz Aktiengesellschaft", "domain": "krause-scholz.de"}

        refused = api.post("/api/v1/accounts", body)

        assert refused.status_code == 409
        error = refused.json()["error"]
        assert error["code"] == "possible_duplicate"
        assert [candidate["account_id"] for candidate in error["candidates"]] == [existing.pk]
        assert error["candidates"][0]["name"] == "Krause & Scholz AG"
        assert Account.objects.count() == 1

        created = api.post("/api/v1/accounts", {**body, "confirm_duplicate": True})

        assert created.status_code == 201
        assert Account.objects.count() == 2


class TestDuplicateInAnImport:
    def test_a_row_like_an_existing_account_is_imported_with_a_warning(
        self, make_user, django_capture_on_commit_callbacks
    ):
        existing = AccountFactory(name="Krause & Scholz", legal_form="AG", external_id="CRM-1", city="Berlin")
        actor = make_user(Role.MANAGEMENT)
        content = (
            b"CRM-ID;Firma;Ort\n"
            b"CRM-2;Krause und Scholz Aktiengesellschaft;Berlin\n"
            b"CRM-3;Nordlicht Metall GmbH;Kiel\n"
        )

        with django_capture_on_commit_callbacks(execute=True):
            run = import_services.import_run_create(
                actor=actor, upload=SimpleUploadedFile("accounts.csv", content, content_type="text/csv")
            )
        run.refresh_from_db()

        assert run.status == "done"
        assert run.created_count == 2
        assert run.error_count == 0
        warnings = list(run.row_errors.filter(warning=True).values_list("line", "value"))
        assert warnings == [(2, "Krause und Scholz Aktiengesellschaft")]
        assert f"#{existing.pk}" in run.row_errors.get(warning=True).reason


class TestAccountByReference:
    def test_crm_id_first_then_the_number(self):
        account = AccountFactory(external_id="SF-77")
        other = AccountFactory()

        assert account_id_by_reference(reference=" sf-77 ") == account.pk
        assert account_id_by_reference(reference=str(other.pk)) == other.pk
        assert account_id_by_reference(reference="#" + str(other.pk)) == other.pk
        assert account_id_by_reference(reference="nope") is None
        assert account_id_by_reference(reference="²") is None
