"""Who may change the evals app's records, as django-rules rules the pages ask with
`{% test_rule %}`: safety staff who may write (auditors never do; administrators are not let
through, as the upload, suite and eval-system pages do not let them write either)."""

import rules

from governance.rules import is_safety_staff

# Upload an eval log (the ingestion list's "Upload a log").
rules.set_rule("evals.upload", is_safety_staff)
# Create and edit eval suites, and eval systems with their tokens.
rules.set_rule("evals.edit", is_safety_staff)
