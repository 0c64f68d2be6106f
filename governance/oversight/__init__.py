"""Oversight: escalations, the restrictions they propose (pauses, holds, waivers), and
noncompliance reports."""
