"""The default fit criteria in German (the product's first language; docs/adr/0304).

0002 seeded them in English. Criteria are data a partner manager edits, so only a criterion that still has its
seeded English name and category is renamed; one a user renamed keeps his name. New installations run 0002
then this, and so start with German names. Reversing renames untouched German defaults back to English.
"""

from django.db import migrations

# English seed name (0002) -> German name, per category.
GERMAN_NAMES = [
    ("Shared target customers and markets", "Gemeinsame Zielkunden und Märkte", "strategic"),
    ("Complementary offer (no competition)", "Ergänzendes Angebot (kein Wettbewerb)", "strategic"),
    ("Management commitment on both sides", "Rückhalt der Geschäftsleitung auf beiden Seiten", "strategic"),
    ("Joint revenue potential", "Gemeinsames Umsatzpotenzial", "economic"),
    ("Value flows both ways", "Nutzen in beide Richtungen", "economic"),
    (
        "Sellers and partner sellers can work together",
        "Unsere Verkäufer und die des Partners arbeiten gut zusammen",
        "operational",
    ),
    ("Culture and reliability", "Unternehmenskultur und Verlässlichkeit", "operational"),
]


def _rename(apps, *, forward: bool) -> None:
    FitCriterion = apps.get_model("alliances", "FitCriterion")
    for english, german, category in GERMAN_NAMES:
        old, new = (english, german) if forward else (german, english)
        FitCriterion.objects.filter(name=old, category=category).update(name=new)


def to_german(apps, schema_editor):
    _rename(apps, forward=True)


def to_english(apps, schema_editor):
    _rename(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [("alliances", "0002_default_fit_criteria")]
    operations = [migrations.RunPython(to_german, to_english)]
