"""On PostgreSQL the account word search is served by a trigram index (accounts migration 0008), not a scan."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_trigram_index_exists_on_postgresql(postgres_only: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'account_search_text_trgm'")
        row = cursor.fetchone()
    assert row is not None
    assert "gin_trgm_ops" in row[0]


def test_the_word_search_can_use_it(postgres_only: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM accounts_account WHERE search_text LIKE '%präzision%'")
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "account_search_text_trgm" in plan
