"""The Trust's workflow declarations (consultations, elections); see governance/workflow.py."""
