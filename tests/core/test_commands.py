"""Management commands: token, import accounts, demo."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from handschlag.accounts.models import Account, ImportRun
from handschlag.core.enums import Role
from handschlag.core.models import ApiToken
from handschlag.core.services import api_token_authenticate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


class TestTokenCommand:
    def test_create_prints_a_working_token(self, seller):
        stdout, stderr = run("token", "create", "--user", "seller", "--name", "CI")

        plaintext = stdout.strip()
        assert api_token_authenticate(plaintext) == seller
        assert ApiToken.objects.get().name == "CI"
        assert plaintext not in stderr

    def test_unknown_or_inactive_user(self, make_user):
        make_user(Role.SELLER, username="weg", is_active=False)

        for name in ["niemand", "weg"]:
            with pytest.raises(CommandError, match="No active user named"):
                run("token", "create", "--user", name)
        assert not ApiToken.objects.exists()

    def test_revoke(self, seller):
        stdout, _ = run("token", "create", "--user", "seller")
        token = ApiToken.objects.get()

        run("token", "revoke", str(token.pk))

        assert api_token_authenticate(stdout.strip()) is None


class TestImportCommand:
    def write(self, tmp_path: Path, content: str) -> Path:
        path = tmp_path / "kunden.csv"
        path.write_text(content, encoding="utf-8")
        return path

    def test_good_file_prints_a_report(self, tmp_path, admin_user):
        path = self.write(tmp_path, "Kundennummer;Firma\nK-1;Alpha\nK-2;Beta\n")

        stdout, _ = run("import", "accounts", str(path))

        assert (
            f"{path}: 2 rows — 2 created, 0 updated, 0 unchanged, 0 without a name left out, 0 warnings in 0 rows."
            in stdout
        )
        assert Account.objects.count() == 2
        assert ImportRun.objects.get().created_by == admin_user

    def test_rejected_import_lists_bad_rows_and_fails(self, tmp_path, admin_user):
        path = self.write(tmp_path, "Kundennummer;Firma;PLZ\nK-1;Alpha;70173\nK-2;;12\n")
        stdout = io.StringIO()

        with pytest.raises(CommandError) as caught:
            call_command("import", "accounts", str(path), stdout=stdout, stderr=io.StringIO())

        assert f"{path}:3: error: name: the company name is empty ('')" in stdout.getvalue()
        assert "postal_code" not in stdout.getvalue()  # a warning about a row that is left out anyway
        assert "Run again with --mode good-rows" in str(caught.value)
        assert not Account.objects.exists()

    def test_good_rows_mode(self, tmp_path, admin_user):
        path = self.write(tmp_path, "Firma;PLZ\nAlpha;70173\n;12\n")

        stdout, _ = run("import", "accounts", str(path), "--mode", "good-rows")

        assert "1 created" in stdout
        assert list(Account.objects.values_list("name", flat=True)) == ["Alpha"]

    def test_columns_saved_mapping_and_warnings(self, tmp_path, admin_user):
        path = self.write(tmp_path, "Debitor;Kunde;PLZ;Bemerkung\n4711;Alpha;12;egal\n")

        stdout, _ = run(
            "import",
            "accounts",
            str(path),
            "--columns",
            "Bemerkung=,PLZ=postal_code",
            "--save-mapping",
            "Alpha",
        )
        again, _ = run("import", "accounts", str(path), "--saved-mapping", "alpha")

        assert (
            f"{path}:2: warning: postal_code: does not fit the postal codes of DE; kept as it is ('12')"
            in stdout
        )
        assert "1 created, 0 updated, 0 unchanged, 0 without a name left out, 1 warnings in 1 rows." in stdout
        assert "0 created, 0 updated, 1 unchanged" in again
        assert list(Account.objects.values_list("external_id", "name", "postal_code")) == [
            ("4711", "Alpha", "12")
        ]
        with pytest.raises(CommandError, match="not HEADER=FIELD"):
            run("import", "accounts", str(path), "--columns", "Bemerkung")

    def test_file_problems_and_missing_admin(self, tmp_path, management_user):
        empty = self.write(tmp_path, "")

        with pytest.raises(CommandError, match=re.escape("There is no admin user; pass --user.")):
            run("import", "accounts", str(empty))
        with pytest.raises(CommandError, match=re.escape("The file is empty.")):
            run("import", "accounts", str(empty), "--user", "management")
        with pytest.raises(CommandError, match="no such file"):
            run("import", "accounts", str(tmp_path / "fehlt.csv"), "--user", "management")


class TestDemoCommand:
    def account_names(self) -> list[str]:
        return list(Account.objects.order_by("pk").values_list("name", flat=True)[:40])

    def test_small_is_deterministic(self):
        class Rollback(Exception):
            pass

        first: list[str] = []

        def load_and_roll_back() -> None:
            with transaction.atomic():
                run("demo", "--size", "small")
                first.extend(self.account_names())
                raise Rollback

        with pytest.raises(Rollback):
            load_and_roll_back()
        assert len(first) == 40
        assert not Account.objects.exists()

        stdout, _ = run("demo", "--size", "small")

        # 300 generated accounts, plus the few the modules' stories add (concessions, alignment)
        count = Account.objects.count()
        assert 300 <= count <= 330
        assert self.account_names() == first
        assert len(set(Account.objects.values_list("name", flat=True))) == count
        assert "Demo organisation loaded: 300 accounts." in stdout

    def test_if_empty_does_nothing_the_second_time(self):
        run("demo", "--size", "small", "--if-empty")
        before = list(Account.objects.order_by("pk").values_list("pk", "name", "updated_at"))

        stdout, _ = run("demo", "--size", "small", "--if-empty")

        assert "Demo data is already there." in stdout
        assert list(Account.objects.order_by("pk").values_list("pk", "name", "updated_at")) == before

    def test_without_if_empty_refuses_a_filled_database(self):
        run("demo", "--size", "small")
        loaded = Account.objects.count()

        with pytest.raises(SystemExit) as caught:
            run("demo", "--size", "small")

        assert caught.value.code == 1
        assert Account.objects.count() == loaded
