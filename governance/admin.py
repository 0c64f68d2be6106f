from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from .models import AuditEvent, AuditVerification
from .services import (
    user_record_access_change,
    user_record_password_change,
    user_snapshot,
    user_unlock_sign_in,
)

User = get_user_model()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "created_at", "actor_label", "action", "target_type", "target_id"]
    list_filter = ["action", "actor_type", "target_type"]
    search_fields = ["actor_label", "action", "target_repr", "request_id"]
    date_hierarchy = "created_at"


@admin.register(AuditVerification)
class AuditVerificationAdmin(ReadOnlyAdmin):
    list_display = ["checked_at", "ok", "events_verified", "first_broken_sequence"]


admin.site.unregister(User)
# Roles are the fixed groups the migrations create; editing or deleting one in the admin would
# change people's access without an audit event.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """The Django user admin, with every change of access (roles, flags) audited."""

    def save_model(self, request, obj, form, change):
        request._audit_user_before = user_snapshot(User.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_record_access_change(
            actor=request.user, user=form.instance, before=request._audit_user_before
        )

    actions = ["unlock_sign_in"]

    @admin.action(description="Unlock sign-in (lift a lockout after wrong passwords)")
    def unlock_sign_in(self, request, queryset):
        for user in queryset:
            user_unlock_sign_in(actor=request.user, user=user)
        self.message_user(request, f"Sign-in unlocked for {queryset.count()} user(s).")

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user_record_password_change(actor=request.user, user=self.get_object(request, id))
        return response
