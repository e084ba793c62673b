from django.db import migrations

# name, category, weight — the starting scorecard; weights are edited on the fit criteria page.
DEFAULT_CRITERIA = [
    ("Shared target customers and markets", "strategic", 3),
    ("Complementary offer (no competition)", "strategic", 3),
    ("Management commitment on both sides", "strategic", 2),
    ("Joint revenue potential", "economic", 3),
    ("Value flows both ways", "economic", 2),
    ("Sellers and partner sellers can work together", "operational", 2),
    ("Culture and reliability", "operational", 1),
]


def create_criteria(apps, schema_editor):
    FitCriterion = apps.get_model("alliances", "FitCriterion")
    if FitCriterion.objects.exists():
        return
    for position, (name, category, weight) in enumerate(DEFAULT_CRITERIA):
        FitCriterion.objects.create(name=name, category=category, weight=weight, position=position)


class Migration(migrations.Migration):
    dependencies = [("alliances", "0001_initial")]
    operations = [migrations.RunPython(create_criteria, migrations.RunPython.noop)]
