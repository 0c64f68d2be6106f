from django.db import migrations

MOVED = {
    "registry": ["aimodel", "snapshot", "snapshotidentifier"],
    "oversight": ["escalation", "escalationevent", "restriction", "noncompliancereport"],
    "determinations": [
        "determination",
        "finding",
        "acknowledgement",
        "attachment",
        "safeguardsreport",
        "safeguardevidence",
    ],
    "board": [
        "director",
        "conflictdeclaration",
        "policychange",
        "meeting",
        "motion",
        "vote",
        "seatmilestone",
        "quarterlyreport",
        "quarterlyreportacknowledgement",
    ],
}


def follow(apps, schema_editor):
    """The moved models' content types (and so their permissions and admin history) follow
    them to their area apps, instead of new ones being made beside the old."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, model_names in MOVED.items():
        for name in model_names:
            if ContentType.objects.filter(app_label=app_label, model=name).exists():
                continue
            ContentType.objects.filter(app_label="governance", model=name).update(
                app_label=app_label
            )


def back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, model_names in MOVED.items():
        ContentType.objects.filter(app_label=app_label, model__in=model_names).update(
            app_label="governance"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("governance", "0016_area_models_left_the_core"),
        ("registry", "0001_initial"),
        ("oversight", "0001_initial"),
        ("determinations", "0002_relations"),
        ("board", "0001_initial"),
    ]

    operations = [migrations.RunPython(follow, back)]
