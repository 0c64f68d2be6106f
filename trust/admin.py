"""Founding trustee terms, recorded by administrators through the service (audited). Later
terms come from elections; no term is edited or deleted here."""

from django import forms
from django.contrib import admin

from .models import TrusteeTerm
from .services import trustee_term_record, trustee_term_validate


class TrusteeTermForm(forms.ModelForm):
    class Meta:
        model = TrusteeTerm
        fields = ["user", "starts_on"]

    def clean(self):
        data = super().clean()
        trustee_term_validate(user=data.get("user"), starts_on=data.get("starts_on"))
        return data


@admin.register(TrusteeTerm)
class TrusteeTermAdmin(admin.ModelAdmin):
    form = TrusteeTermForm
    list_display = ["user", "starts_on", "ends_on", "election"]
    readonly_fields = ["ends_on", "election"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        term = trustee_term_record(actor=request.user, user=obj.user, starts_on=obj.starts_on)
        obj.pk, obj.ends_on = term.pk, term.ends_on
