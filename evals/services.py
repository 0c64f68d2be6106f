"""Writes of the evals app: eval systems and their tokens, suites, and the ingestion pipeline
(submit, process, sweep). Every change is audited."""

import dataclasses
import datetime as dt
import hashlib
import logging
import secrets
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    models,
    transaction,
)
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from governance.audit import SYSTEM, Actor, AuditActor, audit_record, fields_snapshot
from governance.choices import (
    ActorType,
    EscalationKind,
    Role,
    ScoreAggregate,
    ScoreDirection,
    Severity,
    SnapshotStage,
    ThresholdOutcome,
)
from governance.errors import TransitionNotAllowed
from governance.framework_files import FrameworkFileError, validate_scoring
from governance.models import CapabilityThreshold
from governance.oversight.models import Escalation
from governance.oversight.selectors import escalation_on_subject
from governance.oversight.services.escalations import escalation_raise
from governance.permissions import has_role
from governance.registry.models import AIModel, Snapshot
from governance.registry.selectors import snapshot_by_identifier
from governance.scoring import ScoringRule, TaskAttempts, evaluate
from governance.selectors import framework_version_in_force
from governance.services.fields import apply_changes, refuse_unknown

from .choices import ExpectedTasksSource, IngestionStatus, LogFormat, LogStatus
from .errors import IdempotencyConflict, IngestionRefused, OutOfScope, Unresolvable
from .models import (
    EvalRun,
    EvalSuite,
    EvalSystem,
    Ingestion,
    SampleScore,
    TaskResult,
    ThresholdEvaluation,
)
from .parsers import LogParseError, ParsedLog, parse_log, sniff_log
from .standing import model_standing
from .trajectory import buffer_breach, model_trajectories

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "rspg_"  # noqa: S105 - marks our tokens, so leaked ones are recognisable
MAX_ATTEMPTS = 5


# Eval systems and tokens


def system_actor(system: EvalSystem) -> AuditActor:
    return AuditActor(
        type=ActorType.MACHINE,
        label=f"eval system {system.name}",
        ref=f"evals.evalsystem:{system.pk}",
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _require_eval_admin(actor: Actor) -> None:
    if isinstance(actor, AuditActor):
        return
    if not (getattr(actor, "is_staff", False) or has_role(actor, Role.SAFETY_STAFF)):
        raise PermissionDenied("Only safety staff and administrators manage eval systems.")


SYSTEM_FIELDS = ("name", "description", "is_active", "all_models", "all_suites")


def _system_state(system: EvalSystem) -> dict[str, Any]:
    state = fields_snapshot(system, SYSTEM_FIELDS)
    state["allowed_models"] = sorted(system.allowed_models.values_list("name", flat=True))
    state["allowed_suites"] = sorted(system.allowed_suites.values_list("name", flat=True))
    return state


@transaction.atomic
def eval_system_create(
    *,
    actor: Actor,
    name: str,
    description: str = "",
    is_active: bool = True,
    all_models: bool = False,
    all_suites: bool = False,
    allowed_models: Iterable[AIModel] = (),
    allowed_suites: Iterable[EvalSuite] = (),
) -> tuple[EvalSystem, str]:
    """Create a machine client. Returns the token, which is never stored or shown again."""
    _require_eval_admin(actor)
    token = _new_token()
    system = EvalSystem(
        name=name.strip(),
        description=description,
        is_active=is_active,
        all_models=all_models,
        all_suites=all_suites,
        owner=None if isinstance(actor, AuditActor) else actor,
        token_hash=token_hash(token),
        token_prefix=token[: len(TOKEN_PREFIX) + 4],
        token_created_at=timezone.now(),
    )
    system.full_clean()
    system.save()
    system.allowed_models.set(allowed_models)
    system.allowed_suites.set(allowed_suites)
    audit_record(
        actor=actor, action="eval_system.created", target=system, after=_system_state(system)
    )
    return system, token


@transaction.atomic
def eval_system_update(
    *,
    actor: Actor,
    system: EvalSystem,
    allowed_models: Iterable[AIModel] | None = None,
    allowed_suites: Iterable[EvalSuite] | None = None,
    **changes: Any,
) -> EvalSystem:
    _require_eval_admin(actor)
    system = EvalSystem.objects.select_for_update().get(pk=system.pk)
    before = _system_state(system)
    apply_changes(system, changes, SYSTEM_FIELDS)
    system.full_clean()
    system.save()
    if allowed_models is not None:
        system.allowed_models.set(allowed_models)
    if allowed_suites is not None:
        system.allowed_suites.set(allowed_suites)
    after = _system_state(system)
    if after != before:
        audit_record(
            actor=actor, action="eval_system.updated", target=system, before=before, after=after
        )
    return system


@transaction.atomic
def eval_system_rotate_token(*, actor: Actor, system: EvalSystem) -> str:
    """Replace the token: the old one stops working at once. Also lifts a revocation."""
    _require_eval_admin(actor)
    system = EvalSystem.objects.select_for_update().get(pk=system.pk)
    token = _new_token()
    system.token_hash = token_hash(token)
    system.token_prefix = token[: len(TOKEN_PREFIX) + 4]
    system.token_created_at = timezone.now()
    system.revoked_at = None
    system.save(update_fields=["token_hash", "token_prefix", "token_created_at", "revoked_at"])
    audit_record(actor=actor, action="eval_system.token_rotated", target=system)
    return token


@transaction.atomic
def eval_system_revoke(*, actor: Actor, system: EvalSystem) -> EvalSystem:
    _require_eval_admin(actor)
    system = EvalSystem.objects.select_for_update().get(pk=system.pk)
    if system.revoked_at is None:
        system.revoked_at = timezone.now()
        system.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="eval_system.token_revoked", target=system)
    return system


def eval_system_record_use(system: EvalSystem) -> None:
    """Note the last use, at most once a minute, without a lock or an audit event."""
    now = timezone.now()
    if system.last_used_at is None or now - system.last_used_at > dt.timedelta(minutes=1):
        EvalSystem.objects.filter(pk=system.pk).update(last_used_at=now)
        system.last_used_at = now


# Suites

SUITE_FIELDS = (
    "name",
    "description",
    "task_names",
    "score_name",
    "success_score",
    "scoring_override",
    "expected_tasks_source",
    "expected_tasks",
)


def _clean_suite(suite: EvalSuite) -> None:
    names = suite.task_names
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ValidationError({"task_names": "Give a list of task names."})
    suite.task_names = list(dict.fromkeys(name.strip() for name in names))
    for other in EvalSuite.objects.exclude(pk=suite.pk).only("name", "task_names"):
        shared = set(other.task_names) & set(suite.task_names)
        if shared:
            raise ValidationError(
                {"task_names": f"{', '.join(sorted(shared))} already identify suite {other.name}."}
            )
    if suite.scoring_override is not None:
        try:
            validate_scoring(suite.scoring_override, "scoring_override")
        except FrameworkFileError as error:
            raise ValidationError({"scoring_override": f"{error.field}: {error.reason}"}) from None
    if not 0 < suite.success_score <= 1:
        raise ValidationError({"success_score": "Give a score between 0 (exclusive) and 1."})
    tasks = suite.expected_tasks
    if tasks in (None, ""):
        tasks = []
    if not isinstance(tasks, list) or not all(
        isinstance(t, str | int) and str(t).strip() for t in tasks
    ):
        raise ValidationError({"expected_tasks": "Give a list of task names (sample ids)."})
    suite.expected_tasks = list(dict.fromkeys(str(t).strip() for t in tasks))
    if suite.expected_tasks_source == ExpectedTasksSource.LIST and not suite.expected_tasks:
        raise ValidationError(
            {"expected_tasks": "A suite that keeps its task list needs the list of its tasks."}
        )
    suite.full_clean()


def _suite_state(suite: EvalSuite) -> dict[str, Any]:
    state = fields_snapshot(suite, SUITE_FIELDS)
    state["thresholds"] = sorted(str(t) for t in suite.thresholds.select_related("version"))
    return state


def _require_safety_staff(actor: Actor) -> None:
    if not isinstance(actor, AuditActor) and not has_role(actor, Role.SAFETY_STAFF):
        raise PermissionDenied("Only safety staff define eval suites.")


@transaction.atomic
def eval_suite_create(
    *, actor: Actor, thresholds: Iterable[CapabilityThreshold] = (), **fields: Any
) -> EvalSuite:
    _require_safety_staff(actor)
    refuse_unknown(fields, SUITE_FIELDS)
    suite = EvalSuite(**fields)
    _clean_suite(suite)
    suite.save()
    suite.thresholds.set(thresholds)
    audit_record(actor=actor, action="eval_suite.created", target=suite, after=_suite_state(suite))
    return suite


@transaction.atomic
def eval_suite_update(
    *,
    actor: Actor,
    suite: EvalSuite,
    thresholds: Iterable[CapabilityThreshold] | None = None,
    **changes: Any,
) -> EvalSuite:
    _require_safety_staff(actor)
    suite = EvalSuite.objects.select_for_update().get(pk=suite.pk)
    before = _suite_state(suite)
    apply_changes(suite, changes, SUITE_FIELDS)
    _clean_suite(suite)
    suite.save()
    if thresholds is not None:
        suite.thresholds.set(thresholds)
    after = _suite_state(suite)
    if after != before:
        audit_record(
            actor=actor, action="eval_suite.updated", target=suite, before=before, after=after
        )
    return suite


# Ingestion: submit


@dataclass(frozen=True)
class Submission:
    ingestion: Ingestion
    created: bool  # False: a repeat of an earlier post, which is returned unchanged
    notice: str = ""  # for the poster: what of its request a repeat did not apply


def _suite_not_applied(earlier: Ingestion, suite_ref: str | None) -> str:
    """A repeat that names a suite the stored log is not scored against is answered with the
    stored ingestion, never silently: say so, and how it is scored against that suite."""
    if not suite_ref:
        return ""
    suite = resolve_suite(suite_ref)
    if earlier.runs.filter(suite=suite).exists() or earlier.suite_id == suite.pk:
        return ""
    return (
        f"This log is stored already (ingestion {earlier.pk}) and was not scored again: suite "
        f"{suite} was not applied. Safety staff score a stored log against another suite with "
        "POST /api/v1/eval-runs/{id}/score/ or from the run page."
    )


def incoming_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "ingestions" / "incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(chunks: Iterable[bytes], *, limit: int) -> tuple[Path, str, int]:
    """Write an upload to disk while hashing it; refuse it past `limit` bytes."""
    from .errors import LogTooLarge

    path = incoming_dir() / uuid.uuid4().hex
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise LogTooLarge(f"The log is larger than the limit of {limit:,} bytes.")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest(), size


def clean_text(value: Any, *, field: str, limit: int) -> str:
    """A string the database will take: no NUL characters, within its length."""
    text = str(value).strip()
    if "\x00" in text:
        raise IngestionRefused(f"{field} contains a NUL character.")
    if len(text) > limit:
        raise IngestionRefused(f"{field} is longer than {limit} characters.")
    return text


def _numeric_id(ref: str) -> int | None:
    return int(ref) if ref.isascii() and ref.isdigit() and len(ref) < 18 else None


def _resolve_snapshot(snapshot_ref: str | None, model_name: str) -> Snapshot:
    if snapshot_ref:
        ref = clean_text(snapshot_ref, field="snapshot", limit=300)
        pk = _numeric_id(ref)
        found = Snapshot.objects.filter(pk=pk).first() if pk is not None else None
        found = found or snapshot_by_identifier(ref)
        if found is None:
            raise Unresolvable(
                f"No snapshot has the id or external identifier {ref!r}. Register it on the "
                "model's page (Add snapshot, External identifiers) or with POST /api/v1/snapshots/."
            )
        return found
    found = snapshot_by_identifier(model_name) if model_name else None
    if found is None:
        raise Unresolvable(
            f"The log's model {model_name!r} matches no snapshot's external identifier. Add "
            f"{model_name!r} as an external identifier of the snapshot it ran on (model page, or "
            "PATCH /api/v1/snapshots/{id}/ with external_ids), or send `snapshot`."
        )
    return found


def resolve_suite(suite_ref: str) -> EvalSuite:
    """A suite by id or name; Unresolvable (422) naming it otherwise."""
    ref = clean_text(suite_ref, field="suite", limit=200)
    pk = _numeric_id(ref)
    found = EvalSuite.objects.filter(pk=pk).first() if pk is not None else None
    found = found or EvalSuite.objects.filter(name=ref).first()
    if found is None:
        raise Unresolvable(f"No eval suite is called {ref!r} (see /api/v1/eval-suites/).")
    return found


def _resolve_suite(suite_ref: str | None, task_names: Iterable[str]) -> EvalSuite | None:
    if suite_ref:
        return resolve_suite(suite_ref)
    names = set(task_names)
    for suite in EvalSuite.objects.all().only("id", "name", "task_names"):
        if names & {suite.name, *suite.task_names}:
            return suite
    return None  # stored and flagged unmapped


def _check_scope(system: EvalSystem | None, snapshot: Snapshot, suite: EvalSuite | None) -> None:
    if system is None:
        return
    if not system.all_models and not system.allowed_models.filter(pk=snapshot.model_id).exists():
        raise OutOfScope(f"Eval system {system.name} may not post results for {snapshot.model}.")
    if suite is not None and not system.all_suites:
        if not system.allowed_suites.filter(pk=suite.pk).exists():
            raise OutOfScope(f"Eval system {system.name} may not post results for suite {suite}.")


def poster_key(system: EvalSystem | None) -> str:
    return f"system:{system.pk}" if system is not None else "people"


def _earlier(system: EvalSystem | None, **match: Any) -> Ingestion | None:
    """An earlier post by the same poster (an eval system, or people and commands together)."""
    return (
        Ingestion.objects.filter(poster=poster_key(system), **match)
        .select_related("snapshot__model", "suite", "eval_system", "submitted_by")
        .first()
    )


def _same_evaluation(sha256: str, natural_id: str | None) -> Ingestion | None:
    """The stored ingestion of this evaluation, whoever posted it: the same bytes, or failing
    that the same eval id (the same evaluation serialized again, e.g. .eval and .json)."""
    stored = Ingestion.objects.filter(duplicate_of__isnull=True).select_related(
        "snapshot__model", "suite", "eval_system", "submitted_by"
    )
    return stored.filter(content_sha256=sha256).first() or (
        stored.filter(natural_id=natural_id).first() if natural_id else None
    )


def _answer_repeat(
    system: EvalSystem | None, earlier: Ingestion, path: Path, sha256: str, size: int, enqueue
) -> Submission:
    """A post of an evaluation already stored is answered with the stored ingestion, if the
    poster may see it: its scope must cover that snapshot and suite. One that failed is
    processed again with what was just posted."""
    _check_scope(system, earlier.snapshot, earlier.suite)
    if earlier.status == IngestionStatus.FAILED:
        return Submission(_retry_failed(earlier, path, sha256, size, enqueue), created=True)
    return Submission(earlier, created=False)


def ingestion_submit(
    *,
    principal: EvalSystem | Any,
    path: Path,
    sha256: str,
    size: int,
    file_name: str,
    snapshot_ref: str | None = None,
    suite_ref: str | None = None,
    idempotency_key: str | None = None,
    enqueue: bool = True,
) -> Submission:
    """Accept a stored upload: check it, commit the row, then queue the work.

    `path` is the uploaded file already on disk; it is moved into place when accepted and
    removed otherwise, so nothing half-accepted stays behind. A run is one evaluation, whoever
    posts it: the same bytes or the same eval id are answered with the stored ingestion (to a
    poster whose scope covers it); the same Idempotency-Key from the same poster with other
    bytes is refused. A repeat of one that failed is processed again.
    """
    system = principal if isinstance(principal, EvalSystem) else None
    final: Path | None = None
    try:
        key = (
            clean_text(idempotency_key, field="Idempotency-Key", limit=200)
            if idempotency_key
            else None
        )
        if key:
            keyed = _earlier(system, idempotency_key=key)
            if keyed is not None and keyed.content_sha256 != sha256:
                raise IdempotencyConflict(
                    f"Idempotency-Key {key!r} was used for different content."
                )
        try:
            header = sniff_log(path)
        except LogParseError as error:
            raise IngestionRefused(f"The log cannot be read: {error}") from None
        natural_id = clean_text(header.natural_id, field="The log's run id", limit=250) or None
        model_name = clean_text(header.model_name, field="The log's model name", limit=300)
        task_names = [clean_text(t, field="A task name", limit=300) for t in header.task_names]
        earlier = _same_evaluation(sha256, natural_id)
        if earlier is not None:
            submission = _answer_repeat(system, earlier, path, sha256, size, enqueue)
            return dataclasses.replace(submission, notice=_suite_not_applied(earlier, suite_ref))
        snapshot = _resolve_snapshot(snapshot_ref, model_name)
        suite = _resolve_suite(suite_ref, task_names)
        _check_scope(system, snapshot, suite)
        actor = system_actor(system) if system else principal
        person = None if system or isinstance(principal, AuditActor) else principal
        ingestion_id = uuid.uuid4()
        relative = Path("ingestions") / timezone.now().strftime("%Y/%m") / f"{ingestion_id}"
        final = Path(settings.MEDIA_ROOT) / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, final)
        try:
            with transaction.atomic():
                ingestion = Ingestion.objects.create(
                    id=ingestion_id,
                    eval_system=system,
                    submitted_by=person,
                    poster=poster_key(system),
                    format=header.format,
                    file_name=Path(file_name.replace("\x00", "")).name[:300] or "log",
                    file_path=str(relative),
                    file_size=size,
                    content_sha256=sha256,
                    natural_id=natural_id,
                    idempotency_key=key,
                    model_name=model_name,
                    task_names=task_names,
                    snapshot=snapshot,
                    suite=suite,
                )
                audit_record(
                    actor=actor,
                    action="ingestion.received",
                    target=ingestion,
                    after={
                        "format": header.format,
                        "file": ingestion.file_name,
                        "sha256": sha256,
                        "size": size,
                        "snapshot": str(snapshot),
                        "suite": str(suite) if suite else None,
                    },
                )
                if enqueue:
                    _enqueue(ingestion.pk)
        except IntegrityError:
            # A concurrent post of the same evaluation (or of the same key) committed first:
            # answer as if it had come first, which it did.
            earlier = _same_evaluation(sha256, natural_id)
            if earlier is None and key:
                keyed = _earlier(system, idempotency_key=key)
                if keyed is not None and keyed.content_sha256 != sha256:
                    raise IdempotencyConflict(
                        f"Idempotency-Key {key!r} was used for different content."
                    ) from None
                earlier = keyed
            if earlier is None:
                raise
            _check_scope(system, earlier.snapshot, earlier.suite)
            return Submission(earlier, False, _suite_not_applied(earlier, suite_ref))
        final = None  # accepted: the file stays
        return Submission(ingestion, created=True)
    finally:
        path.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)


def _retry_failed(
    ingestion: Ingestion, path: Path, sha256: str, size: int, enqueue: bool
) -> Ingestion:
    """A failed ingestion posted again: take the new file and process it again."""
    shutil.move(path, Path(settings.MEDIA_ROOT) / ingestion.file_path)
    with transaction.atomic():
        Ingestion.objects.filter(pk=ingestion.pk).update(
            status=IngestionStatus.QUEUED,
            error="",
            attempts=0,
            content_sha256=sha256,
            file_size=size,
            started_at=None,
            finished_at=None,
        )
        audit_record(
            actor=_ingestion_actor(ingestion), action="ingestion.resubmitted", target=ingestion
        )
        if enqueue:
            _enqueue(ingestion.pk)
    ingestion.refresh_from_db()
    return ingestion


def _enqueue(ingestion_id) -> None:
    transaction.on_commit(lambda: _send(ingestion_id))


def _send(ingestion_id) -> None:
    """Queue the work. The row is committed already, so a broker outage loses nothing: the
    sweep re-queues it once the broker is back."""
    from .tasks import ingestion_process_task

    try:
        ingestion_process_task.delay(str(ingestion_id))
    except Exception:  # kombu raises several types for an unreachable broker
        logger.warning("could not queue ingestion %s; the sweep will retry", ingestion_id)


def ingest_file(
    *, principal: Any, path: Path, snapshot_ref: str | None = None, suite_ref: str | None = None
) -> Submission:
    """Ingest a log from a local file here and now (command line, demo data): the same checks
    as the API, then the processing without a queue."""
    with path.open("rb") as file:
        stored, sha256, size = store_upload(
            iter(lambda: file.read(1 << 20), b""), limit=settings.EVAL_LOG_MAX_BYTES
        )
    submission = ingestion_submit(
        principal=principal,
        path=stored,
        sha256=sha256,
        size=size,
        file_name=path.name,
        snapshot_ref=snapshot_ref,
        suite_ref=suite_ref,
        enqueue=False,
    )
    ingestion_process(ingestion_id=submission.ingestion.pk)
    submission.ingestion.refresh_from_db()
    return submission


def ingestion_record_download(*, actor: Actor, ingestion: Ingestion) -> None:
    """Raw transcripts may hold hazardous output: who fetched one is on the record."""
    audit_record(actor=actor, action="ingestion.raw_downloaded", target=ingestion)


# Ingestion: process


def ingestion_process(*, ingestion_id) -> Ingestion | None:
    """Claim a queued ingestion, parse it and store its run, scored, in one transaction.

    Safe to run twice: only the caller that moves it from queued to processing does the work,
    and only that attempt may finish it. While it works it holds the ingestion's lease, so the
    sweep can tell a live attempt from one whose worker died (see `ingestions_requeue_stuck`).
    """
    claimed = Ingestion.objects.filter(pk=ingestion_id, status=IngestionStatus.QUEUED).update(
        status=IngestionStatus.PROCESSING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    ingestion = Ingestion.objects.select_related("snapshot__model", "suite", "eval_system").get(
        pk=ingestion_id
    )
    with processing_lease(ingestion.pk) as held:
        if not held:  # an earlier attempt is still at work: the sweep queues it again later
            return None
        return _process_claimed(ingestion)


def _process_claimed(ingestion: Ingestion) -> Ingestion | None:
    this_attempt = Ingestion.objects.filter(
        pk=ingestion.pk, status=IngestionStatus.PROCESSING, attempts=ingestion.attempts
    )
    try:
        log = parse_log(Path(settings.MEDIA_ROOT) / ingestion.file_path, ingestion.format)
        with transaction.atomic():
            run = _store_run(ingestion, log)
            done = this_attempt.update(
                status=IngestionStatus.DONE, finished_at=timezone.now(), error=""
            )
            if not done:  # the sweep took it back meanwhile: let that attempt store it
                transaction.set_rollback(True)
                return None
    except (LogParseError, IngestionRefused, ValidationError) as error:
        return _fail(ingestion, f"The log cannot be stored: {error}")
    except (OperationalError, InterfaceError, SoftTimeLimitExceeded) as error:
        # Transient (the connection, a serialization failure, the time limit): left
        # processing, so the sweep queues it again; the cause is kept for the record.
        logger.exception("ingestion %s interrupted; the sweep will retry it", ingestion.pk)
        _note_interruption(ingestion, error)
        raise
    except (DatabaseError, OverflowError, UnicodeError, RecursionError) as error:
        # The data itself (a value the database refuses): retrying cannot help.
        if not this_attempt.exists():
            return None  # another attempt took over (and its run is what the error met)
        logger.warning("ingestion %s cannot be stored: %s", ingestion.pk, error)
        return _fail(ingestion, f"The log cannot be stored: {_first_line(error)}")
    except Exception as error:
        logger.exception("ingestion %s failed", ingestion.pk)
        return _fail(ingestion, f"Internal error while storing the log ({type(error).__name__}).")
    ingestion.refresh_from_db()
    logger.info("ingestion %s stored as run %s", ingestion.pk, run.pk)
    return ingestion


def _lease_key(ingestion_id) -> int:
    return int.from_bytes(uuid.UUID(str(ingestion_id)).bytes[:8], "big", signed=True)


@contextmanager
def processing_lease(ingestion_id) -> Iterator[bool]:
    """A PostgreSQL session advisory lock on the ingestion while an attempt works on it. The
    database releases it the moment the worker's connection ends, so a worker killed mid-store
    frees it at once and the next sweep queues the ingestion again: recovery within the sweep
    interval plus INGESTION_LEASE_GRACE, not the task time limit. Other databases: no lease
    (the sweep falls back to the time limit)."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = _lease_key(ingestion_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                pass  # the connection is gone, and the lock with it


def _lease_free(ingestion_id) -> bool:
    """No live attempt holds the ingestion (PostgreSQL only)."""
    key = _lease_key(ingestion_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    return True


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:500] if text else 'no detail'}"


def _note_interruption(ingestion: Ingestion, error: BaseException) -> None:
    """Best effort (the database may be what failed): why the last attempt stopped."""
    try:
        Ingestion.objects.filter(pk=ingestion.pk).update(
            error=f"Attempt {ingestion.attempts} was interrupted: {_first_line(error)}"
        )
    except DatabaseError:
        pass


def _fail(ingestion: Ingestion, reason: str) -> Ingestion:
    with transaction.atomic():
        Ingestion.objects.filter(pk=ingestion.pk).exclude(status=IngestionStatus.DONE).update(
            status=IngestionStatus.FAILED, finished_at=timezone.now(), error=reason
        )
        audit_record(
            actor=_ingestion_actor(ingestion),
            action="ingestion.failed",
            target=ingestion,
            after={"error": reason},
        )
    ingestion.refresh_from_db()
    return ingestion


def _ingestion_actor(ingestion: Ingestion) -> Actor:
    if ingestion.eval_system_id:
        return system_actor(ingestion.eval_system)
    return ingestion.submitted_by  # None (the system) for the command line


def _problem(log: ParsedLog) -> str:
    problems = []
    if log.status != LogStatus.SUCCESS:
        detail = f" ({log.error})" if log.error else ""
        problems.append(f"the log ended with status {log.status}{detail}")
    if log.total_samples and log.completed_samples is not None:
        missing = log.total_samples - log.completed_samples
        if missing > 0:
            problems.append(f"{missing} of {log.total_samples} samples are missing")
    return "; ".join(problems)


LM_EVAL_FORMATS = (LogFormat.LM_EVAL, LogFormat.LM_EVAL_SAMPLES)


def _score_name(suite: EvalSuite | None, log: ParsedLog) -> str:
    """The scorer to read: the suite's, or the log's headline one."""
    score_name = (suite.score_name if suite else "") or (
        log.score_names[0] if log.score_names else ""
    )
    if suite and suite.score_name and log.samples and suite.score_name not in log.score_names:
        raise IngestionRefused(
            f"suite {suite} scores with {suite.score_name!r}, which the log does not have "
            f"(it has: {', '.join(log.score_names) or 'none'})"
        )
    return score_name


def _score(run: EvalRun, suite: EvalSuite, log: ParsedLog, score_name: str) -> list:
    """Store the run's per-task results under `score_name`, score them against the suite's
    thresholds, and escalate what needs it."""
    log = _for_suite(log, suite)
    attempts = _store_tasks(run, log, score_name, suite.success_score)
    attempts, problem = _with_missing_tasks(run, suite, log, attempts, _problem(log))
    evaluations = _evaluate(run, attempts, problem, suite.success_score)
    _escalate(run, evaluations)
    if evaluations:
        forecast_review(run.snapshot.model, codes={e.threshold.code for e in evaluations})
    return evaluations


def _store_run(ingestion: Ingestion, log: ParsedLog) -> EvalRun:
    suite = ingestion.suite
    score_name = _score_name(suite, log)
    run_time = log.started_at or log.completed_at or ingestion.created_at
    notes = []
    others = [name for name in log.score_names if name != score_name]
    if others and not (suite and suite.score_name):
        # Never silently: say which score was read and what else the log offers.
        notes.append(
            f"Scored with {score_name!r}, the log's headline score; it also has "
            f"{', '.join(repr(name) for name in others)} (a suite chooses with its score name)."
        )
    if run_time > ingestion.created_at + dt.timedelta(days=1):
        notes.append(f"The log's time ({run_time:%Y-%m-%d}) is in the future; received time used.")
        run_time = ingestion.created_at
    version = framework_version_in_force(run_time)
    if version is None:
        version = framework_version_in_force(ingestion.created_at)
        if version is not None:
            notes.append(
                f"No framework version was in force at the log's time ({run_time:%Y-%m-%d}); "
                f"scored under {version}, in force when it was received."
            )
    run = EvalRun.objects.create(
        ingestion=ingestion,
        snapshot=ingestion.snapshot,
        suite=suite,
        eval_system=ingestion.eval_system,
        framework_version=version,
        source_format=ingestion.format,
        log_status=log.status,
        log_error=log.error[:5000],
        task_name=", ".join(log.header.task_names)[:300],
        model_name=log.header.model_name[:300],
        score_name=score_name,
        started_at=log.started_at,
        completed_at=log.completed_at,
        total_samples=log.total_samples,
        completed_samples=log.completed_samples
        if log.completed_samples is not None
        else len(log.samples) or None,
        epochs=log.elicitation.get("epochs") or log.elicitation.get("attempts"),
        helpful_only=ingestion.snapshot.stage == SnapshotStage.HELPFUL_ONLY
        or bool(log.elicitation.get("helpful_only")),
        elicitation=log.elicitation,
        unmapped=suite is None,
        scoring_note=" ".join(notes),
    )
    if suite:
        evaluations = _score(run, suite, log, score_name)
    else:
        evaluations = []
        _store_tasks(run, log, score_name, 1.0)  # kept, to be scored once mapped
    audit_record(
        actor=_ingestion_actor(ingestion),
        action="eval_run.recorded",
        target=run,
        after={
            "ingestion": str(ingestion.pk),
            "snapshot": str(run.snapshot),
            "suite": str(suite) if suite else None,
            "framework_version": str(version) if version else None,
            "outcomes": {e.threshold.code: e.outcome for e in evaluations},
        },
    )
    return run


def _read_log_for(run: EvalRun, suite: EvalSuite) -> tuple[ParsedLog, str]:
    """The raw log behind `run`, as posted, and the score `suite` reads from it."""
    ingestion = run.ingestion
    try:
        log = parse_log(Path(settings.MEDIA_ROOT) / ingestion.file_path, ingestion.format)
        return log, _score_name(suite, log)
    except (LogParseError, OSError) as error:
        raise ValidationError(
            {"run": f"The raw log of run {run.pk} cannot be read: {error}"}
        ) from None
    except IngestionRefused as error:
        raise ValidationError({"suite": str(error)}) from None


@transaction.atomic
def eval_run_map(*, actor: Actor, run: EvalRun, suite: EvalSuite) -> EvalRun:
    """Score an unmapped run (its task named no suite when it came in) against `suite`, from
    its raw log as posted: the same scoring, escalations and audit as at ingestion."""
    _require_safety_staff(actor)
    run = (
        EvalRun.objects.select_for_update(of=("self",))
        .select_related("ingestion", "snapshot__model")
        .get(pk=run.pk)
    )
    if run.suite_id is not None:
        raise TransitionNotAllowed(f"Run {run.pk} is scored against suite {run.suite} already.")
    log, score_name = _read_log_for(run, suite)
    run.suite, run.unmapped, run.score_name = suite, False, score_name
    run.save(update_fields=["suite", "unmapped", "score_name"])
    Ingestion.objects.filter(pk=run.ingestion_id).update(suite=suite)
    run.task_results.all().delete()  # stored under the log's headline score; read again
    evaluations = _score(run, suite, log, score_name)
    audit_record(
        actor=actor,
        action="eval_run.mapped",
        target=run,
        after={
            "suite": suite.name,
            "score_name": score_name,
            "outcomes": {e.threshold.code: e.outcome for e in evaluations},
        },
    )
    return run


# What a scoring of the same log against another suite shares with the run it came from.
_SAME_LOG_FIELDS = (
    "ingestion",
    "snapshot",
    "eval_system",
    "framework_version",
    "source_format",
    "log_status",
    "log_error",
    "task_name",
    "model_name",
    "started_at",
    "completed_at",
    "total_samples",
    "completed_samples",
    "epochs",
    "helpful_only",
    "elicitation",
)


@transaction.atomic
def eval_run_score_against(*, actor: Actor, run: EvalRun, suite: EvalSuite) -> EvalRun:
    """Score the log behind `run` against another suite too, without posting it again: a new
    run of the same log with its own task results, evaluations and escalations (one log may
    measure several thresholds, or be read with another scorer). An unmapped run is mapped
    instead. Refused if the log is scored against `suite` already."""
    _require_safety_staff(actor)
    # One request at a time per log, so two cannot both add the same suite.
    ingestion = Ingestion.objects.select_for_update().get(pk=run.ingestion_id)
    runs = list(EvalRun.objects.filter(ingestion=ingestion).select_related("suite").order_by("pk"))
    unmapped = next((other for other in runs if other.suite_id is None), None)
    if unmapped is not None:
        return eval_run_map(actor=actor, run=unmapped, suite=suite)
    scored = next((other for other in runs if other.suite_id == suite.pk), None)
    if scored is not None:
        raise TransitionNotAllowed(
            f"The log of run {run.pk} is scored against suite {suite} already, as run {scored.pk}."
        )
    source = runs[0]
    log, score_name = _read_log_for(source, suite)
    new_run = EvalRun.objects.create(
        **{name: getattr(source, name) for name in _SAME_LOG_FIELDS},
        suite=suite,
        score_name=score_name,
        scoring_note=f"Scored against {suite} from the log of run {source.pk}, not posted again.",
    )
    evaluations = _score(new_run, suite, log, score_name)
    audit_record(
        actor=actor,
        action="eval_run.scored_against",
        target=new_run,
        after={
            "from_run": source.pk,
            "ingestion": str(ingestion.pk),
            "suite": suite.name,
            "score_name": score_name,
            "outcomes": {e.threshold.code: e.outcome for e in evaluations},
        },
    )
    return new_run


@transaction.atomic
def eval_runs_map_task(*, actor: Actor, task_name: str, suite: EvalSuite) -> list[EvalRun]:
    """Map every unmapped run of one task to `suite`, all or none: a log that cannot be read
    refuses the whole request, so the answer never hides runs mapped before it failed."""
    _require_safety_staff(actor)
    task_name = clean_text(task_name, field="task_name", limit=300)
    runs = EvalRun.objects.filter(unmapped=True, suite__isnull=True, task_name=task_name)
    if not runs.exists():
        raise ValidationError({"task_name": f"No unmapped run of task {task_name!r}."})
    return [eval_run_map(actor=actor, run=run, suite=suite) for run in runs.order_by("pk")]


def _expected_tasks(
    run: EvalRun, suite: EvalSuite, log: ParsedLog, ran: set[str], problem: str
) -> tuple[list | None, bool]:
    """The suite's whole task list for this run (None: not known), and whether it was read
    from this log itself (which a cut-down run may have cut down too)."""
    if suite.expected_tasks_source == ExpectedTasksSource.LIST:
        return list(suite.expected_tasks), False
    if suite.expected_tasks_source == ExpectedTasksSource.DATASET:
        return (list(log.dataset_task_names), True) if log.dataset_task_names else (None, True)
    if suite.expected_tasks:
        return list(suite.expected_tasks), False
    # Learn the list from the first complete run: the whole dataset ran, nothing went wrong.
    dataset = set(log.dataset_task_names or ())
    if not log.subset and not problem and ran and dataset <= ran:
        learned = sorted(ran)
        EvalSuite.objects.filter(pk=suite.pk).update(expected_tasks=learned)
        suite.expected_tasks = learned
        audit_record(
            actor=SYSTEM,
            action="eval_suite.tasks_learned",
            target=suite,
            after={"expected_tasks": learned, "from_run": run.pk},
        )
        return learned, False
    return (sorted(dataset), True) if dataset else (None, True)


def _with_missing_tasks(
    run: EvalRun, suite: EvalSuite, log: ParsedLog, attempts: list[TaskAttempts], problem: str
) -> tuple[list[TaskAttempts], str]:
    """Tasks of the suite the run lacks count as undecided, so a subset can show a crossing but
    never a "below"; the run records which they were and why."""
    ran = {attempt.name for attempt in attempts}
    expected, from_log = _expected_tasks(run, suite, log, ran, problem)
    problems = [problem] if problem else []
    missing = [name for name in expected if name not in ran] if expected is not None else []
    cut = f" ({log.subset})" if log.subset else ""
    if missing:
        shown = ", ".join(missing[:20])
        if len(missing) > 20:
            shown += f" and {len(missing) - 20} more"
        problems.append(
            f"{len(missing)} of the suite's {len(expected)} tasks did not run{cut}: {shown}"
        )
        run.missing_tasks = missing
        run.save(update_fields=["missing_tasks"])
        attempts = [*attempts, *(TaskAttempts(name=name) for name in missing)]
    elif log.subset and (expected is None or from_log):
        # A cut-down run whose only task list is its own (possibly cut-down) dataset.
        problems.append(
            f"the log ran a subset of its tasks{cut} and the suite's full task list is not "
            "known: choose where it comes from on the suite"
        )
    elif expected is None and suite.expected_tasks_source == ExpectedTasksSource.DATASET:
        problems.append("the suite takes its tasks from the log's dataset, and this log lists none")
    return attempts, "; ".join(problems)


def _for_suite(log: ParsedLog, suite: EvalSuite) -> ParsedLog:
    """The part of the log a suite reads. An lm-eval log can hold several tasks: a suite that
    names some of them reads those only; one that names none of them was chosen for the whole
    log (posted with `suite=`, or scored against it by safety staff) and reads all of it."""
    names = set(suite.task_names) & set(log.header.task_names)
    if log.header.format not in LM_EVAL_FORMATS or not names:
        return log
    dataset = log.dataset_task_names
    return dataclasses.replace(
        log,
        samples=[sample for sample in log.samples if sample.source_task in names],
        tasks=[task for task in log.tasks if task.name in names],
        dataset_task_names=None
        if dataset is None
        else tuple(name for name in dataset if name.rpartition("/")[0] in names),
    )


def _store_tasks(
    run: EvalRun, log: ParsedLog, score_name: str, success_score: float
) -> list[TaskAttempts]:
    by_task: dict[str, list[tuple[int, float | None]]] = defaultdict(list)
    for sample in log.samples:
        by_task[sample.task].append((sample.epoch, sample.values.get(score_name)))
    results, attempts = [], []
    for name, epochs in by_task.items():
        epochs.sort(key=lambda item: item[0])
        values = [value for _, value in epochs if value is not None]
        results.append(
            TaskResult(
                run=run,
                name=name[:300],
                attempts=len(values),
                successes=sum(1 for v in values if v >= success_score),
                missing=len(epochs) - len(values),
                score=sum(values) / len(values) if values else None,
            )
        )
        attempts.append(TaskAttempts(name=name, scores=tuple(values)))
    for task in log.tasks:
        if task.attempts is not None:
            # Counts only: successes first, so a rule over fewer attempts errs towards "passed".
            scores = (1.0,) * task.successes + (0.0,) * (task.attempts - task.successes)
            results.append(
                TaskResult(
                    run=run,
                    name=task.name,
                    attempts=task.attempts,
                    successes=task.successes,
                    score=task.successes / task.attempts if task.attempts else None,
                )
            )
            attempts.append(TaskAttempts(name=task.name, scores=scores))
        else:
            metric = score_name if score_name in task.metrics else next(iter(task.metrics), "")
            value = task.metrics.get(metric)
            results.append(TaskResult(run=run, name=task.name, score=value))
            attempts.append(TaskAttempts(name=task.name, score=value))
    TaskResult.objects.bulk_create(results)
    if not run.score_name and log.tasks:
        run.score_name = next(iter(log.tasks[0].metrics), "")
        run.save(update_fields=["score_name"])
    _store_samples(results, by_task)
    return attempts


def _store_samples(results: list[TaskResult], by_task: dict[str, list]) -> None:
    rows = [
        (result.pk, epoch, value)
        for result in results
        for epoch, value in by_task.get(result.name, ())
    ]
    if not rows:
        return
    if connection.vendor == "postgresql":
        # COPY is several times faster than INSERT for the thousands of rows a log brings.
        table = SampleScore._meta.db_table
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} (task_result_id, epoch, value) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        SampleScore.objects.bulk_create(
            (SampleScore(task_result_id=pk, epoch=epoch, value=value) for pk, epoch, value in rows),
            batch_size=5000,
        )


def suite_rule(suite: EvalSuite, threshold: CapabilityThreshold) -> tuple[ScoringRule | None, str]:
    """The rule to apply: the suite's override if it has one, else the threshold's."""
    override = suite.scoring_override
    if override:
        task_pass = override.get("task_pass") or {}
        return (
            ScoringRule(
                aggregate=ScoreAggregate(override["aggregate"]),
                direction=ScoreDirection(override.get("direction", ScoreDirection.HIGHER)),
                crossing_level=override["crossing_level"],
                warning_level=override.get("warning_level"),
                min_successes=task_pass.get("min_successes"),
                attempts=task_pass.get("attempts"),
            ),
            "suite override",
        )
    return threshold.scoring_rule, "threshold"


def _evaluate(
    run: EvalRun, attempts: list[TaskAttempts], problem: str, success_score: float
) -> list[ThresholdEvaluation]:
    if run.framework_version is None:
        _note(run, "Not scored: no framework version is in force.")
        return []
    evaluations = []
    thresholds = list(run.suite.thresholds.filter(version=run.framework_version))
    if not thresholds:
        _note(
            run, f"Not scored: suite {run.suite} measures no threshold of {run.framework_version}."
        )
    for threshold in thresholds:
        rule, source = suite_rule(run.suite, threshold)
        if rule is None:
            # No numeric rule: a matter of judgement in the capability report.
            _note(run, f"{threshold.code} has no numeric rule: judged in the capability report.")
            continue
        result = evaluate(rule, attempts, problem=problem, success_score=success_score)
        evaluations.append(
            ThresholdEvaluation.objects.create(
                run=run,
                threshold=threshold,
                snapshot=run.snapshot,
                outcome=result.outcome,
                value=result.value,
                tasks_total=result.tasks_total,
                tasks_passed=result.tasks_passed,
                tasks_undetermined=result.tasks_undetermined,
                aggregate=rule.aggregate,
                direction=rule.direction,
                warning_level=rule.warning_level,
                crossing_level=rule.crossing_level,
                min_successes=rule.min_successes,
                attempts_required=rule.attempts,
                rule_source=source,
                reason=result.reason,
                task_passes={verdict.name: verdict.passed for verdict in result.tasks},
            )
        )
    return evaluations


def _escalate(run: EvalRun, evaluations: list[ThresholdEvaluation]) -> None:
    """Warning -> a warning escalation; crossed or inconclusive -> a threshold escalation
    (inconclusive counts as crossed until shown otherwise). One open escalation per model and
    threshold: a later evaluation updates it."""
    for evaluation in evaluations:
        if evaluation.outcome == ThresholdOutcome.BELOW:
            continue
        warning = evaluation.outcome == ThresholdOutcome.WARNING
        threshold, model = evaluation.threshold, run.snapshot.model
        escalation_raise(
            kind=EscalationKind.WARNING if warning else EscalationKind.THRESHOLD,
            subject=threshold.code,
            title=f"{threshold.code} {ThresholdOutcome(evaluation.outcome).label.lower()}: {model}",
            summary=f"{evaluation.reason} (run {run.pk} on {run.snapshot.name})",
            severity=Severity.MEDIUM if warning else Severity.HIGH,
            model=model,
            snapshot=run.snapshot,
            threshold=threshold,
            outcome=evaluation.outcome,
            trigger_ref=f"evals.thresholdevaluation:{evaluation.pk}",
            trigger_url=run.get_absolute_url(),
        )


def forecast_review(model: AIModel, *, codes: set[str] | None = None) -> list[Escalation]:
    """A forecast escalation to the RSO when the forecast puts a crossing within the safety
    buffer of the latest snapshot (or the next cadence step would pass it): once per model and
    threshold, the open one kept to the latest numbers. One the RSO closed is not raised again
    (new evidence of a warning or a crossing escalates on its own). Nothing is raised without a
    forecast (too few points, a poor fit: no number to act on, and the page says so), nor once
    the evaluations have crossed the threshold: that is no longer a forecast, and the threshold
    escalation, with its restrictions, is the one to act on."""
    standing = {item.threshold.code: item for item in model_standing(model).thresholds}
    raised = []
    for trajectory in model_trajectories(model):
        code = trajectory["threshold"]["code"]
        if codes is not None and code not in codes:
            continue
        subject = f"{code} forecast"
        earlier = escalation_on_subject(model, EscalationKind.FORECAST, subject)
        if earlier is not None and not earlier.is_open:
            continue
        crossed = code in standing and standing[code].status == ThresholdOutcome.CROSSED
        breach = None if crossed else buffer_breach(trajectory)
        if breach is None:
            if earlier is not None:  # open: say once that the evidence moved
                summary = (
                    "The evaluations have crossed the threshold: see its threshold escalation."
                    if crossed
                    else "The forecast no longer puts the crossing within the buffer or the next "
                    f"cadence step. {trajectory['forecast'].get('message', '')}".strip()
                )
                if earlier.summary != summary:
                    _forecast_escalate(model, trajectory, earlier.title, summary, Severity.LOW)
            continue
        reach, text = breach
        summary = f"Under {trajectory['threshold']['version']}: {text}"
        if earlier is not None and earlier.summary == summary:
            continue  # the sweep found nothing new
        step = trajectory.get("cadence_multiple")
        crossing = next(lv for lv in trajectory["forecast"]["levels"] if lv["name"] == "crossing")
        severity = Severity.HIGH if step and crossing["multiple"] <= step else Severity.MEDIUM
        title = f"{code} crossing forecast within {reach}: {model}"
        raised.append(_forecast_escalate(model, trajectory, title, summary, severity))
    return raised


def _forecast_escalate(model, trajectory, title, summary, severity) -> Escalation:
    code = trajectory["threshold"]["code"]
    escalation, _ = escalation_raise(
        kind=EscalationKind.FORECAST,
        subject=f"{code} forecast",
        title=title,
        summary=summary,
        severity=severity,
        model=model,
        threshold=CapabilityThreshold.objects.filter(pk=trajectory["threshold"]["id"]).first(),
        trigger_ref=f"evals.forecast:{model.pk}:{code}"[:100],
        trigger_url=f"{model.get_absolute_url()}#forecast-{slugify(code)}",
        refresh_summary=True,
    )
    return escalation


def forecast_sweep() -> int:
    """Every model's forecasts again: snapshots' compute, the policy in force and the cadence
    change without an evaluation arriving."""
    return sum(
        len(forecast_review(model))
        for model in AIModel.objects.filter(snapshots__evaluations__isnull=False).distinct()
    )


def _note(run: EvalRun, text: str) -> None:
    run.scoring_note = f"{run.scoring_note} {text}".strip()
    run.save(update_fields=["scoring_note"])


# Ingestion: the sweep


def ingestions_requeue_stuck(
    *, queued_for: dt.timedelta | None = None, processing_for: dt.timedelta | None = None
) -> list[str]:
    """Re-queue ingestions left queued (the broker was down) or processing (the worker died:
    at once where its lease shows it, else after the time limit). The claim in
    ingestion_process makes a second delivery harmless."""
    queued_for = queued_for or dt.timedelta(seconds=settings.INGESTION_REQUEUE_AFTER)
    processing_for = processing_for or dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    now = timezone.now()
    taken_back = []
    if connection.vendor == "postgresql":
        # An attempt whose worker died has lost its lease: take it back now, not after the
        # time limit (the grace covers the moment between the claim and taking the lease).
        grace = dt.timedelta(seconds=settings.INGESTION_LEASE_GRACE)
        candidates = Ingestion.objects.filter(
            status=IngestionStatus.PROCESSING, started_at__lt=now - grace
        ).values_list("pk", "attempts")
        for pk, attempts in candidates:
            if _lease_free(pk) and Ingestion.objects.filter(
                pk=pk, status=IngestionStatus.PROCESSING, attempts=attempts
            ).update(status=IngestionStatus.QUEUED):
                taken_back.append(pk)
    waiting = models.Q(status=IngestionStatus.QUEUED) & (
        models.Q(created_at__lt=now - queued_for) | models.Q(pk__in=taken_back)
    )
    # Give up only on work nobody is doing: queued, or processing past the time limit.
    gave_up = Ingestion.objects.filter(attempts__gte=MAX_ATTEMPTS).filter(
        waiting | models.Q(status=IngestionStatus.PROCESSING, started_at__lt=now - processing_for)
    )
    for ingestion in gave_up.select_related("eval_system", "submitted_by"):
        last = f" {ingestion.error}" if ingestion.error else ""
        _fail(ingestion, f"Gave up after {MAX_ATTEMPTS} attempts to process the log.{last}")
    Ingestion.objects.filter(
        status=IngestionStatus.PROCESSING, started_at__lt=now - processing_for
    ).update(status=IngestionStatus.QUEUED)
    stuck = list(Ingestion.objects.filter(waiting).values_list("pk", flat=True))
    for ingestion_id in stuck:
        _send(ingestion_id)
    return [str(pk) for pk in stuck]
