"""Covering indexes for the results adapter: requirement → criterion and
weight for the evaluator × criterion sums, and the consensus scores."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0003_standstill_days"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="consensusscore",
            index=models.Index(
                fields=["evaluation", "tender", "requirement", "criterion", "value"],
                name="consensus_item_cover",
            ),
        ),
        migrations.AddIndex(
            model_name="requirementmapping",
            index=models.Index(
                fields=["evaluation", "requirement", "criterion", "weight"],
                name="mapping_requirement_cover",
            ),
        ),
    ]
