"""Triage: scores, SSVC decisions, deadlines and remediation plans for operators' findings."""
