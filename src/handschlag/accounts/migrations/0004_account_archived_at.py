from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_search_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="archived_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="Archived accounts are kept with their history but left out of lists and choices.",
                null=True,
                verbose_name="archived on",
            ),
        ),
    ]
