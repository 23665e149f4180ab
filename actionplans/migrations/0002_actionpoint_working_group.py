"""Copy each action point's working group onto it, so visibility is one indexed column."""

import django.db.models.deletion
from django.db import migrations, models


def copy_groups(apps, schema_editor):
    ActionPoint = apps.get_model("actionplans", "ActionPoint")
    Challenge = apps.get_model("actionplans", "Challenge")
    for challenge in Challenge.objects.only("pk", "working_group_id").iterator():
        ActionPoint.objects.filter(challenge=challenge.pk).update(
            working_group=challenge.working_group_id
        )


class Migration(migrations.Migration):
    dependencies = [("actionplans", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="actionpoint",
            name="working_group",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="action_points",
                to="actionplans.workinggroup",
                verbose_name="working group",
            ),
        ),
        migrations.RunPython(copy_groups, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="actionpoint",
            name="working_group",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="action_points",
                to="actionplans.workinggroup",
                verbose_name="working group",
            ),
        ),
    ]
