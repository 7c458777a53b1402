"""The identity domain's public face: what the API, the pages, the CLI and other domains call.

Every function takes the acting principal and checks it against the policy itself, so no door
can forget to; every change, and every refused attempt, is written to the audit log in the same
transaction.
"""

from clearinghouse.identity.accounts import (
    COORDINATOR_ORGANIZATION,
    SignIn,
    create_coordinator_admin,
    find_user,
    set_password,
    sign_in,
    sign_out,
)
from clearinghouse.identity.acting import IdentityError, NotFound, audit
from clearinghouse.identity.invitations import (
    accept_invitation,
    invite,
    list_invitations,
    pending_invitation,
    revoke_invitation,
)
from clearinghouse.identity.organizations import (
    create_organization,
    get_organization,
    list_members,
    list_organizations,
    organization_names,
    organization_profile,
    update_member,
    update_organization,
)
from clearinghouse.identity.tokens import create_token, list_tokens, revoke_token

__all__ = [
    "COORDINATOR_ORGANIZATION",
    "IdentityError",
    "NotFound",
    "SignIn",
    "accept_invitation",
    "audit",
    "create_coordinator_admin",
    "create_organization",
    "create_token",
    "find_user",
    "get_organization",
    "invite",
    "list_invitations",
    "list_members",
    "list_organizations",
    "list_tokens",
    "organization_names",
    "organization_profile",
    "pending_invitation",
    "revoke_invitation",
    "revoke_token",
    "set_password",
    "sign_in",
    "sign_out",
    "update_member",
    "update_organization",
]
