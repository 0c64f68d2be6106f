"""ASL determinations (capability reports, findings, decisions, acknowledgements) and
safeguards reports."""
