"""Who may upload logs and edit suites and eval systems (evals/rules.py): the rules the pages
ask agree with the roles the upload, suite and eval-system forms let write."""

import pytest
import rules
from django.urls import reverse

from evals.models import EvalSystem
from governance.audit import SYSTEM
from governance.choices import Role

pytestmark = pytest.mark.django_db

# (roles, staff, may write): safety staff only; an auditor never writes, nor do administrators
# (the forms' write roles do not let them through).
WHO = [
    ((Role.SAFETY_STAFF,), False, True),
    ((Role.SAFETY_STAFF, Role.AUDITOR), False, False),
    ((Role.AUDITOR,), False, False),
    ((Role.RSO,), False, False),
    ((Role.BOARD_DIRECTOR,), False, False),
    ((), True, False),
]


@pytest.mark.parametrize(("roles", "staff", "allowed"), WHO)
def test_the_rules_and_the_forms_agree(make_user, client, roles, staff, allowed):
    user = make_user(*roles, is_staff=staff)
    assert rules.test_rule("evals.upload", user) is allowed
    assert rules.test_rule("evals.edit", user) is allowed
    client.force_login(user)
    for form in ("evals:upload", "evals:suite-create", "evals:system-create"):
        status = client.get(reverse(form)).status_code
        assert (status == 200) is allowed, (form, status)


@pytest.mark.parametrize(("roles", "staff", "allowed"), WHO)
def test_the_pages_show_the_buttons_exactly_to_those_allowed(
    make_user, client, roles, staff, allowed
):
    from evals.services import eval_system_create

    system, _ = eval_system_create(
        actor=SYSTEM,
        name="CI",
        description="",
        all_models=True,
        all_suites=True,
        allowed_models=[],
        allowed_suites=[],
    )
    client.force_login(make_user(*roles, is_staff=staff))

    def shows(url, text):
        response = client.get(url)
        return response.status_code == 200 and text in response.content.decode()

    assert shows(reverse("evals:ingestion-list"), "Upload a log") is allowed
    assert shows(reverse("evals:suite-list"), "New suite") is allowed
    assert shows(reverse("evals:system-list"), "New eval system") is allowed
    assert shows(reverse("evals:system-detail", args=[system.pk]), "Rotate token") is allowed
    assert EvalSystem.objects.count() == 1
