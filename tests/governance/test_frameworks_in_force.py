import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from governance.audit import SYSTEM
from governance.choices import Role
from governance.models import AuditEvent, FrameworkAdoption, FrameworkVersion
from governance.selectors import framework_version_in_force
from governance.services import framework_version_adopt

pytestmark = pytest.mark.django_db


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_nothing_is_in_force_before_any_adoption(db):
    assert framework_version_in_force(at("2026-01-01T00:00")) is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2023-09-18T23:59:59", None),
        ("2023-09-19T00:00:00", "1.0"),
        ("2025-05-13T23:59:59", "1.0"),
        ("2025-05-14T00:00:00", "2.2"),
        ("2026-11-27T12:00:00", "2.2"),
    ],
)
def test_version_in_force_at_a_moment(frameworks, moment, expected):
    version = framework_version_in_force(at(moment))
    assert (version.version if version else None) == expected


def test_default_moment_is_now(frameworks):
    assert framework_version_in_force().version == "2.2"


# A person puts a version in force from now on: the tests below fix "now" before 2027.
BEFORE_2027 = at("2026-06-01T12:00")


def test_adoption_is_audited(frameworks, make_user, time_machine):
    time_machine.move_to(BEFORE_2027, tick=False)
    rso = make_user(Role.RSO)
    gdm = FrameworkVersion.objects.get(framework__slug="google-deepmind-fsf")
    adoption = framework_version_adopt(
        actor=rso, version=gdm, effective_from=at("2027-01-01T00:00"), note="Switch"
    )
    event = AuditEvent.objects.filter(action="framework_version.adopted").first()  # newest
    assert event.actor_user == rso
    assert event.after["adoption_id"] == adoption.pk
    assert framework_version_in_force(at("2027-01-02T00:00")) == gdm
    assert adoption.adopted_by == rso


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.RSO, True),
        (Role.CEO, False),
        (Role.SAFETY_STAFF, False),
        (Role.BOARD_DIRECTOR, False),
        (Role.AUDITOR, False),
    ],
)
def test_only_the_rso_adopts_a_version(frameworks, make_user, role, allowed, time_machine):
    time_machine.move_to(BEFORE_2027, tick=False)
    version = frameworks["2.2"]
    moment = at("2027-03-01T00:00")
    if allowed:
        framework_version_adopt(actor=make_user(role), version=version, effective_from=moment)
    else:
        with pytest.raises(PermissionDenied):
            framework_version_adopt(actor=make_user(role), version=version, effective_from=moment)
    assert FrameworkAdoption.objects.filter(effective_from=moment).exists() is allowed


def test_a_version_cannot_be_in_force_before_it_took_effect(frameworks):
    with pytest.raises(ValidationError) as refused:
        framework_version_adopt(
            actor=SYSTEM, version=frameworks["2.2"], effective_from=at("2024-01-01T00:00")
        )
    assert "effective_from" in refused.value.message_dict


def test_two_adoptions_cannot_start_at_the_same_moment(frameworks):
    with pytest.raises(ValidationError, match="already adopted from that exact moment"):
        framework_version_adopt(
            actor=SYSTEM, version=frameworks["2.2"], effective_from=at("2025-05-14T00:00")
        )


def test_adopt_framework_command(frameworks, capsys):
    call_command("adopt_framework", "openai-preparedness", "2", "--from", "2027-06-01")
    assert "in force from 2027-06-01" in capsys.readouterr().out
    assert framework_version_in_force(at("2027-06-02T00:00")).framework.slug == (
        "openai-preparedness"
    )
    with pytest.raises(CommandError, match="No version 9"):
        call_command("adopt_framework", "openai-preparedness", "9", "--from", "2027-06-01")
    with pytest.raises(CommandError, match="not a date"):
        call_command("adopt_framework", "openai-preparedness", "2", "--from", "soon")


def test_a_person_cannot_backdate_which_version_was_in_force(frameworks, make_user):
    gdm = FrameworkVersion.objects.get(framework__slug="google-deepmind-fsf")
    with pytest.raises(ValidationError, match="not in the past"):
        framework_version_adopt(
            actor=make_user(Role.RSO), version=gdm, effective_from=at("2025-03-01T00:00")
        )
    assert framework_version_in_force(at("2025-04-01T00:00")).version == "1.0"
