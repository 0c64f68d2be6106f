"""Writes and transitions of the core app, one module per subdomain. Import from here."""

from .audit import audit_log_check
from .frameworks import LoadOutcome, framework_files_load, framework_version_adopt
from .users import (
    roles_ensure_groups,
    user_log_in,
    user_log_out,
    user_record_access_change,
    user_record_lockout,
    user_record_login_failure,
    user_record_password_change,
    user_set_roles,
    user_snapshot,
    user_unlock_sign_in,
)

__all__ = [
    "LoadOutcome",
    "audit_log_check",
    "framework_files_load",
    "framework_version_adopt",
    "roles_ensure_groups",
    "user_log_in",
    "user_log_out",
    "user_record_access_change",
    "user_record_password_change",
    "user_set_roles",
    "user_record_lockout",
    "user_record_login_failure",
    "user_snapshot",
    "user_unlock_sign_in",
]
