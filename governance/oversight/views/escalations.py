"""Pages for escalations and restrictions."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DetailView, ListView

from governance.choices import Role
from governance.determinations.models import Determination
from governance.oversight.filters import EscalationFilter
from governance.oversight.models import Escalation, Restriction
from governance.oversight.selectors import (
    escalation_detail,
    escalation_resolving_determinations,
    escalation_rows,
    escalations_by_urgency,
    escalations_list,
)
from governance.oversight.services.escalations import (
    escalation_acknowledge,
    escalation_dismiss,
    escalation_reopen,
    escalation_resolve,
    restriction_sign_activation,
    restriction_sign_lift,
    restriction_sign_waiver,
    restriction_waiver_end,
)
from governance.oversight.workflows.escalations import ACTIVATION, HANDLERS, LIFT, WAIVER
from governance.permissions import RoleRequiredMixin
from governance.templatetags.signing import still_needed
from governance.views import querystring_without_page, run_step

# The list's orders: ?sort=urgent (the default) puts what is overdue, then due soonest, first.
SORTS = {"urgent": "Most urgent first (overdue first)", "updated": "Recently updated first"}


class EscalationListView(RoleRequiredMixin, ListView):
    template_name = "oversight/escalation_list.html"
    context_object_name = "escalations"
    paginate_by = 50

    def get_queryset(self):
        params = self.request.GET or None
        self.sort = self.request.GET.get("sort", "urgent")
        self.sort_error = "" if self.sort in SORTS else self._sort_error(self.sort)
        self.filterset = EscalationFilter(params, queryset=escalations_list())
        if self.sort_error or (self.filterset.is_bound and not self.filterset.is_valid()):
            return Escalation.objects.none()
        queryset = self.filterset.qs
        return escalations_by_urgency(queryset) if self.sort == "urgent" else queryset

    @staticmethod
    def _sort_error(value: str) -> str:
        choices = " or ".join(f"'{key}'" for key in SORTS)
        return f"Unknown sort {value[:40]!r}: use {choices}."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            filter=self.filterset, querystring=querystring_without_page(self.request), **kwargs
        )
        # Read for the whole page at once: a few queries however many rows.
        context["rows"] = escalation_rows(context["object_list"])
        query = self.request.GET.copy()
        query.pop("page", None)
        links = []
        for key, label in SORTS.items():
            query["sort"] = key
            links.append({"key": key, "label": label, "query": query.urlencode()})
        context.update(sort=self.sort, sort_links=links, sort_error=self.sort_error)
        return context

    def render_to_response(self, context, **response_kwargs):
        if self.sort_error:
            response_kwargs["status"] = 400
        return super().render_to_response(context, **response_kwargs)


class EscalationDetailView(RoleRequiredMixin, DetailView):
    template_name = "oversight/escalation_detail.html"
    context_object_name = "escalation"
    queryset = escalation_detail()

    def get_context_data(self, **kwargs):
        # Which steps to show is the declaration's: the template asks `{% workflow_actions %}`.
        return super().get_context_data(
            resolving_determinations=escalation_resolving_determinations(self.object), **kwargs
        )


_ESCALATION_VERBS = {
    "acknowledge": lambda actor, e, note: escalation_acknowledge(actor=actor, escalation=e),
    "resolve": lambda actor, e, note, determination=None: escalation_resolve(
        actor=actor, escalation=e, note=note, determination=determination
    ),
    "dismiss": lambda actor, e, note: escalation_dismiss(actor=actor, escalation=e, reason=note),
    "reopen": lambda actor, e, note: escalation_reopen(actor=actor, escalation=e, reason=note),
}


class EscalationActionView(RoleRequiredMixin, View):
    """POST only: one transition; the service checks role and state."""

    write_roles = HANDLERS

    def post(self, request, pk, verb):
        escalation = get_object_or_404(Escalation, pk=pk)
        if verb not in _ESCALATION_VERBS:
            raise PermissionDenied("Unknown action.")

        def step():
            if verb == "resolve":
                pk_text = request.POST.get("determination", "")
                determination = (
                    Determination.objects.filter(pk=int(pk_text)).first()
                    if pk_text.isdigit()
                    else None
                )
                _ESCALATION_VERBS[verb](
                    request.user, escalation, request.POST.get("note", ""), determination
                )
            else:
                _ESCALATION_VERBS[verb](request.user, escalation, request.POST.get("note", ""))

        run_step(request, step, f"Escalation {verb}d." if verb != "reopen" else "Reopened.")
        return redirect(escalation.get_absolute_url())


def _moment_from_form(text: str):
    """A datetime-local field's value, in the site's time zone; None when empty or invalid
    (the service then says what it needs)."""
    try:
        return forms.DateTimeField(required=False).clean(text)
    except ValidationError:
        return None


# The signature each restriction step gives ("end-waiver" signs nothing).
SIGNATURES = {"activate": ACTIVATION, "lift": LIFT, "waive": WAIVER}


class RestrictionSignView(RoleRequiredMixin, View):
    """The restriction buttons: sign to activate, to lift, or to waive under interim measures
    (with the measures and their end), and end interim measures (with a reason)."""

    write_roles = [Role.RSO, Role.CEO]

    def post(self, request, pk, stage):
        restriction = get_object_or_404(Restriction.objects.select_related("model"), pk=pk)
        steps = {
            "activate": lambda: restriction_sign_activation(
                actor=request.user, restriction=restriction
            ),
            "lift": lambda: restriction_sign_lift(actor=request.user, restriction=restriction),
            "waive": lambda: restriction_sign_waiver(
                actor=request.user,
                restriction=restriction,
                measures=request.POST.get("measures", ""),
                until=_moment_from_form(request.POST.get("until", "")),
            ),
            "end-waiver": lambda: restriction_waiver_end(
                actor=request.user, restriction=restriction, reason=request.POST.get("reason", "")
            ),
        }
        if stage not in steps:
            raise PermissionDenied("Unknown action.")
        outcome = {}
        key = SIGNATURES.get(stage)
        done = "Signed." if key is not None else "Interim measures ended."
        if run_step(request, lambda: outcome.setdefault("r", steps[stage]()), done):
            signed = outcome["r"]
            now = f"{signed.get_kind_display()} is {signed.get_state_display().lower()}."
            # Say whose signature is still needed, not only where the restriction stands.
            needed = still_needed(signed, key) if key is not None else ""
            messages.info(
                request, f"{needed}; until then {now[:1].lower()}{now[1:]}" if needed else now
            )
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = restriction.model.get_absolute_url()
        return redirect(target)
