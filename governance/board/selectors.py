"""Named reads of the board, shared by the pages, the API and the services: seats and who sits,
the conflicts register and recusal, motions and their tallies, meetings, policy changes and the
RSO's quarterly reports. Writes and transitions live in `services`."""

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, replace

import yaml
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from governance.board.models import (
    ConflictDeclaration,
    Director,
    Meeting,
    Motion,
    PolicyChange,
    QuarterlyReport,
    QuarterlyReportAcknowledgement,
    SeatMilestone,
    Vote,
)
from governance.board.policy_summary import DiffLine, PolicySummary, diff_lines, summarise
from governance.board.workflows.board import PROPOSAL, ConflictState, conflict_state
from governance.board.workflows.reports import DRAFT_READERS, ISSUED_READERS
from governance.choices import (
    MeetingState,
    MotionState,
    PolicyChangeState,
    QuarterlyReportState,
    Role,
    SeatType,
    VoteChoice,
)
from governance.dates import add_months
from governance.models import FrameworkVersion
from governance.permissions import can_read, has_role, is_read_only
from governance.selectors import (
    audit_events_for_target,
    framework_version_in_force,
    people_holding_role,
)
from governance.signatures import ROLE_OF_SLOT, TITLE_OF_SLOT

# --- Seats --------------------------------------------------------------------------------


def directors_list(*, newest_first: bool = False) -> QuerySet[Director]:
    """Board seats with their holders, by the start of their term (the latest first for the
    board's page)."""
    order = ("-term_start", "-id") if newest_first else ("term_start", "id")
    return Director.objects.select_related("user").order_by(*order)


def _seats_on(on: dt.date) -> QuerySet[Director]:
    return Director.objects.filter(term_start__lte=on).filter(
        Q(term_end__isnull=True) | Q(term_end__gte=on)
    )


def directors_sitting(on: dt.date | None = None) -> list:
    """The people holding a board seat on `on` (today by default) who still hold the role."""
    seats = _seats_on(on or timezone.localdate())
    return people_holding_role(Role.BOARD_DIRECTOR, seats.values("user_id"))


def board_chair(on: dt.date | None = None):
    """The director in the chair on `on` (today by default), or None if no sitting director
    holds it."""
    seat = _seats_on(on or timezone.localdate()).filter(chair=True).select_related("user").first()
    if seat is None or seat.user.pk not in {person.pk for person in directors_sitting(on)}:
        return None
    return seat.user


@dataclass(frozen=True)
class SeatShare:
    directors: int
    trust_elected: int
    milestones: list[tuple]  # (milestone, met, overdue)

    @property
    def percent(self) -> int:
        return round(100 * self.trust_elected / self.directors) if self.directors else 0


def trust_seat_share(on: dt.date | None = None) -> SeatShare:
    """The Trust-elected share of the sitting board, against the phase-in milestones."""
    on = on or timezone.localdate()
    sitting = {person.pk for person in directors_sitting(on)}
    trust_seats = _seats_on(on).filter(user_id__in=sitting, seat_type=SeatType.TRUST)
    trust = len(set(trust_seats.values_list("user_id", flat=True)))
    rows = []
    for milestone in SeatMilestone.objects.all():
        met = (milestone.trust_seats is None or trust >= milestone.trust_seats) and (
            not milestone.majority or 2 * trust > len(sitting)
        )
        rows.append((milestone, met, not met and bool(milestone.due_on) and milestone.due_on < on))
    return SeatShare(directors=len(sitting), trust_elected=trust, milestones=rows)


# --- Conflicts of interest ----------------------------------------------------------------


def organisation_key(name: str) -> str:
    """How organisation names are compared: whitespace collapsed, case folded."""
    return " ".join(str(name).split()).casefold()


def conflict_declarations_list(*, by_name: bool = False) -> QuerySet[ConflictDeclaration]:
    """The conflicts register with each declarer: by declarer id, organisation and id (the
    API's order), or by declarer username and organisation (the register page's)."""
    by = "user__username" if by_name else "user_id"
    return ConflictDeclaration.objects.select_related("user").order_by(by, "organisation", "id")


def _declarations_in_force(on: dt.date) -> QuerySet[ConflictDeclaration]:
    return ConflictDeclaration.objects.filter(starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def conflicted(people: Iterable, organisations: Iterable[str], on: dt.date | None = None) -> set:
    """The ids of `people` with a declaration in force on `on` naming one of `organisations`."""
    wanted = {organisation_key(name) for name in organisations}
    if not wanted:
        return set()
    declarations = _declarations_in_force(on or timezone.localdate()).filter(user__in=list(people))
    return {
        user_id
        for user_id, name in declarations.values_list("user_id", "organisation")
        if organisation_key(name) in wanted
    }


def conflict_last_reviewed(declaration: ConflictDeclaration) -> dt.date:
    """The last review, or the day it was declared (declarations made before reviews were
    recorded carry none)."""
    return declaration.reviewed_on or timezone.localdate(declaration.created_at)


def conflict_review_due_on(declaration: ConflictDeclaration) -> dt.date:
    # 29 February: the review falls due on the 28th.
    return add_months(conflict_last_reviewed(declaration), 12)


def conflict_is_current(declaration: ConflictDeclaration, today: dt.date | None = None) -> bool:
    """In force on `today` (the declaration's state, `workflows.board.conflict_state`)."""
    return conflict_state(declaration, today) == ConflictState.CURRENT


def conflict_review_is_due(declaration: ConflictDeclaration, today: dt.date | None = None) -> bool:
    """A declaration still in force whose yearly review date has come."""
    today = today or timezone.localdate()
    return conflict_is_current(declaration, today) and conflict_review_due_on(declaration) <= today


# --- Motions and votes --------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    eligible: int
    yes: int
    no: int
    abstain: int

    @classmethod
    def of(cls, choices: list[str], *, eligible: int) -> "Tally":
        return cls(
            eligible=eligible,
            yes=choices.count(VoteChoice.YES),
            no=choices.count(VoteChoice.NO),
            abstain=choices.count(VoteChoice.ABSTAIN),
        )

    @property
    def participants(self) -> int:
        return self.yes + self.no + self.abstain

    def as_dict(self) -> dict[str, int]:
        return {
            "eligible": self.eligible,
            "yes": self.yes,
            "no": self.no,
            "abstain": self.abstain,
        }


def motions_list() -> QuerySet[Motion]:
    """Motions, newest first, with who opened them and the directors sitting and recused."""
    return (
        Motion.objects.select_related("opened_by")
        .prefetch_related("sitting", "recused")
        .order_by("-opened_at", "-id")
    )


def motion_detail() -> QuerySet[Motion]:
    """Motions as `motions_list`, with their policy change, meeting, and votes with their
    directors: for a motion's page and the API's detail."""
    return (
        motions_list()
        .select_related("policy_change", "meeting")
        .prefetch_related(Prefetch("votes", queryset=Vote.objects.select_related("director")))
    )


def motion_decision_detail() -> QuerySet[Motion]:
    """Motions as `motion_detail`, with what a director weighs when the motion is a policy
    change's: its framework version, and its Trust consultation with each trustee's advice
    (through the reverse accessor: the board does not import the Trust's app)."""
    return (
        motion_detail()
        .select_related(
            "policy_change__version__framework",
            "policy_change__consultation__advised_by",
            "policy_change__consultation__closed_by",
        )
        .prefetch_related("policy_change__consultation__advice__trustee")
    )


def motions_open() -> QuerySet[Motion]:
    """Open motions, newest first, with their policy change and how many votes are cast."""
    return (
        Motion.objects.select_related("policy_change")
        .filter(state=MotionState.OPEN)
        .annotate(vote_count=Count("votes"))
        .order_by("-opened_at")
    )


def motions_closed() -> QuerySet[Motion]:
    """Closed motions, newest first, with their policy change."""
    return (
        Motion.objects.select_related("policy_change")
        .filter(state=MotionState.CLOSED)
        .order_by("-opened_at")
    )


def motion_count(motion: Motion) -> Tally:
    """The tally so far. Directors recused at opening, or since by a new declaration without
    having voted, are not eligible and so do not count towards the quorum."""
    sitting = list(motion.sitting.all())
    voted = set(motion.votes.values_list("director_id", flat=True))
    recused = set(motion.recused.values_list("pk", flat=True))
    recused |= conflicted([p for p in sitting if p.pk not in voted], motion.organisations)
    return Tally.of(
        list(motion.votes.values_list("choice", flat=True)),
        eligible=len([p for p in sitting if p.pk not in recused]),
    )


def motions_awaiting_vote(user, motions: QuerySet[Motion] | None = None) -> QuerySet[Motion]:
    """The open motions among `motions` (all, newest first, by default) that `user` may still
    vote on, as one query: the declaration's "motion.vote" (sitting when it opened, not recused
    then or since, not yet voted), for lists."""
    motions = Motion.objects.order_by("-opened_at") if motions is None else motions
    if is_read_only(user) or not has_role(user, Role.BOARD_DIRECTOR):
        return motions.none()
    candidates = (
        motions.filter(state=MotionState.OPEN, sitting=user)
        .exclude(recused=user)
        .exclude(votes__director=user)
    )
    declared = {
        organisation_key(name)
        for name in _declarations_in_force(timezone.localdate())
        .filter(user=user)
        .values_list("organisation", flat=True)
    }
    if not declared:
        return candidates
    recused_since = [
        pk
        for pk, names in candidates.values_list("pk", "organisations")
        if declared & {organisation_key(name) for name in names}
    ]
    return candidates.exclude(pk__in=recused_since)


# --- Meetings -----------------------------------------------------------------------------


def meetings_list(*, state: str | None = None) -> QuerySet[Meeting]:
    """Meetings, latest first, with who convened them and how many directors attended and
    motions were put (in `state` only, if given)."""
    meetings = (
        Meeting.objects.select_related("convened_by")
        .annotate(
            attendee_count=Count("attendees", distinct=True),
            motion_count=Count("motions", distinct=True),
        )
        .order_by("-scheduled_for", "-id")
    )
    return meetings.filter(state=state) if state else meetings


def meetings_with_attendees() -> QuerySet[Meeting]:
    """Meetings, latest first, with who convened, recorded or cancelled them and the directors
    present."""
    return (
        Meeting.objects.select_related("convened_by", "recorded_by", "cancelled_by")
        .prefetch_related("attendees")
        .order_by("-scheduled_for", "-id")
    )


def meeting_detail() -> QuerySet[Meeting]:
    """Meetings as `meetings_with_attendees`, with the motions put at each in the order they
    were opened: for a meeting's page and the API's detail."""
    return meetings_with_attendees().prefetch_related(
        Prefetch(
            "motions",
            queryset=Motion.objects.select_related("opened_by").order_by("opened_at", "id"),
        )
    )


def meetings_upcoming() -> QuerySet[Meeting]:
    """Meetings still scheduled, soonest first (also those whose time has passed unrecorded)."""
    return Meeting.objects.filter(state=MeetingState.SCHEDULED).order_by("scheduled_for", "id")


def meetings_past() -> QuerySet[Meeting]:
    """Meetings held or cancelled, latest first."""
    return Meeting.objects.exclude(state=MeetingState.SCHEDULED).order_by("-scheduled_for", "-id")


# --- Policy changes -----------------------------------------------------------------------


def policy_changes_list(*, state: str | None = None) -> QuerySet[PolicyChange]:
    """Policy changes, newest first, with their framework version, author and signers (in
    `state` only, if given)."""
    changes = PolicyChange.objects.select_related(
        "version__framework", "created_by", "proposal_rso", "proposal_ceo"
    ).order_by("-created_at", "-id")
    return changes.filter(state=state) if state else changes


def policy_change_detail() -> QuerySet[PolicyChange]:
    """Policy changes as `policy_changes_list`, with their motions newest first: for a
    change's page."""
    return policy_changes_list().prefetch_related("motions")


def policy_changes_with_motions() -> QuerySet[PolicyChange]:
    """Policy changes as `policy_changes_list`, with the Trust consultation and the motions in
    the order they were opened: for the API's list and detail."""
    return (
        policy_changes_list()
        .select_related("consultation")
        .prefetch_related(Prefetch("motions", queryset=Motion.objects.order_by("opened_at")))
    )


def policy_change_diff(change: PolicyChange, against: FrameworkVersion | None = None) -> str:
    """A unified diff of the proposed version's file content against the version in force."""
    against = against or framework_version_in_force()

    def lines(version):
        if version is None:
            return []
        # Keys sorted: PostgreSQL's jsonb keeps no key order, so a document read back and one
        # still in memory would otherwise differ line by line where nothing changed.
        text = yaml.safe_dump(version.document, sort_keys=True, allow_unicode=True, width=100)
        return text.splitlines(keepends=True)

    return "".join(
        difflib.unified_diff(
            lines(against),
            lines(change.version),
            fromfile=str(against) if against else "(no version in force)",
            tofile=str(change.version),
        )
    )


def policy_change_baseline(change: PolicyChange) -> FrameworkVersion | None:
    """The version a change is read against: the one in force now, or, for a change already in
    effect, the one it replaced (against itself it would show no change at all)."""
    if change.state == PolicyChangeState.EFFECTIVE:
        return framework_version_in_force(change.effective_from - dt.timedelta(microseconds=1))
    return framework_version_in_force()


@dataclass(frozen=True)
class PolicyChangeReading:
    """What a change does, for the people deciding on it: the version it is read against, the
    summary in words and the full diff line by line."""

    baseline: FrameworkVersion | None
    summary: PolicySummary
    diff: list[DiffLine]

    @property
    def diff_counts(self) -> tuple[int, int]:
        """Lines added and removed."""
        kinds = [line.kind for line in self.diff]
        return kinds.count("add"), kinds.count("del")


def policy_change_reading(change: PolicyChange) -> PolicyChangeReading:
    """The summary and the diff of `change` against `policy_change_baseline`."""
    baseline = policy_change_baseline(change)
    summary = summarise(baseline.document if baseline else None, change.version.document)
    if summary.available:
        summary = replace(
            summary,
            old_label=str(baseline) if baseline else "no version in force",
            new_label=str(change.version),
        )
    return PolicyChangeReading(
        baseline=baseline,
        summary=summary,
        diff=diff_lines(policy_change_diff(change, against=baseline)),
    )


@dataclass(frozen=True)
class ProposalSignature:
    """One of the two signatures on a change's proposal: whose role, who gave it and when."""

    slot: str
    role: str  # "RSO", "CEO"
    signer: object | None
    signed_at: dt.datetime | None

    @property
    def given(self) -> bool:
        return self.signer is not None


@dataclass(frozen=True)
class ProposalSigning:
    """The proposal's signatures as `viewer` sees them: both slots, the viewer's own signature
    if given, whose signature is still awaited ("the CEO"), and the role the viewer would sign
    in (blank when they cannot sign)."""

    signatures: tuple[ProposalSignature, ...]
    mine: ProposalSignature | None
    awaited_slots: tuple[str, ...]
    my_role: str

    @property
    def awaited(self) -> str:
        """Whose signatures are still needed: "the CEO", "the RSO and the CEO", or ""."""
        return " and ".join(TITLE_OF_SLOT[slot] for slot in self.awaited_slots)


def proposal_signing(change: PolicyChange, viewer) -> ProposalSigning:
    """The two-key state of `change`'s proposal. When each was given is read from the audit
    log's "policy_change.signed" events (the proposal keeps who signed, not when)."""
    signed_at: dict[str, dt.datetime] = {}
    events = audit_events_for_target(change).filter(action="policy_change.signed")
    for after, actor_id, at in events.values_list("after", "actor_user_id", "created_at"):
        slot = after.get("signature") if isinstance(after, dict) else None
        if slot in ROLE_OF_SLOT and actor_id == PROPOSAL.signer_id(change, slot):
            signed_at[slot] = at  # in sequence order: the latest signature counts
    signatures = tuple(
        ProposalSignature(
            slot=slot,
            role=TITLE_OF_SLOT[slot].removeprefix("the "),
            signer=getattr(change, f"proposal_{slot}"),
            signed_at=signed_at.get(slot),
        )
        for slot in ROLE_OF_SLOT
    )
    viewer_id = getattr(viewer, "pk", None)
    mine = next(
        (s for s in signatures if s.given and PROPOSAL.signer_id(change, s.slot) == viewer_id),
        None,
    )
    my_slot = PROPOSAL.slot_for(viewer, change) if viewer_id is not None else None
    return ProposalSigning(
        signatures=signatures,
        mine=mine,
        awaited_slots=tuple(PROPOSAL.missing_slots(change)),
        my_role=TITLE_OF_SLOT[my_slot].removeprefix("the ") if my_slot else "",
    )


# --- Quarterly reports --------------------------------------------------------------------


def quarterly_reports_for(user) -> QuerySet[QuarterlyReport]:
    """The reports `user` may read, newest first, with who issued each and how many received
    and acknowledged it: drafts only for the RSO, the CEO, auditors and admins."""
    reports = (
        QuarterlyReport.objects.annotate(
            recipient_count=Count("recipients", distinct=True),
            acknowledgement_count=Count("acknowledgements", distinct=True),
        )
        .select_related("issued_by")
        .order_by("-year", "-quarter")
    )
    if can_read(user, DRAFT_READERS):
        return reports
    if can_read(user, ISSUED_READERS):
        return reports.filter(state=QuarterlyReportState.ISSUED)
    return reports.none()


def quarterly_report_detail_for(user) -> QuerySet[QuarterlyReport]:
    """The reports `user` may read, as `quarterly_reports_for`, with their recipients and
    acknowledgements: for the API's detail."""
    return quarterly_reports_for(user).prefetch_related("recipients", "acknowledgements__user")


def quarterly_reports_with_authors() -> QuerySet[QuarterlyReport]:
    """Every report with who drafted and issued it, for a report's page and its PDF, which
    check who may read it themselves (a draft is refused, not hidden)."""
    return QuarterlyReport.objects.select_related("issued_by", "created_by")


def quarterly_reports_awaiting_acknowledgement(user) -> QuerySet[QuarterlyReport]:
    """Issued reports sent to `user` that they have not acknowledged."""
    return QuarterlyReport.objects.filter(
        state=QuarterlyReportState.ISSUED, recipients=user
    ).exclude(acknowledgements__user=user)


def quarterly_report_acknowledgements(
    report: QuarterlyReport,
) -> QuerySet[QuarterlyReportAcknowledgement]:
    """The report's acknowledgements in the order they were made, with who made them."""
    return report.acknowledgements.select_related("user")


def quarterly_report_recipients(report: QuarterlyReport) -> QuerySet:
    """The people the report was sent to, by last name and username."""
    return report.recipients.order_by("last_name", "username")
