"""Pages of the core app: sign-in, the role-aware home page and the audit log."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.views.generic import DetailView, ListView, TemplateView

from .choices import Role
from .filters import AuditEventFilter
from .models import AuditEvent
from .permissions import AUDIT_READERS, RoleRequiredMixin, can_view_audit_log, user_roles
from .selectors import (
    audit_events_for_user,
    audit_events_list,
    audit_verification_latest,
)
from .services import user_log_in, user_log_out

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
        context["recent_activity"] = audit_events_for_user(user)
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
        self.filterset = AuditEventFilter(self.request.GET or None, queryset=audit_events_list())
        if self.filterset.is_bound and not self.filterset.is_valid():
            return AuditEvent.objects.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        return context


class AuditEventDetailView(RoleRequiredMixin, DetailView):
    read_roles = AUDIT_READERS
    template_name = "governance/audit_detail.html"
    context_object_name = "event"
    queryset = audit_events_list()

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
