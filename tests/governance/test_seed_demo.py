import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from governance.audit import audit_chain_verify
from governance.choices import Role
from governance.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from governance.models import AuditEvent, AuditVerification
from governance.permissions import user_roles
from tests.conftest import sign_in_with_password

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


def test_seed_demo_creates_one_user_per_role_who_can_sign_in(client, debug_on, capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out
    users = get_user_model().objects.all()
    assert {role for user in users for role in user_roles(user)} == set(Role)
    for username, _, roles, _ in DEMO_USERS:
        assert username in output
        assert sign_in_with_password(client, username, DEMO_PASSWORD)
        client.logout()
        assert user_roles(users.get(username=username)) == set(roles)
    assert users.get(username="admin").is_staff
    assert DEMO_PASSWORD in output


def test_seed_demo_is_idempotent(debug_on):
    call_command("seed_demo")
    counts = (get_user_model().objects.count(), AuditEvent.objects.count())
    call_command("seed_demo")
    assert (get_user_model().objects.count(), AuditEvent.objects.count()) == counts
    assert audit_chain_verify().ok
    assert AuditVerification.objects.filter(ok=True).count() == 2


def test_seed_demo_audits_the_users_it_creates(debug_on):
    call_command("seed_demo")
    created = AuditEvent.objects.filter(action="user.created")
    assert created.count() == len(DEMO_USERS)
    assert {event.actor_label for event in created} == {"system"}


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert get_user_model().objects.count() == 0


def test_seed_demo_loads_frameworks_adopts_the_rsp_and_registers_sample_models(debug_on):
    from governance.models import FrameworkVersion
    from governance.registry.models import AIModel
    from governance.registry.selectors import snapshot_by_identifier
    from governance.selectors import framework_version_in_force

    call_command("seed_demo")
    assert FrameworkVersion.objects.count() == 4
    assert str(framework_version_in_force()) == "Anthropic Responsible Scaling Policy v2.2"
    assert set(AIModel.objects.values_list("name", flat=True)) == {"Frontier X", "Helper S"}
    assert snapshot_by_identifier("mockllm/model").model.name == "Helper S"


def test_seed_demo_drafts_last_quarters_rso_report(debug_on, client):
    from governance.board.models import QuarterlyReport

    call_command("seed_demo")
    report = QuarterlyReport.objects.get()
    assert report.state == "draft" and report.contents["summary"]
    assert sign_in_with_password(client, "rso", DEMO_PASSWORD)
    assert client.get(report.get_absolute_url()).status_code == 200
