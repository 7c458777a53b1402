"""Vulnerability knowledge: advisories, affected packages and the version rules that match them."""
