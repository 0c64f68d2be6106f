"""Moving the area models out of the core app keeps an existing database working: the same
tables and rows, relations across apps (evals, the Trust) intact, and the content types (with
their permissions) following the models."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("governance", "0014_audit_refuses_truncate"),
    ("evals", "0005_log_times_readable"),
    ("trust", "0001_consultations_and_trustees"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_rows_and_relations_survive_the_move_to_area_apps():
    apps = migrate(BEFORE)
    try:
        User = apps.get_model("auth", "User")
        author = User.objects.create(username="author")
        model = apps.get_model("governance", "AIModel").objects.create(name="M")
        snapshot = apps.get_model("governance", "Snapshot").objects.create(
            model=model, name="m-1", stage="post_trained", created_on="2026-01-01"
        )
        framework = apps.get_model("governance", "Framework").objects.create(
            slug="f", name="F", organisation="O"
        )
        version = apps.get_model("governance", "FrameworkVersion").objects.create(
            framework=framework,
            version="1",
            effective_date="2026-01-01",
            source_file="f.yaml",
            source_sha256="0" * 64,
            document={},
            loaded_at="2026-01-01T00:00:00Z",
        )
        determination = apps.get_model("governance", "Determination").objects.create(
            model=model, framework_version=version, title="Report", summary="s"
        )
        determination.snapshots.add(snapshot)
        determination.authors.add(author)
        change = apps.get_model("governance", "PolicyChange").objects.create(
            version=version,
            title="Change",
            rationale="r",
            changelog_entry="c",
            effective_from="2026-02-01T00:00:00Z",
            created_by=author,
        )
        apps.get_model("trust", "TrustConsultation").objects.create(
            policy_change=change,
            question="q",
            respond_by="2026-12-01",
            opened_by=author,
            opened_at="2026-01-02T00:00:00Z",
        )
        ContentType = apps.get_model("contenttypes", "ContentType")
        kept_type = ContentType.objects.get_or_create(
            app_label="governance", model="determination"
        )[0]

        apps = migrate(latest())

        Determination = apps.get_model("determinations", "Determination")
        moved = Determination.objects.get(pk=determination.pk)
        assert moved.title == "Report" and moved.model.name == "M"
        assert [s.name for s in moved.snapshots.all()] == ["m-1"]
        assert [a.username for a in moved.authors.all()] == ["author"]
        assert Determination._meta.db_table == "governance_determination"
        consultation = apps.get_model("trust", "TrustConsultation").objects.get()
        assert consultation.policy_change.title == "Change"
        assert apps.get_model("registry", "Snapshot").objects.get().model.name == "M"
        assert ContentType.objects.get(pk=kept_type.pk).app_label == "determinations"
    finally:
        migrate(latest())


def test_the_audit_log_keeps_naming_moved_models_as_it_did():
    from governance.audit import audit_type
    from governance.determinations.models import Determination
    from governance.models import FrameworkVersion
    from governance.registry.models import Snapshot

    assert audit_type(Determination) == "governance.determination"
    assert audit_type(Snapshot) == "governance.snapshot"
    assert audit_type(FrameworkVersion) == "governance.frameworkversion"
