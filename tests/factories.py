import datetime as dt

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
