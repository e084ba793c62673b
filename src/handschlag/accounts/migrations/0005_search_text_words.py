"""The search key in the new spelling (umlauts folded to the plain vowel, punctuation as spaces, legal forms also
in their short form), recomputed for every account."""

from django.db import migrations


def refresh_search_text(apps, schema_editor):
    from handschlag.accounts.models import SEARCH_SOURCE_FIELDS, search_key

    Account = apps.get_model("accounts", "Account")
    batch = []
    for account in Account.objects.only("pk", *SEARCH_SOURCE_FIELDS).iterator(chunk_size=2000):
        account.search_text = search_key(*(getattr(account, name) or "" for name in SEARCH_SOURCE_FIELDS))
        batch.append(account)
        if len(batch) >= 2000:
            Account.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Account.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_account_archived_at")]

    operations = [migrations.RunPython(refresh_search_text, migrations.RunPython.noop)]
