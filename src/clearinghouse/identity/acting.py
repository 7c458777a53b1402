"""Acting for a principal: check the policy, write the audit log, name the errors."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from clearinghouse.identity.audit.service import AuditEvent
from clearinghouse.identity.audit.service import record as record_audit
from clearinghouse.identity.policy import AccessDenied, Decision, Principal
from clearinghouse.identity.schemas import Origin


class IdentityError(ValueError):
    """A request that cannot be done as asked; the message says why, for a person."""


class NotFound(LookupError):
    pass


def audit(
    session: Session,
    actor: Principal,
    origin: Origin,
    action: str,
    *,
    outcome: str = "success",
    organization_id: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    **details: Any,
) -> None:
    record_audit(
        session,
        AuditEvent(
            action=action,
            outcome=outcome,
            actor=actor.label,
            actor_user_id=actor.user_id,
            organization_id=organization_id or actor.organization_id,
            resource_type=resource_type,
            resource_id=resource_id,
            request_id=origin.request_id,
            client_address=origin.client_address,
            details=details,
        ),
    )


def audit_refusal(
    session: Session, actor: Principal, origin: Origin, refused: AccessDenied, **details: Any
) -> None:
    """Record a refusal (outcome `denied`) with the resource it named, if any."""
    resource_type, resource_id = refused.resource or (None, None)
    audit(
        session,
        actor,
        origin,
        refused.action or "unknown",
        outcome="denied",
        organization_id=refused.organization_id,
        resource_type=resource_type,
        resource_id=resource_id,
        reason=refused.decision.reason,
        status=refused.decision.status,
        **details,
    )


def not_found(what: str) -> AccessDenied:
    return AccessDenied(Decision(False, 404, f"no such {what}"))
