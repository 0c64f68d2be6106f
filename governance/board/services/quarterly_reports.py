"""The RSO's quarterly report to the board and the Trust [RSP: the RSO reports quarterly,
noting deficiencies].

The report is generated from the records, never typed: determinations, escalations and how
they were handled, what is overdue, restrictions, the status of safeguards, a summary of
noncompliance reports and policy changes. The RSO adds commentary and the deficiencies they
note, and issues it; issuing freezes the contents with their SHA-256 and sends it to the
sitting directors and trustees, each of whom acknowledges it.

Noncompliance reports that concern the RSO are handled by the board; the RSO's report neither
counts nor describes them. Which reports a person may read, and which await their
acknowledgement, are reads in `selectors`."""

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from governance import evidence
from governance.audit import (
    SYSTEM,
    Actor,
    AuditActor,
    audit_record,
    canonical_json,
    canonical_value,
)
from governance.board.models import PolicyChange, QuarterlyReport, QuarterlyReportAcknowledgement
from governance.board.workflows.reports import MAY_DRAFT, QUARTERLY_REPORT, due_escalation
from governance.choices import (
    DeterminationState,
    EscalationKind,
    EscalationLevel,
    NoncomplianceState,
    PolicyChangeState,
    QuarterlyReportState,
    RestrictionState,
    Role,
    SafeguardsReportState,
)
from governance.dates import previous_quarter, quarter_bounds, quarter_of
from governance.determinations.models import Determination, Finding, SafeguardsReport
from governance.errors import TransitionNotAllowed
from governance.models import FrameworkAdoption
from governance.oversight.models import Escalation, NoncomplianceReport, Restriction
from governance.oversight.services.escalations import escalation_resolve
from governance.registry.models import AIModel
from governance.rules import is_system
from governance.selectors import framework_version_in_force
from governance.services.notifications import notify, users_with_roles

# A safeguards report that lapses within this many days is flagged in the report.
SAFEGUARDS_EXPIRING_DAYS = 60
MAX_DEFICIENCIES = 50
OPEN_DETERMINATION_STATES = (
    DeterminationState.DRAFT,
    DeterminationState.IN_REVIEW,
    DeterminationState.REVIEWED,
)
ACTIVE_POLICY_CHANGE_STATES = (
    PolicyChangeState.PROPOSED,
    PolicyChangeState.CONSULTATION,
    PolicyChangeState.BOARD_VOTE,
    PolicyChangeState.APPROVED,
    PolicyChangeState.PUBLISHED,
)


# The contents
#
# Everything that existed during the quarter is in it: what opened in it, what was still open
# at its start, and what closed in it, even when it has closed since. States and closing dates
# are as they stand when the report is generated; "overdue" and "lapsed" are judged at the
# quarter's end (or now, for a report on the current quarter).


def _when(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def _day(moment: dt.datetime | dt.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date()
    return moment.isoformat()


def _in(field: str, start: dt.datetime, end: dt.datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _during(begun: str, ended: str, start: dt.datetime, end: dt.datetime) -> Q:
    """Begun before the quarter's end, and not ended before its start."""
    return Q(**{f"{begun}__lt": end}) & (
        Q(**{f"{ended}__isnull": True}) | Q(**{f"{ended}__gte": start})
    )


def _hours_between(first: dt.datetime | None, then: dt.datetime | None) -> float | None:
    if first is None or then is None:
        return None
    return round((then - first).total_seconds() / 3600, 1)


def _determinations(start, end) -> list[dict[str, Any]]:
    rows = (
        Determination.objects.filter(_during("created_at", "decided_at", start, end))
        .select_related("model", "required_level")
        .annotate(
            acknowledger_count=Count("acknowledgers", distinct=True),
            acknowledged_count=Count("acknowledgements", distinct=True),
        )
        .order_by(F("decided_at").asc(nulls_last=True), "created_at", "pk")
    )
    rows = list(rows)
    findings: dict[int, Counter] = defaultdict(Counter)
    for determination_id, outcome in Finding.objects.filter(
        determination_id__in=[row.pk for row in rows]
    ).values_list("determination_id", "outcome"):
        findings[determination_id][outcome] += 1
    return [
        {
            "id": row.pk,
            "title": row.title,
            "model": row.model.name,
            "state": row.get_state_display(),
            "required_level": row.required_level.code if row.required_level else None,
            "precautionary": row.precautionary,
            "provisional": row.provisional,
            "decided_at": _when(row.decided_at),
            "decided_in_quarter": row.decided_at is not None and start <= row.decided_at < end,
            "acknowledged": f"{row.acknowledged_count} of {row.acknowledger_count}",
            "findings": dict(sorted(findings[row.pk].items())),
        }
        for row in rows
    ]


def _escalations(start, end, as_of) -> dict[str, Any]:
    rows = (
        Escalation.objects.filter(_during("opened_at", "closed_at", start, end))
        .exclude(kind=EscalationKind.RSO_REPORT_DUE)
        .select_related("model")
        .order_by("opened_at", "pk")
    )
    items = []
    counts = Counter()
    for row in rows:
        counts["opened"] += start <= row.opened_at < end
        counts["closed"] += row.closed_at is not None and start <= row.closed_at < end
        open_at_end = row.closed_at is None or row.closed_at >= as_of
        counts["open_at_end"] += open_at_end
        overdue = open_at_end and row.due_at < as_of
        counts["overdue"] += overdue
        items.append(
            {
                "id": row.pk,
                "title": row.title,
                "kind": row.get_kind_display(),
                "severity": row.get_severity_display(),
                "model": row.model.name if row.model else None,
                "state": row.get_state_display(),
                "level": EscalationLevel(row.level).label,
                "opened_at": _when(row.opened_at),
                "hours_to_acknowledge": _hours_between(row.opened_at, row.acknowledged_at),
                "due_at": _when(row.due_at),
                "closed_at": _when(row.closed_at),
                "resolution": row.resolution_note,
                "overdue": overdue,
            }
        )
    return {"counts": dict(sorted(counts.items())), "items": items}


def _safeguards(as_of) -> list[dict[str, Any]]:
    """Per model and standard, at the quarter's end: the latest approved report and whether it
    was still in force, and whether a renewal was under way."""
    rows = (
        SafeguardsReport.objects.exclude(state=SafeguardsReportState.WITHDRAWN)
        .filter(created_at__lt=as_of)
        .select_related("model", "standard")
    )
    latest: dict[tuple[int, int], SafeguardsReport] = {}
    pending: set[tuple[int, int]] = set()
    for row in rows:
        key = (row.model_id, row.standard_id)
        approved = row.approved_at is not None and row.approved_at < as_of
        if approved:
            current = latest.get(key)
            if (
                current is None
                or current.approved_at is None
                or (row.valid_until or as_of) > (current.valid_until or as_of)
            ):
                latest[key] = row
        else:
            pending.add(key)
            latest.setdefault(key, row)
    items = []
    for key, row in sorted(
        latest.items(), key=lambda item: (item[1].model.name, item[1].standard.code)
    ):
        if row.approved_at is None or row.approved_at >= as_of:
            status = "Never approved"
        elif row.valid_until is not None and row.valid_until <= as_of:
            status = "Lapsed"
        elif row.valid_until is not None and row.valid_until <= as_of + dt.timedelta(
            days=SAFEGUARDS_EXPIRING_DAYS
        ):
            status = "Expiring soon"
        else:
            status = "In force"
        items.append(
            {
                "id": row.pk,
                "model": row.model.name,
                "standard": row.standard.code,
                "status": status,
                "approved_at": _when(row.approved_at) if status != "Never approved" else None,
                "valid_until": _when(row.valid_until) if status != "Never approved" else None,
                "renewal_in_progress": key in pending and status != "Never approved",
            }
        )
    return items


def _restrictions(start, end) -> list[dict[str, Any]]:
    live = Q(
        state__in=(RestrictionState.PROPOSED, RestrictionState.ACTIVE, RestrictionState.WAIVED)
    )
    rows = (
        Restriction.objects.filter(created_at__lt=end)
        .filter(live | _in("created_at", start, end) | Q(lifted_at__gte=start))
        .select_related("model", "waiver_rso", "waiver_ceo")
        .order_by("created_at", "pk")
    )
    return [
        {
            "id": row.pk,
            "model": row.model.name,
            "kind": row.get_kind_display(),
            "state": row.get_state_display(),
            "reason": row.reason,
            "activated_at": _when(row.activated_at),
            "lifted_at": _when(row.lifted_at),
            # The board and the Trust see every decision to proceed under interim measures.
            "interim_measures": (
                f"{row.waiver_measures} (until {_when(row.waiver_until)}; signed by "
                f"{row.waiver_rso} and {row.waiver_ceo} on {_when(row.waived_at)})"
                if row.waived_at
                else None
            ),
        }
        for row in rows
    ]


def _noncompliance(start, end, as_of) -> dict[str, Any]:
    # Reports that concern the RSO are the board's: the RSO's report neither counts nor
    # describes them, so a draft cannot tell the RSO that one was filed.
    rows = (
        NoncomplianceReport.objects.filter(concerns_rso=False)
        .filter(_during("filed_at", "concluded_at", start, end))
        .order_by("filed_at", "pk")
    )
    counts = Counter()
    items = []
    for row in rows:
        filed_in_quarter = start <= row.filed_at < end
        counts["filed"] += filed_in_quarter
        counts["anonymous"] += filed_in_quarter and row.anonymous
        concluded = row.concluded_at is not None and start <= row.concluded_at < end
        counts["substantiated"] += concluded and row.state == NoncomplianceState.SUBSTANTIATED
        counts["unsubstantiated"] += concluded and row.state == NoncomplianceState.UNSUBSTANTIATED
        counts["material"] += concluded and row.material
        counts["open_at_end"] += row.concluded_at is None or row.concluded_at >= as_of
        items.append(
            {
                "id": row.pk,
                "summary": row.summary,
                "state": row.get_state_display(),
                # The day only: an exact time could be matched against a reporter's activity.
                "filed_on": _day(row.filed_at),
                "concluded_on": _day(row.concluded_at),
                "material": row.material,
                "corrective_action": row.corrective_action,
            }
        )
    return {"counts": dict(sorted(counts.items())), "items": items}


def _policy_changes(start, end) -> dict[str, Any]:
    activity = Q()
    for field in (
        "created_at",
        "proposed_at",
        "consultation_opened_at",
        "consultation_closed_at",
        "decided_at",
        "published_at",
        "effective_from",
    ):
        activity |= _in(field, start, end)
    # Under way at some time in the quarter: begun before its end, not finished before its start.
    unfinished = Q(state__in=ACTIVE_POLICY_CHANGE_STATES) | Q(decided_at__gte=start)
    rows = (
        PolicyChange.objects.filter(created_at__lt=end)
        .filter(activity | unfinished)
        .select_related("version__framework")
        .order_by("created_at", "pk")
    )
    adoptions = (
        FrameworkAdoption.objects.filter(_in("effective_from", start, end))
        .select_related("version__framework")
        .order_by("effective_from")
    )
    return {
        "changes": [
            {
                "id": row.pk,
                "title": row.title,
                "version": str(row.version),
                "state": row.get_state_display(),
                "proposed_at": _when(row.proposed_at),
                "consultation_closed_at": _when(row.consultation_closed_at),
                "decided_at": _when(row.decided_at),
                "published_at": _when(row.published_at),
                "effective_from": _when(row.effective_from),
            }
            for row in rows
        ],
        "adoptions": [
            {"version": str(row.version), "effective_from": _when(row.effective_from)}
            for row in adoptions
        ],
    }


def _trajectories(as_of: dt.datetime) -> list[dict[str, Any]]:
    """Each evaluated model's trajectory on each threshold with a numeric rule, with the
    evidence recorded by `as_of` and its forecast: the report keeps the charts as they stood."""
    models = list(
        AIModel.objects.filter(snapshots__evaluations__created_at__lte=as_of)
        .distinct()
        .order_by("name", "pk")
    )
    by_model = evidence.trajectories(models, until=as_of)
    return [item for model in models for item in by_model.get(model.pk, []) if item["points"]]


def quarterly_report_contents(
    start: dt.datetime, end: dt.datetime, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the report states, as JSON, read from the records as they stand `now`."""
    now = now or timezone.now()
    as_of = min(now, end)
    in_force = framework_version_in_force(as_of)
    escalations = _escalations(start, end, as_of)
    safeguards = _safeguards(as_of)
    overdue = [
        {"what": "Escalation", "id": item["id"], "title": item["title"], "due": item["due_at"]}
        for item in escalations["items"]
        if item["overdue"]
    ] + [
        {
            "what": "Safeguards report",
            "id": item["id"],
            "title": f"{item['standard']} for {item['model']}",
            "due": item["valid_until"],
        }
        for item in safeguards
        if item["status"] == "Lapsed"
    ]
    determinations = _determinations(start, end)
    restrictions = _restrictions(start, end)
    noncompliance = _noncompliance(start, end, as_of)
    policy_changes = _policy_changes(start, end)
    return {
        "period": {"start": _day(start), "end": _day(end - dt.timedelta(seconds=1))},
        "generated_at": _when(now),
        "as_of": _when(as_of),
        "framework_in_force": str(in_force) if in_force else None,
        "summary": {
            "determinations_decided": sum(
                1 for item in determinations if item["decided_in_quarter"]
            ),
            "escalations_opened": escalations["counts"].get("opened", 0),
            "overdue_items": len(overdue),
            "restrictions_active": sum(
                1 for item in restrictions if item["state"] == RestrictionState.ACTIVE.label
            ),
            "safeguards_lapsed": sum(1 for item in safeguards if item["status"] == "Lapsed"),
            "noncompliance_filed": noncompliance["counts"].get("filed", 0),
            "noncompliance_material": noncompliance["counts"].get("material", 0),
            "policy_changes": len(policy_changes["changes"]),
        },
        "determinations": determinations,
        "escalations": escalations,
        "overdue": overdue,
        "restrictions": restrictions,
        "safeguards": safeguards,
        "noncompliance": noncompliance,
        "policy_changes": policy_changes,
        "trajectories": _trajectories(as_of),
    }


def content_digest(report: QuarterlyReport) -> str:
    """SHA-256 of what was issued: the contents, the commentary and the deficiencies, as the
    audit log hashes JSON (so it holds after the database's round trip)."""
    record = {
        "period": report.label,
        "contents": report.contents,
        "commentary": report.commentary,
        "deficiencies": report.deficiencies,
    }
    return hashlib.sha256(canonical_json(canonical_value(record)).encode()).hexdigest()


# Transitions


def _locked(report: QuarterlyReport) -> QuarterlyReport:
    return QuarterlyReport.objects.select_for_update().get(pk=report.pk)


def _regenerate(report: QuarterlyReport, now: dt.datetime) -> None:
    contents = quarterly_report_contents(report.period_start, report.period_end, now=now)
    report.contents = canonical_value(contents)  # as the database will give it back
    report.generated_at = now


@transaction.atomic
def quarterly_report_draft(
    *, actor: Actor, year: int, quarter: int, now: dt.datetime | None = None
) -> QuarterlyReport:
    """Start the report for a quarter that has begun: the RSO, or the system at the start of
    the next quarter."""
    if not is_system(actor):
        MAY_DRAFT.enforce(actor, None)
    now = now or timezone.now()
    start, end = quarter_bounds(year, quarter)
    if start > now:
        raise ValidationError({"quarter": f"{year}-Q{quarter} has not begun."})
    report = QuarterlyReport(
        year=year,
        quarter=quarter,
        period_start=start,
        period_end=end,
        created_by=None if isinstance(actor, AuditActor) else actor,
    )
    _regenerate(report, now)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ValidationError(
            {"quarter": f"The report for {year}-Q{quarter} exists already."}
        ) from None
    audit_record(
        actor=actor,
        action="quarterly_report.drafted",
        target=report,
        after={"period": report.label},
    )
    return report


@transaction.atomic
def quarterly_report_refresh(*, actor: Actor, report: QuarterlyReport) -> QuarterlyReport:
    """Read the records again, for a draft whose records have moved on."""
    report = _locked(report)
    step = QUARTERLY_REPORT.require(actor, report, "refresh")
    _regenerate(report, timezone.now())
    report.save(update_fields=["contents", "generated_at", "updated_at"])
    audit_record(actor=actor, action=step.audit, target=report)
    return report


def _deficiency_list(deficiencies) -> list[str]:
    if isinstance(deficiencies, str):
        deficiencies = deficiencies.splitlines()
    if not isinstance(deficiencies, list | tuple) or not all(
        isinstance(item, str) for item in deficiencies
    ):
        raise ValidationError({"deficiencies": "Give the deficiencies as a list of texts."})
    items = [item.strip() for item in deficiencies if item.strip()]
    if len(items) > MAX_DEFICIENCIES:
        raise ValidationError({"deficiencies": f"At most {MAX_DEFICIENCIES} deficiencies."})
    if any(len(item) > 2000 for item in items):
        raise ValidationError({"deficiencies": "Keep each deficiency under 2,000 characters."})
    return items


def _annotation(report: QuarterlyReport) -> dict[str, Any]:
    return {"commentary": report.commentary, "deficiencies": report.deficiencies}


def _annotate(
    actor: Actor, report: QuarterlyReport, *, commentary: str | None, deficiencies
) -> bool:
    """Put the RSO's commentary and deficiencies on the locked report (either may be None: kept
    as it is) and write the audit event; False when nothing changed, so nothing is written."""
    before = _annotation(report)
    if commentary is not None:
        report.commentary = commentary.strip()
    if deficiencies is not None:
        report.deficiencies = _deficiency_list(deficiencies)
    if _annotation(report) == before:
        return False
    report.save(update_fields=["commentary", "deficiencies", "updated_at"])
    audit_record(
        actor=actor,
        action=QUARTERLY_REPORT.transition("annotate").audit,
        target=report,
        before=before,
        after=_annotation(report),
    )
    return True


@transaction.atomic
def quarterly_report_annotate(
    *, actor: Actor, report: QuarterlyReport, commentary: str, deficiencies
) -> QuarterlyReport:
    """The RSO's commentary and the deficiencies they note (a list, or one per line)."""
    report = _locked(report)
    QUARTERLY_REPORT.require(actor, report, "annotate")
    _annotate(actor, report, commentary=commentary or "", deficiencies=deficiencies)
    return report


@transaction.atomic
def quarterly_report_issue(
    *,
    actor: Actor,
    report: QuarterlyReport,
    commentary: str | None = None,
    deficiencies=None,
) -> QuarterlyReport:
    """Freeze the report as the records stand now and send it to the sitting directors and
    trustees. Only once the quarter is over, and only with the RSO's commentary.

    The commentary and deficiencies typed with the step (None: as saved) are saved with it, in
    the same transaction and audited as an annotation first, so pressing "Issue" never loses
    what was typed and what is issued is exactly what was on the page."""
    report = _locked(report)
    if _changes(report, commentary, deficiencies):
        # Who may write them, and whether the report is still a draft, before reading them.
        QUARTERLY_REPORT.require(actor, report, "annotate")
        _annotate(actor, report, commentary=commentary, deficiencies=deficiencies)
    step = QUARTERLY_REPORT.require(actor, report, "issue")
    now = timezone.now()
    recipients = step.recipients(report)
    _regenerate(report, now)
    report.state = step.target
    report.issued_by = actor
    report.issued_at = now
    report.content_sha256 = content_digest(report)
    report.save()
    report.recipients.set(recipients)
    audit_record(
        actor=actor,
        action=step.audit,
        target=report,
        before={"state": QuarterlyReportState.DRAFT},
        after={
            "state": report.state,
            "sha256": report.content_sha256,
            "recipients": sorted(user.pk for user in recipients),
            "deficiencies": len(report.deficiencies),
        },
    )
    due = due_escalation(report)
    if due is not None:
        escalation_resolve(actor=actor, escalation=due, note=f"{report} was issued.")
    notify(
        event_type="quarterly_report.issued",
        users=recipients,
        title=f"Please acknowledge: the RSO's report for {report.label}",
        body=f"{len(report.deficiencies)} deficiencies noted.",
        link=report.get_absolute_url(),
        payload={"report": report.pk, "sha256": report.content_sha256},
    )
    return report


def _changes(report: QuarterlyReport, commentary: str | None, deficiencies) -> bool:
    """Whether texts sent with a step differ from the saved ones (ill-formed deficiencies count
    as a change, so that they are refused by the annotation, naming the field)."""
    if commentary is not None and commentary.strip() != report.commentary:
        return True
    if deficiencies is None:
        return False
    try:
        return _deficiency_list(deficiencies) != report.deficiencies
    except ValidationError:
        return True


@transaction.atomic
def quarterly_report_acknowledge(
    *, actor: Actor, report: QuarterlyReport, note: str = ""
) -> QuarterlyReportAcknowledgement:
    report = _locked(report)
    step = QUARTERLY_REPORT.require(actor, report, "acknowledge")
    acknowledgement, created = QuarterlyReportAcknowledgement.objects.get_or_create(
        report=report, user=actor, defaults={"at": timezone.now(), "note": (note or "").strip()}
    )
    if not created:
        raise TransitionNotAllowed("You have acknowledged it already.")
    audit_record(actor=actor, action=step.audit, target=report)
    return acknowledgement


def quarterly_report_prepare_due(*, now: dt.datetime | None = None) -> QuarterlyReport | None:
    """Beat: once a quarter has ended, draft its report for the RSO if nobody has yet."""
    now = now or timezone.now()
    year, quarter = previous_quarter(*quarter_of(now))
    if QuarterlyReport.objects.filter(year=year, quarter=quarter).exists():
        return None
    try:
        report = quarterly_report_draft(actor=SYSTEM, year=year, quarter=quarter, now=now)
    except ValidationError:
        return None  # drafted by the RSO in the meantime
    notify(
        event_type="quarterly_report.drafted",
        users=users_with_roles(Role.RSO),
        title=f"Draft ready: your quarterly report for {report.label}",
        body="Review it, add your commentary and the deficiencies you note, and issue it.",
        link=report.get_absolute_url(),
        payload={"report": report.pk},
    )
    return report
