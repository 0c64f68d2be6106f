"""The noncompliance report: who handles it, and what each state awaits.

received (filed by any staff member, anonymously if they choose) -> investigating (the handler
takes it up) -> substantiated or unsubstantiated (the handler concludes). The handler is the RSO,
or, when the report concerns the RSO, the board chair (every director when no chair is recorded),
never an RSO who also sits on the board, and never the person who filed it.
"""

import rules

from governance.choices import NoncomplianceState as S
from governance.choices import Role
from governance.oversight.models import NoncomplianceReport
from governance.permissions import has_role, is_read_only
from governance.rules import is_person, role_labels
from governance.selectors import users_with_roles
from governance.workflow import Check, Transition, Wait, Workflow, declare


def _is_now(report) -> str:
    return f"the report is {report.get_state_display().lower()}"


def board_handlers() -> list:
    """Who receives a report that concerns the RSO: the board chair, or every director when
    no chair is recorded; never an RSO who also sits on the board."""
    from governance.board.services.board import board_chair

    chair = board_chair()
    if chair is not None and not has_role(chair, Role.RSO):
        return [chair]
    return [
        person for person in users_with_roles(Role.BOARD_DIRECTOR) if not has_role(person, Role.RSO)
    ]


def handler_roles(report: NoncomplianceReport) -> tuple[str, ...]:
    """Who handles the report: the board when it concerns the RSO, otherwise the RSO."""
    return (Role.BOARD_DIRECTOR,) if report.concerns_rso else (Role.RSO,)


def routed_to(report: NoncomplianceReport) -> list:
    """Whom a filed report goes to: the board's handlers when it concerns the RSO, else the RSO."""
    return board_handlers() if report.concerns_rso else users_with_roles(Role.RSO)


def handlers(report: NoncomplianceReport) -> list:
    """The people who may take the report up: those it goes to, less whoever filed it."""
    return sorted(
        (person for person in routed_to(report) if person.pk != report.reporter_id),
        key=lambda person: person.username,
    )


@rules.predicate
def may_read_report(user, report) -> bool:
    """Its handlers, auditors, and its named reporter read a report (the queryset form is
    `selectors.noncompliance_reports_readable_by`)."""
    if report.reporter_id is not None and report.reporter_id == getattr(user, "pk", None):
        return True
    if has_role(user, Role.AUDITOR):
        return True
    if report.concerns_rso and has_role(user, Role.RSO):
        return False  # an RSO who is also a director never reads reports about the RSO
    return has_role(user, *handler_roles(report))


@rules.predicate
def holds_handler_role(user, report) -> bool:
    return is_person(user) and not is_read_only(user) and has_role(user, *handler_roles(report))


@rules.predicate
def is_reporter(user, report) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and report.reporter_id == pk


@rules.predicate
def is_rso_about_the_rso(user, report) -> bool:
    """An RSO (who may also be a director) facing a report that concerns the RSO."""
    return bool(report.concerns_rso) and has_role(user, Role.RSO)


@rules.predicate
def is_board_handler(user, report) -> bool:
    """For a report that concerns the RSO: the chair, or any director when there is none."""
    if not report.concerns_rso:
        return True
    pk = getattr(user, "pk", None)
    return pk is not None and pk in {person.pk for person in board_handlers()}


def _handling(what: str) -> tuple[Check, ...]:
    """The who-may checks of a handler's step, in the order the handler is told them."""
    return (
        Check(
            holds_handler_role,
            lambda report: f"Only {role_labels(*handler_roles(report))} may {what}.",
        ),
        Check(~is_reporter, "You filed this report, so someone else handles it."),
        Check(
            ~is_rso_about_the_rso, "The report concerns the RSO, so another director handles it."
        ),
        Check(is_board_handler, "The board chair handles reports that concern the RSO."),
    )


NONCOMPLIANCE = declare(
    Workflow(
        name="noncompliance",
        noun="noncompliance report",
        # A report about the RSO stays from the webhooks the RSO manages.
        webhooks=lambda report: not report.concerns_rso,
        states=S,
        transitions=(
            Transition(
                name="investigate",
                label="Start the investigation",
                doing="taken up for investigation",
                sources=(S.RECEIVED,),
                target=S.INVESTIGATING,
                who=_handling("investigate this report"),
                audit="noncompliance.investigating",
            ),
            Transition(
                name="conclude",
                label="Conclude",
                doing="concluded",
                sources=(S.INVESTIGATING,),
                # Substantiated or unsubstantiated, as the handler finds.
                target=None,
                who=_handling("conclude this report"),
                audit="noncompliance.concluded",
                notifies="when material, every board director",
                recipients=lambda report: (
                    users_with_roles(Role.BOARD_DIRECTOR) if report.material else []
                ),
            ),
        ),
        waits=(
            Wait(
                S.RECEIVED,
                lambda report: (
                    f"an investigation by {'the board' if report.concerns_rso else 'the RSO'}"
                ),
                who=handlers,
            ),
            Wait(
                S.INVESTIGATING,
                "the findings of the investigation",
                who=lambda report: [report.handler] if report.handler_id else handlers(report),
            ),
        ),
        refusals={
            "investigate": lambda report: f"Cannot start the investigation: {_is_now(report)}.",
            "conclude": lambda report: f"Cannot conclude: {_is_now(report)}.",
        },
    ),
    NoncomplianceReport,
)

# Any signed-in person files a report (the service enforces it, the list page reads the rule);
# filing notifies `routed_to`.
MAY_FILE = Check(is_person, "Only a signed-in staff member may file a report.")
rules.set_rule("noncompliance.file", is_person)
# Reading is no step: the detail page and the API ask this rule.
rules.set_rule("noncompliance.read", may_read_report)
