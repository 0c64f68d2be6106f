import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from governance.choices import SnapshotStage
from governance.registry.models import AIModel, Snapshot, SnapshotIdentifier

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; `UserFactory(roles=["rso"])` puts them in the role groups."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(Group.objects.get_or_create(name=role)[0] for role in extracted))


class AIModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AIModel

    name = factory.Sequence(lambda n: f"Model {n}")
    family = "Frontier"
    developer = "Acme AI"


class SnapshotFactory(factory.django.DjangoModelFactory):
    """A snapshot; `SnapshotFactory(external_ids=["acme/x"])` adds identifiers."""

    class Meta:
        model = Snapshot
        skip_postgeneration_save = True

    model = factory.SubFactory(AIModelFactory)
    name = factory.Sequence(lambda n: f"snapshot-{n}")
    stage = SnapshotStage.POST_TRAINED
    training_compute_flop = 1e25
    created_on = dt.date(2026, 5, 1)

    @factory.post_generation
    def external_ids(self, create, extracted, **kwargs):
        for identifier in extracted or []:
            SnapshotIdentifier.objects.create(snapshot=self, identifier=identifier)


_evaluation_serial = itertools.count(1)


def stored_evaluation(
    snapshot: Snapshot,
    threshold,
    outcome: str,
    *,
    value: float | None = None,
    started_at: dt.datetime | None = None,
    aggregate: str = "fraction_of_tasks_passed",
    direction: str = "higher",
):
    """A threshold evaluation of `snapshot` as ingestion leaves it (its ingestion and run
    included), without a log to parse: for standings, charts and benchmarks."""
    from evals.choices import LogFormat, LogStatus
    from evals.models import EvalRun, Ingestion, ThresholdEvaluation

    n = next(_evaluation_serial)
    ingestion = Ingestion.objects.create(
        poster="test",
        format=LogFormat.NATIVE,
        file_name=f"log-{n}.json",
        file_path=f"logs/log-{n}.json",
        file_size=1,
        content_sha256=f"{n:064x}",
        model_name="test",
        snapshot=snapshot,
    )
    run = EvalRun.objects.create(
        ingestion=ingestion,
        snapshot=snapshot,
        source_format=LogFormat.NATIVE,
        log_status=LogStatus.SUCCESS,
        model_name="test",
        started_at=started_at,
    )
    return ThresholdEvaluation.objects.create(
        run=run,
        threshold=threshold,
        snapshot=snapshot,
        outcome=outcome,
        value=value,
        tasks_total=10,
        tasks_passed=round((value or 0) * 10),
        tasks_undetermined=0,
        aggregate=aggregate,
        direction=direction,
        warning_level=0.3,
        crossing_level=0.5,
        rule_source="threshold",
        reason="test",
    )
