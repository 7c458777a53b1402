"""The one authorization policy: who (principal) may do what (action) to which organization's data.

Every API route and page declares its action (see `guard.requires`); services call `require`
again with the organization a resource belongs to. Another tenant's object answers 404, never
403, so that its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from clearinghouse.identity.vocabulary import OrgKind, OrgRole, PlatformRole, Scope

Via = Literal["anonymous", "session", "token", "cli"]


@dataclass(frozen=True)
class Principal:
    """Who is asking, as the policy sees them."""

    via: Via
    user_id: str | None = None
    email: str | None = None
    organization_id: str | None = None
    organization_kinds: frozenset[OrgKind] = frozenset()
    role: OrgRole | None = None
    platform_role: PlatformRole | None = None
    # Only for API tokens: what the token was granted. Sessions act with the user's full role.
    scopes: frozenset[Scope] | None = None
    token_id: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.via != "anonymous"

    @property
    def label(self) -> str:
        """How the audit log names this principal."""
        return self.email or self.via

    @classmethod
    def anonymous(cls) -> Principal:
        return cls(via="anonymous")

    @classmethod
    def command_line(cls) -> Principal:
        """Whoever runs `clearinghouse` on the server already holds the database: full power."""
        return cls(via="cli", platform_role=PlatformRole.COORDINATOR_ADMIN)

    @classmethod
    def evaluator_command_line(cls) -> Principal:
        """The server's command line acting as the evaluator, for `clearinghouse frontier`:
        whoever runs it holds the task key and the database anyway; it is audited as `cli`."""
        return cls(via="cli", platform_role=PlatformRole.EVALUATOR)


@dataclass(frozen=True)
class Rule:
    description: str
    public: bool = False
    scope: Scope | None = None
    # The role needed in the organization the data belongs to; None: platform roles only.
    org_role: OrgRole | None = None
    # The platform role that grants the action in every organization.
    platform_role: PlatformRole | None = None
    # The data belongs to one organization: outsiders get 404.
    tenant_scoped: bool = False
    # Not with an API token (a stolen token must not mint or revoke credentials).
    session_only: bool = False
    # Only members of an organization of this kind (platform roles aside).
    org_kind: OrgKind | None = None


ACTIONS: dict[str, Rule] = {
    "public": Rule("anyone, signed in or not", public=True),
    "me.read": Rule("see who you are", org_role=OrgRole.VIEWER),
    "session.manage": Rule("sign out", org_role=OrgRole.VIEWER, session_only=True),
    "system.read": Rule(
        "see system status and job runs",
        scope=Scope.SYSTEM_READ,
        platform_role=PlatformRole.COORDINATOR,
    ),
    "organizations.list": Rule(
        "list organizations (yours; coordinators: all)",
        scope=Scope.ORG_READ,
        org_role=OrgRole.VIEWER,
        platform_role=PlatformRole.COORDINATOR,
    ),
    "organizations.browse": Rule(
        "browse every organization", scope=Scope.ORG_READ, platform_role=PlatformRole.COORDINATOR
    ),
    "organizations.create": Rule(
        "create an organization", scope=Scope.ADMIN, platform_role=PlatformRole.COORDINATOR_ADMIN
    ),
    "organization.read": Rule(
        "see an organization's profile",
        scope=Scope.ORG_READ,
        org_role=OrgRole.VIEWER,
        platform_role=PlatformRole.COORDINATOR,
        tenant_scoped=True,
    ),
    "organization.update": Rule(
        "change an organization's profile",
        scope=Scope.ORG_WRITE,
        org_role=OrgRole.ADMIN,
        platform_role=PlatformRole.COORDINATOR_ADMIN,
        tenant_scoped=True,
    ),
    "members.read": Rule(
        "see an organization's members",
        scope=Scope.ORG_READ,
        org_role=OrgRole.VIEWER,
        platform_role=PlatformRole.COORDINATOR,
        tenant_scoped=True,
    ),
    "members.manage": Rule(
        "change members' roles, deactivate members",
        scope=Scope.ORG_WRITE,
        org_role=OrgRole.ADMIN,
        platform_role=PlatformRole.COORDINATOR_ADMIN,
        tenant_scoped=True,
    ),
    "invitations.manage": Rule(
        "invite people, see and revoke invitations",
        scope=Scope.ORG_WRITE,
        org_role=OrgRole.ADMIN,
        platform_role=PlatformRole.COORDINATOR_ADMIN,
        tenant_scoped=True,
    ),
    "tokens.read": Rule("list your own API tokens", org_role=OrgRole.VIEWER),
    "tokens.manage": Rule("create your own API tokens", org_role=OrgRole.VIEWER, session_only=True),
    # Any of your tokens may revoke your tokens: revoking never widens access.
    "tokens.revoke": Rule("revoke your own API tokens", org_role=OrgRole.VIEWER),
    "vulnerabilities.read": Rule(
        "look up vulnerabilities and search them by package",
        scope=Scope.VULNS_READ,
        org_role=OrgRole.VIEWER,
        platform_role=PlatformRole.COORDINATOR,
    ),
    "assets.read": Rule(
        "see an organization's assets, their inventories and findings",
        scope=Scope.INVENTORY_READ,
        org_role=OrgRole.VIEWER,
        platform_role=PlatformRole.COORDINATOR,
        tenant_scoped=True,
        org_kind=OrgKind.OPERATOR,
    ),
    "assets.manage": Rule(
        "create assets and upload their inventories",
        scope=Scope.INVENTORY_WRITE,
        org_role=OrgRole.MEMBER,
        platform_role=PlatformRole.COORDINATOR_ADMIN,
        tenant_scoped=True,
        org_kind=OrgKind.OPERATOR,
    ),
    "feeds.read": Rule(
        "see advisory import runs", scope=Scope.SYSTEM_READ, platform_role=PlatformRole.COORDINATOR
    ),
    "reports.submit": Rule(
        "submit finder reports for your organization",
        scope=Scope.REPORTS_WRITE,
        org_role=OrgRole.MEMBER,
        org_kind=OrgKind.FINDER,
    ),
    "reports.read": Rule(
        "see your organization's finder reports (coordinators: all)",
        scope=Scope.REPORTS_READ,
        org_role=OrgRole.VIEWER,
        platform_role=PlatformRole.COORDINATOR,
        tenant_scoped=True,
        org_kind=OrgKind.FINDER,
    ),
    "reports.triage": Rule(
        "see the triage queue of every finder's reports",
        scope=Scope.REPORTS_READ,
        platform_role=PlatformRole.COORDINATOR,
    ),
    "reports.override": Rule(
        "overrule deduplication: mark a report a duplicate, or not",
        scope=Scope.REPORTS_WRITE,
        platform_role=PlatformRole.COORDINATOR,
    ),
    "audit.read": Rule(
        "search the audit log", scope=Scope.AUDIT_READ, platform_role=PlatformRole.COORDINATOR
    ),
    # The benchmark is the evaluators' alone: its tasks are confidential, and a run's results
    # on a model are pre-release information. Never with an API token, so that a leaked token
    # can neither read the suite nor spend a model developer's access.
    "frontier.tasks.decrypt": Rule(
        "decrypt the frontier benchmark's task suites",
        platform_role=PlatformRole.EVALUATOR,
        session_only=True,
    ),
    "frontier.runs.start": Rule(
        "run the frontier benchmark against a model",
        platform_role=PlatformRole.EVALUATOR,
        session_only=True,
    ),
    "frontier.runs.read": Rule(
        "see the frontier benchmark's runs, scores and verdicts",
        platform_role=PlatformRole.EVALUATOR,
        session_only=True,
    ),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    status: int  # 200 when allowed; else 401, 403 or 404
    reason: str


ALLOW = Decision(True, 200, "allowed")


class AccessDenied(Exception):
    """A refusal; the web layer turns it into 401/403/404 and writes it to the audit log."""

    def __init__(
        self,
        decision: Decision,
        action: str | None = None,
        organization_id: str | None = None,
        resource: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(decision.reason)
        self.decision = decision
        self.action = action  # what the refusal is recorded as in the audit log
        self.organization_id = organization_id
        self.resource = resource  # (type, id) of the thing refused, when one was named

    def about(self, action: str, resource_type: str, resource_id: str) -> AccessDenied:
        """The same refusal, recorded as `action` on this resource (a sensitive read's name)."""
        return AccessDenied(
            self.decision, action, self.organization_id, (resource_type, resource_id)
        )


def rule_for(action: str) -> Rule:
    try:
        return ACTIONS[action]
    except KeyError:
        raise LookupError(f"undeclared action {action!r}: add it to identity.policy") from None


def decide(principal: Principal, action: str, organization_id: str | None = None) -> Decision:
    """May `principal` do `action` (on data of `organization_id`, when given)?"""
    rule = rule_for(action)
    if rule.public:
        return ALLOW
    if not principal.authenticated:
        return Decision(False, 401, "sign in or present an API token")
    if principal.via == "token":
        if rule.session_only:
            return Decision(False, 403, "this needs a signed-in session, not an API token")
        if rule.scope is not None and rule.scope not in (principal.scopes or frozenset()):
            return Decision(False, 403, f"the token lacks the scope {rule.scope.value!r}")
    if (
        rule.platform_role is not None
        and principal.platform_role is not None
        and principal.platform_role.at_least(rule.platform_role)
    ):
        return ALLOW
    outsider = organization_id is not None and organization_id != principal.organization_id
    if rule.tenant_scoped and outsider:
        # Platform staff see every tenant, so for them the object's existence is no secret.
        if principal.platform_role is not None:
            return Decision(False, 403, "your platform role does not allow this")
        return Decision(False, 404, "not found")
    if rule.org_role is None or principal.role is None:
        return Decision(False, 403, "this is reserved to the clearinghouse's coordinators")
    if outsider:
        return Decision(False, 403, "not allowed for your organization")
    if rule.org_kind is not None and rule.org_kind not in principal.organization_kinds:
        return Decision(False, 403, f"this is for {rule.org_kind.value} organizations")
    if not principal.role.at_least(rule.org_role):
        return Decision(False, 403, f"this needs the {rule.org_role.value} role")
    return ALLOW


def require(principal: Principal, action: str, organization_id: str | None = None) -> None:
    decision = decide(principal, action, organization_id)
    if not decision.allowed:
        raise AccessDenied(decision, action, organization_id)


def allowed(principal: Principal, action: str, organization_id: str | None = None) -> bool:
    return decide(principal, action, organization_id).allowed


def grantable_scopes(principal: Principal) -> set[Scope]:
    """The scopes a token of this user may carry: those of actions the user may do."""
    session_view = replace(principal, via="session", scopes=None, token_id=None)
    return {
        rule.scope
        for action, rule in ACTIONS.items()
        if rule.scope is not None and decide(session_view, action).allowed
    }


def across_tenants(principal: Principal, action: str) -> bool:
    """Does the principal's platform role grant `action` in every organization?"""
    rule = rule_for(action)
    if (
        principal.via == "token"
        and rule.scope is not None
        and rule.scope not in (principal.scopes or frozenset())
    ):
        return False
    return (
        rule.platform_role is not None
        and principal.platform_role is not None
        and principal.platform_role.at_least(rule.platform_role)
    )
