"""Workflow declarations: for each stateful model, in one place, what may happen and who waits.

A `Workflow` names a model's states and its transitions. Each `Transition` says from which states
it may be taken, who may take it (`who`: checks about the person, each with the message they see),
the guards that must hold (checks about the object, each with its message), the audit action it
writes and whom it notifies. Each `Wait` says what a state awaits, from whom, by when.

- Services call `workflow.require(actor, obj, name)` on the locked row before they change it.
- Pages ask `workflow.actions(user, obj)` (the `{% workflow_actions %}` tag) which buttons to
  show, and the API lists the same names under `actions`: a button is shown exactly when the
  person passes every `who` check in the current state.
- "My work" and notifications read `workflow.awaiting(obj)`.

Each transition is also registered as a django-rules rule named `<workflow>.<transition>`, so
`rules.test_rule("determination.sign", user, determination)` and `{% test_rule %}` agree with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import rules
from django.core.exceptions import PermissionDenied

from .errors import TransitionNotAllowed
from .permissions import is_read_only
from .rules import holds, is_person, role_labels

Message = str | Callable[[Any], str]


def _text(message: Message, obj: Any) -> str:
    return message(obj) if callable(message) else message


@dataclass(frozen=True)
class Check:
    """A predicate over (person, object) and what the person is told when it does not hold.
    `refusal` is the error raised: PermissionDenied (403) for who-may checks about roles,
    TransitionNotAllowed (400) for checks about what has happened already."""

    predicate: rules.Predicate
    message: Message
    refusal: type[Exception] = PermissionDenied

    def holds(self, user, obj) -> bool:
        return bool(self.predicate.test(user, obj))

    def enforce(self, user, obj) -> None:
        if not self.holds(user, obj):
            raise self.refusal(_text(self.message, obj))


@dataclass(frozen=True)
class Guard:
    """A condition on the object (not on the person) that must hold for the step, checked when
    it is taken; the button stays, and the person learns what is missing. Either `holds` with its
    `message`, or `check`, a function that raises its own (field-by-field) error."""

    holds: Callable[[Any], bool] | None = None
    message: Message = ""
    refusal: type[Exception] = TransitionNotAllowed
    check: Callable[[Any], None] | None = None

    def enforce(self, obj) -> None:
        if self.check is not None:
            self.check(obj)
        elif not self.holds(obj):
            raise self.refusal(_text(self.message, obj))


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    # The state it leads to; None where the service decides (a first signature leaves the state
    # as it is, the second moves it) or where it is a step within the state.
    target: str | None
    who: tuple[Check, ...]
    audit: str
    guards: tuple[Guard, ...] = ()
    # Whom the step notifies, in words for readers; `recipients` returns the people.
    notifies: str = ""
    recipients: Callable[[Any], Iterable] | None = None
    # How a refused state reads: "submitted", "signed", ... ("cannot be <doing>").
    doing: str = ""


@dataclass(frozen=True)
class Awaiting:
    """What an object waits for now: `what` in words, `who` the people it waits on, `due` when."""

    what: str
    who: tuple = ()
    due: dt.datetime | None = None
    # Which state and which of its waits: what "tell each person once" is keyed on.
    state: str = ""
    wait: int = 0

    def __str__(self) -> str:
        return f"Awaits {self.what}" + (f", due {self.due:%d %b %Y}" if self.due else "")


@dataclass(frozen=True)
class Wait:
    """What objects in `state` await: `what` (words or a function of the object), from `who`
    (a function returning people), by `due` (a function returning a moment, or None)."""

    state: str
    what: Message
    who: Callable[[Any], Iterable] = lambda obj: ()
    due: Callable[[Any], dt.datetime | None] | None = None
    # For waits that depend on more than the state (a waiver signed by one officer only).
    when: Callable[[Any], bool] | None = None


@dataclass
class Workflow:
    name: str
    states: type
    transitions: tuple[Transition, ...]
    waits: tuple[Wait, ...] = ()
    state_field: str = "state"
    # What the object is called in refusals: "A determination that is draft cannot be ...".
    noun: str = ""
    # For a model with no state column: reads the state from the record.
    derive: Callable[[Any], str] | None = None
    # Words a refused state where an area has always worded it its own way ("Cannot publish:
    # the change is rejected."); returning None keeps the common wording.
    refusal: Callable[[Any, Transition], str | None] | None = None
    # The same, for single steps: {transition name: words or a function of the object}.
    refusals: dict[str, Message] = field(default_factory=dict)
    # For a model with no state column: narrows its rows to those that may await someone
    # (queryset -> queryset), so "my work" and the sweep need not read every row.
    open_rows: Callable[[Any], Any] | None = None
    # Whether outside webhooks may hear of what an object awaits (not of matters about the RSO).
    webhooks: Callable[[Any], bool] = lambda obj: True
    model: Any = field(default=None, init=False, repr=False)
    _by_name: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {t.name: t for t in self.transitions}
        for transition in self.transitions:
            rules.set_rule(f"{self.name}.{transition.name}", self._rule(transition))

    def _rule(self, transition: Transition) -> rules.Predicate:
        def allowed(user, obj) -> bool:
            return obj is not None and self.may(user, obj, transition.name)

        return rules.Predicate(allowed, name=f"{self.name}.{transition.name}")

    def transition(self, name: str) -> Transition:
        return self._by_name[name]

    def state_of(self, obj) -> str:
        return self.derive(obj) if self.derive is not None else getattr(obj, self.state_field)

    def in_source_state(self, obj, name: str) -> bool:
        return self.state_of(obj) in self._by_name[name].sources

    def may(self, user, obj, name: str) -> bool:
        """Whether the person may take the step now: its state, and every who-may check.
        Auditors read everything and take no step, whatever else they hold."""
        transition = self._by_name[name]
        if is_read_only(user):
            return False
        return self.in_source_state(obj, name) and all(
            check.holds(user, obj) for check in transition.who
        )

    def actions(self, user, obj) -> dict[str, bool]:
        """The steps this person may take on this object now, as {name: True}: what pages show
        as buttons and the API lists as `actions`."""
        return {t.name: True for t in self.transitions if self.may(user, obj, t.name)}

    def require(self, actor, obj, name: str) -> Transition:
        """Refuse unless `actor` may take the step on `obj` (read under its row lock): first who
        may (403), then the state (400), then checks about what has happened (400), then the
        guards about the object. Returns the transition, for its audit action and recipients."""
        transition = self._by_name[name]
        if is_read_only(actor):
            raise PermissionDenied("Auditors read the records; they take no step in them.")
        roles = [c for c in transition.who if c.refusal is PermissionDenied]
        for check in roles:
            check.enforce(actor, obj)
        if not self.in_source_state(obj, name):
            raise TransitionNotAllowed(self.refusal_for_state(obj, transition))
        for check in transition.who:
            if check.refusal is not PermissionDenied:
                check.enforce(actor, obj)
        for guard in transition.guards:
            guard.enforce(obj)
        _tell_the_awaited_after_commit(obj, actor)
        return transition

    def refusal_for_state(self, obj, transition: Transition) -> str:
        if transition.name in self.refusals:
            return _text(self.refusals[transition.name], obj)
        worded = self.refusal(obj, transition) if self.refusal is not None else None
        if worded is not None:
            return worded
        display = getattr(obj, f"get_{self.state_field}_display")().lower()
        noun = self.noun or obj._meta.verbose_name
        doing = transition.doing or transition.label.lower()
        article = "An" if noun[:1].lower() in "aeiou" else "A"
        return f"{article} {noun} that is {display} cannot be {doing}."

    def awaiting(self, obj, *, people: bool = True) -> Awaiting | None:
        """What `obj` awaits now. `people=False` leaves out whom (a query a row in a list; the
        words name their roles)."""
        state = self.state_of(obj)
        for index, wait in enumerate(self.waits):
            if wait.state != state or (wait.when is not None and not wait.when(obj)):
                continue
            due = wait.due(obj) if wait.due else None
            who = tuple(wait.who(obj)) if people else ()
            return Awaiting(_text(wait.what, obj), who, due, str(state), index)
        return None

    def open_objects(self):
        """The rows that may await someone now: those in a state with a wait."""
        rows = self.model._default_manager.all()
        if self.open_rows is not None:
            return self.open_rows(rows)
        waiting_states = {wait.state for wait in self.waits}
        return rows.filter(**{f"{self.state_field}__in": waiting_states})

    def table(self) -> dict[str, set[str]]:
        """The state table the declaration implies: from each state, the states it may reach."""
        table: dict[str, set[str]] = {state: set() for state in self.states.values}
        for transition in self.transitions:
            if transition.target is None:
                continue
            for source in transition.sources:
                table[source].add(transition.target)
        return table


def person_with(what: str, *roles: str) -> tuple[Check, ...]:
    """The who-may checks of most steps: a person, then one of `roles` (who may write), each
    refusal saying who may ("Only Board director may close a vote.")."""
    return (
        Check(is_person, f"Only a person may {what}."),
        Check(holds(*roles), f"Only {role_labels(*roles)} may {what}."),
    )


def enforce(checks: Iterable[Check], actor, obj=None) -> None:
    """For steps that create a record (no object, no state yet): each check in turn."""
    for check in checks:
        check.enforce(actor, obj)


REGISTRY: dict[str, Workflow] = {}


def declare(workflow: Workflow, model) -> Workflow:
    """Register `workflow` as the declaration for `model`, for `workflow_for` and the tag."""
    workflow.model = model
    REGISTRY[model._meta.label_lower] = workflow
    return workflow


def _tell_the_awaited_after_commit(obj, actor) -> None:
    # Lazily: the services import the declarations.
    from .services.awaited import awaited_tell_after_commit

    awaited_tell_after_commit(obj, actor)


def workflow_for(obj) -> Workflow | None:
    meta = getattr(obj, "_meta", None)
    return REGISTRY.get(meta.label_lower) if meta is not None else None
