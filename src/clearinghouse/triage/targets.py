"""What `clearinghouse plan NAME` names: an asset or an organization, by id or by name."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clearinghouse.identity import service as identity
from clearinghouse.identity.acting import IdentityError
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.identity.vocabulary import OrgKind
from clearinghouse.inventory import service as inventory

ORIGIN = Origin(request_id=None, client_address="cli")


def resolve_target(session: Session, actor: Principal, text: str) -> tuple[str, str]:
    """("asset", id) or ("organization", id); names are matched without regard to case."""
    text = text.strip()
    try:
        return "asset", inventory.get_asset(session, actor, text).id
    except AccessDenied:
        pass
    organizations = identity.list_organizations(session, actor, ORIGIN)
    for organization in organizations:
        if text == organization.id or text.lower() == organization.name.lower():
            return "organization", organization.id
    assets = [
        (asset.id, organization.name)
        for organization in organizations
        if OrgKind.OPERATOR in organization.kinds
        for asset in inventory.list_assets(session, actor, organization.id)
        if asset.name.lower() == text.lower()
    ]
    if len(assets) == 1:
        return "asset", assets[0][0]
    if assets:
        owners = ", ".join(sorted(name for _, name in assets))
        raise IdentityError(f"several assets are named {text!r} ({owners}): give the asset's id")
    raise IdentityError(f"no asset or organization is called {text!r}")
