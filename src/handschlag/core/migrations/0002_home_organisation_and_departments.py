"""Every installation has its own company and the usual departments from the start (all editable)."""

from django.db import migrations

DEPARTMENTS = ["Vertrieb", "Marketing", "Produktion", "Qualität", "Logistik", "Geschäftsführung"]


def create(apps, schema_editor):
    Organisation = apps.get_model("core", "Organisation")
    Department = apps.get_model("core", "Department")
    if not Organisation.objects.filter(kind="home").exists():
        Organisation.objects.create(name="Unser Unternehmen", kind="home", state="BW")
    for name in DEPARTMENTS:
        Department.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
