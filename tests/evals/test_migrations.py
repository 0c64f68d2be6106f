"""Moving to "one evaluation, whoever posts it" keeps every stored ingestion: copies that
different posters made of one evaluation before are kept and pointed at the first."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("evals", "0001_initial")]
AFTER = [("evals", "0002_one_evaluation_whoever_posts")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_copies_by_other_posters_are_kept_and_marked_duplicates():
    apps = migrate(BEFORE)
    try:
        model = apps.get_model("governance", "AIModel").objects.create(name="M")
        snapshot = apps.get_model("governance", "Snapshot").objects.create(
            model=model, name="m-1", stage="post_trained", created_on="2026-01-01"
        )
        Ingestion = apps.get_model("evals", "Ingestion")
        rows = {}
        for n, (poster, sha, eval_id) in enumerate(
            [
                ("system:1", "a" * 64, "e1"),  # the first of evaluation e1
                ("system:2", "a" * 64, "e1"),  # the same bytes from another system
                ("people", "b" * 64, "e1"),  # e1 serialized again by people
                ("system:1", "c" * 64, None),  # another evaluation
            ]
        ):
            rows[n] = Ingestion.objects.create(
                id=uuid.uuid4(),
                status="done",
                poster=poster,
                format="inspect_json",
                file_name="log.json",
                file_path=f"ingestions/{n}",
                file_size=1,
                content_sha256=sha,
                natural_id=eval_id,
                model_name="m/m",
                task_names=[],
                snapshot=snapshot,
            )
            # Distinct times: the first posted is the one kept.
            Ingestion.objects.filter(pk=rows[n].pk).update(created_at=f"2026-01-0{n + 1}T00:00:00Z")
        apps = migrate(AFTER)
        Ingestion = apps.get_model("evals", "Ingestion")
        after = {n: Ingestion.objects.get(pk=row.pk) for n, row in rows.items()}
        assert Ingestion.objects.count() == 4  # nothing lost
        assert after[0].duplicate_of_id is None and after[3].duplicate_of_id is None
        assert after[1].duplicate_of_id == after[0].pk
        assert after[2].duplicate_of_id == after[0].pk
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_run_times_no_list_can_read_back_are_cleared_before_the_check():
    """A run stored with year 9999 at -14:00 broke every run list: the migration clears the
    time without reading it, then the database refuses such times."""
    before = [("evals", "0004_one_log_several_suites_lm_eval_samples")]
    apps = migrate(before)
    try:
        model = apps.get_model("governance", "AIModel").objects.create(name="M")
        snapshot = apps.get_model("governance", "Snapshot").objects.create(
            model=model, name="m-1", stage="post_trained", created_on="2026-01-01"
        )
        ingestion = apps.get_model("evals", "Ingestion").objects.create(
            id=uuid.uuid4(),
            poster="people",
            format="native",
            file_name="log.json",
            file_path="ingestions/x",
            file_size=1,
            content_sha256="a" * 64,
            model_name="m",
            snapshot=snapshot,
        )
        EvalRun = apps.get_model("evals", "EvalRun")
        run = EvalRun.objects.create(
            ingestion=ingestion, snapshot=snapshot, source_format="native", log_status="success"
        )
        with connection.cursor() as cursor:  # as PostgreSQL took it from the old code
            cursor.execute(
                f"UPDATE {EvalRun._meta.db_table} SET started_at = %s, completed_at = %s "
                "WHERE id = %s",
                ["9999-12-31T23:59:59-14:00", "2026-06-01T00:00:00Z", run.pk],
            )
        apps = migrate([("evals", "0005_log_times_readable")])
        EvalRun = apps.get_model("evals", "EvalRun")
        run = EvalRun.objects.get(pk=run.pk)  # readable again
        assert run.started_at is None and run.completed_at.year == 2026
        assert "started_at lay outside 1970-2100 and was cleared" in run.scoring_note
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
