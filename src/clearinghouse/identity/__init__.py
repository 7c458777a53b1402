"""Organizations, users, authentication, the authorization policy and the audit log."""
