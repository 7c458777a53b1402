"""The words of identity: organization kinds, sectors, roles and token scopes."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    OPERATOR = "operator"
    FINDER = "finder"
    VENDOR = "vendor"
    COORDINATOR = "coordinator"
    GOVERNMENT_EVALUATOR = "government_evaluator"
    MODEL_DEVELOPER = "model_developer"
    TRUSTED_PARTNER = "trusted_partner"


class Sector(StrEnum):
    HEALTHCARE = "healthcare"
    FINANCE = "finance"
    WATER = "water"
    ENERGY = "energy"
    GOVERNMENT = "government"
    EDUCATION = "education"
    OTHER = "other"


class OrgSize(StrEnum):
    """Head count bands, as operators describe themselves."""

    MICRO = "micro"  # fewer than 10 people
    SMALL = "small"  # 10-49
    MEDIUM = "medium"  # 50-249
    LARGE = "large"  # 250 or more


class FinderType(StrEnum):
    AI_DEVELOPER = "ai_developer"
    RESEARCH_GROUP = "research_group"
    SCANNER_VENDOR = "scanner_vendor"


class OrgRole(StrEnum):
    VIEWER = "viewer"
    MEMBER = "member"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: OrgRole) -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {OrgRole.VIEWER: 0, OrgRole.MEMBER: 1, OrgRole.ADMIN: 2}


class PlatformRole(StrEnum):
    """Platform-wide roles of the clearinghouse's own staff."""

    COORDINATOR = "coordinator"  # sees across tenants, coordinates cases
    COORDINATOR_ADMIN = "coordinator_admin"  # also manages organizations and accounts
    # Runs the frontier benchmark and alone decrypts its tasks. Apart from the coordinators on
    # purpose: a coordinator admin does not read the held-out suite, an evaluator coordinates
    # no cases.
    EVALUATOR = "evaluator"

    def at_least(self, other: PlatformRole) -> bool:
        if self is other:
            return True
        return self is PlatformRole.COORDINATOR_ADMIN and other is PlatformRole.COORDINATOR


class Scope(StrEnum):
    """What an API token may do; each action of the policy names the scope it needs."""

    ORG_READ = "org:read"
    ORG_WRITE = "org:write"
    SYSTEM_READ = "system:read"
    AUDIT_READ = "audit:read"
    VULNS_READ = "vulns:read"
    REPORTS_READ = "reports:read"
    REPORTS_WRITE = "reports:write"
    INVENTORY_READ = "inventory:read"
    INVENTORY_WRITE = "inventory:write"
    ADMIN = "admin"


SCOPE_DESCRIPTIONS = {
    Scope.ORG_READ: "read your organization, its members and invitations",
    Scope.ORG_WRITE: "change your organization's profile, members and invitations",
    Scope.SYSTEM_READ: "read the system status and job runs (coordinators)",
    Scope.AUDIT_READ: "search the audit log (coordinators)",
    Scope.VULNS_READ: "read vulnerabilities in the knowledge base",
    Scope.REPORTS_READ: "read your organization's finder reports (coordinators: all)",
    Scope.REPORTS_WRITE: "submit finder reports for your organization",
    Scope.INVENTORY_READ: "read your organization's assets, inventories and findings",
    Scope.INVENTORY_WRITE: "create assets and upload inventories",
    Scope.ADMIN: "manage organizations across the platform (coordinator admins)",
}
