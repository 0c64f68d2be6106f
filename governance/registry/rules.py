"""Who may change the registry; read by the pages (`{% test_rule "registry.edit" %}`)."""

import rules

from governance.rules import is_safety_staff

# Registering models and snapshots: safety staff (the registry's services refuse the rest).
rules.set_rule("registry.edit", is_safety_staff)
