"""Pages of the core app: sign-in, home, the audit log and frameworks; the shared view helpers."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.urls import reverse, reverse_lazy
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from ..choices import Role
from ..errors import DomainError
from ..filters import AuditEventFilter
from ..forms import FrameworkAdoptionForm
from ..models import AuditEvent
from ..my_work import work_awaiting, work_waiting_on_others
from ..panels import home_panels_for
from ..permissions import (
    AUDIT_READERS,
    RoleRequiredMixin,
    can_view_audit_log,
    user_roles,
)
from ..selectors import (
    audit_events_for_user,
    audit_events_readable_by,
    audit_verification_latest,
    framework_adoptions,
    framework_version_in_force,
    framework_versions_detailed,
    framework_versions_list,
)
from ..services import framework_version_adopt, user_log_in, user_log_out

# What each role is here to do, shown on the home page until the workflows fill it.
ROLE_DUTIES = {
    Role.SAFETY_STAFF: "Register models and snapshots, run evaluations and write capability "
    "reports.",
    Role.INTERNAL_REVIEWER: "Critique capability reports before a determination is made.",
    Role.RSO: "Decide ASL determinations with the CEO, handle escalations and noncompliance, "
    "and report quarterly to the board and the Trust.",
    Role.CEO: "Decide ASL determinations with the RSO, approve interim measures and safeguards.",
    Role.BOARD_DIRECTOR: "Approve policy changes after the Trust is consulted; be told of "
    "determinations before the lab proceeds.",
    Role.TRUSTEE: "Advise on policy changes, receive determinations, elect trustees and directors.",
    Role.AUDITOR: "Read every record and the audit log; change nothing.",
}


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user_log_in(request=self.request, user=form.get_user())
        return HttpResponseRedirect(self.get_success_url())


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        user_log_out(request=request)
        return HttpResponseRedirect(resolve_url(self.get_success_url()))


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "governance/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        roles = sorted(user_roles(user))
        context = super().get_context_data(**kwargs)
        context["duties"] = [(Role(role).label, ROLE_DUTIES[role]) for role in roles]
        context["awaiting_me"] = work_awaiting(user)
        context["waiting_on_others"] = work_waiting_on_others(user)
        context["overview"] = home_panels_for(user)
        context["recent_activity"] = audit_events_for_user(user)
        context["version_in_force"] = framework_version_in_force()
        if can_view_audit_log(user):
            context["audit_verification"] = audit_verification_latest()
            context["show_audit_status"] = True
        return context


class AuditEventListView(RoleRequiredMixin, ListView):
    read_roles = AUDIT_READERS
    template_name = "governance/audit_list.html"
    paginate_by = 50
    context_object_name = "events"

    def get_queryset(self):
        self.filterset = AuditEventFilter(
            self.request.GET or None, queryset=audit_events_readable_by(self.request.user)
        )
        if self.filterset.is_bound and not self.filterset.is_valid():
            return AuditEvent.objects.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["querystring"] = querystring_without_page(self.request)
        return context


class AuditEventDetailView(RoleRequiredMixin, DetailView):
    read_roles = AUDIT_READERS
    template_name = "governance/audit_detail.html"
    context_object_name = "event"

    def get_queryset(self):
        return audit_events_readable_by(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.object
        keys = sorted(set(event.before or {}) | set(event.after or {}))
        context["changes"] = [
            {
                "field": key,
                "before": (event.before or {}).get(key),
                "after": (event.after or {}).get(key),
                "changed": (event.before or {}).get(key) != (event.after or {}).get(key),
            }
            for key in keys
        ]
        return context


# Pages that save through a service


class ServiceFormView(RoleRequiredMixin, FormView):
    """A form page whose valid input goes to one service; the service's ValidationError comes
    back as form errors, and nothing is saved."""

    template_name = "governance/form.html"
    writers_only = True
    success_message = "Saved."
    title = ""
    cancel_url = ""

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            saved = self.perform(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        except DomainError as error:  # a workflow rule, not a field: shown above the form
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(self.get_success_url(saved))

    def get_success_url(self, saved=None):
        return saved.get_absolute_url()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("title", self.title)
        kwargs.setdefault("cancel_url", self.cancel_url)
        return super().get_context_data(**kwargs)


# Frameworks


class FrameworkListView(RoleRequiredMixin, TemplateView):
    template_name = "governance/framework_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = list(framework_versions_list())
        in_force = framework_version_in_force()
        context.update(
            versions=versions,
            version_in_force=in_force,
            adoptions=list(framework_adoptions()),
        )
        return context


class FrameworkVersionDetailView(RoleRequiredMixin, DetailView):
    template_name = "governance/framework_version_detail.html"
    context_object_name = "version"
    queryset = framework_versions_detailed()

    def get_context_data(self, **kwargs):
        in_force = framework_version_in_force()
        return super().get_context_data(
            in_force=in_force is not None and in_force.pk == self.object.pk, **kwargs
        )


class FrameworkAdoptionCreateView(ServiceFormView):
    write_roles = [Role.RSO]
    form_class = FrameworkAdoptionForm
    title = "Put a framework version in force"
    success_message = "The adoption is recorded."
    cancel_url = reverse_lazy("framework-list")

    def get_initial(self):
        return {"version": self.request.GET.get("version")}

    def perform(self, form):
        return framework_version_adopt(
            actor=self.request.user,
            version=form.cleaned_data["version"],
            effective_from=form.effective_moment(),
            note=form.cleaned_data["note"],
        )

    def get_success_url(self, saved=None):
        return reverse("framework-list")


class StepView(RoleRequiredMixin, View):
    """POST only: one workflow step named in the URL, on one object. `steps` maps each name to
    the service call; the service decides whether this person may take it."""

    model: type | None = None

    def steps(self, request, obj) -> dict[str, Callable[[], object]]:
        raise NotImplementedError

    def post(self, request, pk, step):
        obj = get_object_or_404(self.model, pk=pk)
        steps = self.steps(request, obj)
        if step not in steps:
            raise PermissionDenied("Unknown step.")
        run_step(request, steps[step], "Recorded.")
        return redirect(obj.get_absolute_url())


def run_step(request, step, success: str) -> bool:
    """Take one workflow step from a posted button: a refusal by the service becomes a message
    on the page (a missing role still answers 403)."""
    # The database cannot store a NUL character; say so rather than fail on saving.
    if any("\x00" in value for _, values in request.POST.lists() for value in values):
        messages.error(request, "The text contains a NUL character, which cannot be stored.")
        return False
    try:
        step()
    except (DomainError, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return False
    messages.success(request, success)
    return True


def add_service_errors(form, error: ValidationError) -> None:
    """A service's errors on the form: on their field where the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def querystring_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
