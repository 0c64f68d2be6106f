"""Pages for a person's inbox and for webhook subscriptions."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.views.generic import ListView

from ..choices import Role
from ..models import WebhookSubscription
from ..permissions import RoleRequiredMixin
from ..selectors import notifications_for_user, webhook_subscriptions_with_recent_deliveries
from ..services.notifications import inbox_mark_read, webhook_subscription_save
from . import ServiceFormView


class InboxView(RoleRequiredMixin, ListView):
    """Each person's notifications; everyone with a role has one."""

    template_name = "governance/inbox.html"
    context_object_name = "notifications"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.method == "POST":
            # Marking one's own notifications read changes no record of the organisation.
            inbox_mark_read(user=request.user)
            messages.success(request, "All notifications marked read.")
            return redirect("inbox")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return notifications_for_user(self.request.user)


class WebhookForm(forms.ModelForm):
    event_types = forms.CharField(
        help_text="Comma-separated, e.g. escalation.created, restriction.active; or * for all.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "event_types", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["event_types"] = ", ".join(self.instance.event_types)

    def clean_event_types(self) -> list[str]:
        return [
            item.strip() for item in self.cleaned_data["event_types"].split(",") if item.strip()
        ]


WEBHOOK_ADMINS = [Role.RSO]


class WebhookListView(RoleRequiredMixin, ListView):
    read_roles = WEBHOOK_ADMINS
    template_name = "governance/webhook_list.html"
    context_object_name = "subscriptions"

    def get_queryset(self):
        return webhook_subscriptions_with_recent_deliveries(20)


class WebhookSaveView(ServiceFormView):
    write_roles = WEBHOOK_ADMINS
    form_class = WebhookForm
    title = "Webhook subscription"
    cancel_url = reverse_lazy("webhook-list")
    success_message = "Webhook subscription saved."

    @cached_property
    def subscription(self):
        pk = self.kwargs.get("pk")
        return get_object_or_404(WebhookSubscription, pk=pk) if pk else None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.subscription}

    def perform(self, form):
        return webhook_subscription_save(
            actor=self.request.user, subscription=self.subscription, **form.cleaned_data
        )

    def form_valid(self, form):
        created = self.subscription is None
        try:
            saved = self.perform(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if created:
            return render(self.request, "governance/webhook_secret.html", {"subscription": saved})
        messages.success(self.request, self.success_message)
        return redirect("webhook-list")
