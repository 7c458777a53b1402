"""Organizations and their members."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearinghouse.identity import policy
from clearinghouse.identity.acting import IdentityError, audit, not_found
from clearinghouse.identity.models import Organization, User
from clearinghouse.identity.policy import AccessDenied, Decision, Principal
from clearinghouse.identity.ratelimit import parse_limits
from clearinghouse.identity.schemas import (
    MemberOut,
    MemberUpdate,
    OrganizationIn,
    OrganizationOut,
    OrganizationUpdate,
    Origin,
    check_kind_fields,
)
from clearinghouse.identity.vocabulary import OrgKind, OrgRole, PlatformRole


def create_organization(
    session: Session, actor: Principal, origin: Origin, data: OrganizationIn
) -> OrganizationOut:
    policy.require(actor, "organizations.create")
    if session.scalar(
        select(Organization.id).where(func.lower(Organization.name) == data.name.lower())
    ):
        raise IdentityError(f"an organization named {data.name!r} exists already")
    organization = Organization(
        name=data.name,
        kinds=[k.value for k in data.kinds],
        sector=data.sector,
        size=data.size,
        finder_type=data.finder_type,
        contact_email=data.contact_email,
    )
    session.add(organization)
    session.flush()
    audit(
        session,
        actor,
        origin,
        "organization.create",
        organization_id=organization.id,
        resource_type="organization",
        resource_id=organization.id,
        name=data.name,
        kinds=organization.kinds,
    )
    return OrganizationOut.model_validate(organization)


def list_organizations(session: Session, actor: Principal, origin: Origin) -> list[OrganizationOut]:
    policy.require(actor, "organizations.list")
    query = select(Organization).order_by(Organization.name)
    if not policy.across_tenants(actor, "organization.read"):
        query = query.where(Organization.id == actor.organization_id)
    return [OrganizationOut.model_validate(o) for o in session.scalars(query)]


def organization_names(session: Session, organization_ids: Collection[str]) -> dict[str, str]:
    """Names by id, for labelling data the caller was already allowed to read."""
    if not organization_ids:
        return {}
    query = select(Organization.id, Organization.name).where(
        Organization.id.in_(sorted(set(organization_ids)))
    )
    return {row.id: row.name for row in session.execute(query)}


def organization_for(
    session: Session, actor: Principal, origin: Origin, action: str, organization_id: str
) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise not_found("organization")
    policy.require(actor, action, organization.id)
    return organization


def get_organization(
    session: Session, actor: Principal, origin: Origin, organization_id: str
) -> OrganizationOut:
    organization = organization_for(session, actor, origin, "organization.read", organization_id)
    return OrganizationOut.model_validate(organization)


def organization_profile(session: Session, organization_id: str) -> OrganizationOut | None:
    """An organization's profile, for a service that has already checked the policy on this
    organization's data (a plan reads its operator's sector)."""
    organization = session.get(Organization, organization_id)
    return OrganizationOut.model_validate(organization) if organization else None


def update_organization(
    session: Session,
    actor: Principal,
    origin: Origin,
    organization_id: str,
    data: OrganizationUpdate,
) -> OrganizationOut:
    organization = organization_for(session, actor, origin, "organization.update", organization_id)
    changes = data.model_dump(exclude_unset=True)
    platform_admin = actor.platform_role is PlatformRole.COORDINATOR_ADMIN
    for field in ("kinds", "rate_limits"):
        if field in changes and not platform_admin:
            raise AccessDenied(
                Decision(False, 403, f"only coordinator admins may change {field}"),
                "organization.update",
                organization.id,
            )
    if changes.get("rate_limits"):
        try:
            parse_limits(changes["rate_limits"])
        except ValueError as exc:
            raise IdentityError(f"rate_limits: {exc}") from None
    kinds = [OrgKind(k) for k in changes.get("kinds") or organization.kinds]
    try:
        check_kind_fields(
            kinds,
            changes.get("sector", organization.sector),
            changes.get("size", organization.size),
            changes.get("finder_type", organization.finder_type),
        )
    except ValueError as exc:
        raise IdentityError(str(exc)) from None
    if (
        changes.get("name")
        and changes["name"].lower() != organization.name.lower()
        and session.scalar(
            select(Organization.id).where(func.lower(Organization.name) == changes["name"].lower())
        )
    ):
        raise IdentityError(f"an organization named {changes['name']!r} exists already")
    if "kinds" in changes:
        changes["kinds"] = sorted({OrgKind(k).value for k in changes["kinds"]})
    for field, value in changes.items():
        setattr(organization, field, value)
    audit(
        session,
        actor,
        origin,
        "organization.update",
        organization_id=organization.id,
        resource_type="organization",
        resource_id=organization.id,
        changed=sorted(changes),
    )
    return OrganizationOut.model_validate(organization)


def list_members(
    session: Session, actor: Principal, origin: Origin, organization_id: str
) -> list[MemberOut]:
    organization = organization_for(session, actor, origin, "members.read", organization_id)
    users = session.scalars(
        select(User).where(User.organization_id == organization.id).order_by(User.email)
    )
    return [MemberOut.model_validate(u) for u in users]


def update_member(
    session: Session,
    actor: Principal,
    origin: Origin,
    organization_id: str,
    user_id: str,
    data: MemberUpdate,
) -> MemberOut:
    organization = organization_for(session, actor, origin, "members.manage", organization_id)
    user = session.get(User, user_id)
    if user is None or user.organization_id != organization.id:
        raise not_found("member")
    if user.id == actor.user_id:
        # Nobody edits their own role or deactivates themselves: ask another admin.
        raise AccessDenied(
            Decision(False, 403, "you cannot change your own role or status"),
            "member.update",
            organization.id,
        )
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if user.role == OrgRole.ADMIN and (
        changes.get("role", OrgRole.ADMIN) != OrgRole.ADMIN or changes.get("is_active") is False
    ):
        other_admins = session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.organization_id == organization.id,
                User.role == OrgRole.ADMIN,
                User.is_active.is_(True),
                User.id != user.id,
            )
        )
        if not other_admins:
            raise IdentityError("the organization would have no admin left")
    before = {"role": user.role, "is_active": user.is_active}
    for field, value in changes.items():
        setattr(user, field, value)
    audit(
        session,
        actor,
        origin,
        "member.update",
        organization_id=organization.id,
        resource_type="user",
        resource_id=user.id,
        before=before,
        after={k: changes.get(k, v) for k, v in before.items()},
    )
    return MemberOut.model_validate(user)
