"""Partner names unique in the database, regardless of case (issue 9).

The name is copied from the partner's Organisation onto the Partner row, which gets a unique index on
LOWER(name). Partners that already share a name (spelled the same or differing only in case, e.g. created twice
at once before this index) are all kept: they may have agreements, mapping runs and portal logins, and merging
two companies is a decision for a person. The oldest keeps the name; each later one is renamed "<name> (2)",
"<name> (3)" … on the Partner and its Organisation, and an audit event "partner.renamed_duplicate" says so,
so a partner manager finds them in the audit log and merges or renames them by hand.
"""

from django.db import migrations, models
from django.db.models.functions import Lower

MAX_NAME = 200


def _free_name(name: str, taken: set[str]) -> str:
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
        if candidate.lower() not in taken:
            return candidate
        number += 1


def copy_names(apps, schema_editor):  # type: ignore[no-untyped-def]
    Partner = apps.get_model("alliances", "Partner")
    AuditEvent = apps.get_model("core", "AuditEvent")
    partners = list(Partner.objects.select_related("organisation").order_by("created_at", "id"))
    taken = {partner.organisation.name.strip()[:MAX_NAME].lower() for partner in partners}
    seen: set[str] = set()
    for partner in partners:
        name = partner.organisation.name.strip()[:MAX_NAME]
        if name.lower() in seen:
            new_name = _free_name(name, taken)
            taken.add(new_name.lower())
            partner.organisation.name = new_name
            partner.organisation.save(update_fields=["name"])
            AuditEvent.objects.create(
                actor=None,
                action="partner.renamed_duplicate",
                target_type="alliances.partner",
                target_id=str(partner.pk),
                summary=f"partner {name} renamed to {new_name}: another partner has this name",
                changes={"name": [name, new_name]},
            )
            name = new_name
        seen.add(name.lower())
        partner.name = name
        partner.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("alliances", "0003_german_fit_criteria"),
        ("core", "0003_notification"),
    ]

    operations = [
        migrations.AddField(
            model_name="partner",
            name="name",
            field=models.CharField(default="", max_length=200, verbose_name="name"),
            preserve_default=False,
        ),
        migrations.RunPython(copy_names, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="partner",
            options={"ordering": ["name", "id"], "verbose_name": "partner", "verbose_name_plural": "partners"},
        ),
        migrations.AddConstraint(
            model_name="partner",
            constraint=models.UniqueConstraint(Lower("name"), name="partner_name_unique_ignoring_case"),
        ),
    ]
