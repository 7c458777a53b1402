"""The policy table itself: each kind of subject against representative actions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clearinghouse.identity import policy
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.vocabulary import OrgKind, OrgRole, PlatformRole, Scope

OWN, OTHER = "org-own", "org-other"


def person(
    role: OrgRole, *, platform: PlatformRole | None = None, scopes: set[Scope] | None = None
) -> Principal:
    return Principal(
        via="token" if scopes is not None else "session",
        user_id="u",
        organization_id=OWN,
        role=role,
        platform_role=platform,
        scopes=frozenset(scopes) if scopes is not None else None,
        token_id="t" if scopes is not None else None,
    )


def test_anonymous_may_only_do_public_things():
    anonymous = Principal.anonymous()
    assert policy.decide(anonymous, "public").allowed
    for action in policy.ACTIONS:
        if action != "public":
            assert policy.decide(anonymous, action).status == 401, action


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (OrgRole.VIEWER, "organization.read", True),
        (OrgRole.VIEWER, "members.read", True),
        (OrgRole.VIEWER, "organization.update", False),
        (OrgRole.MEMBER, "members.manage", False),
        (OrgRole.MEMBER, "invitations.manage", False),
        (OrgRole.ADMIN, "organization.update", True),
        (OrgRole.ADMIN, "members.manage", True),
        (OrgRole.ADMIN, "invitations.manage", True),
        (OrgRole.ADMIN, "organizations.create", False),
        (OrgRole.ADMIN, "system.read", False),
        (OrgRole.ADMIN, "audit.read", False),
    ],
)
def test_roles_in_their_own_organization(role: OrgRole, action: str, allowed: bool):
    decision = policy.decide(person(role), action, OWN)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.status == 403


@pytest.mark.parametrize(
    "action",
    [
        "organization.read",
        "organization.update",
        "members.read",
        "members.manage",
        "invitations.manage",
    ],
)
def test_another_tenant_is_not_found_never_forbidden(action: str):
    assert policy.decide(person(OrgRole.ADMIN), action, OTHER).status == 404


def test_platform_roles_cross_tenants_as_far_as_their_role_goes():
    analyst = person(OrgRole.MEMBER, platform=PlatformRole.COORDINATOR)
    chief = person(OrgRole.ADMIN, platform=PlatformRole.COORDINATOR_ADMIN)
    assert policy.decide(analyst, "organization.read", OTHER).allowed
    assert policy.decide(analyst, "audit.read").allowed
    assert policy.decide(analyst, "organization.update", OTHER).status == 403
    assert policy.decide(analyst, "organizations.create").status == 403
    assert policy.decide(chief, "organization.update", OTHER).allowed
    assert policy.decide(chief, "organizations.create").allowed


def test_tokens_need_the_scope_of_the_action_and_never_mint_tokens():
    reader = person(OrgRole.ADMIN, scopes={Scope.ORG_READ})
    assert policy.decide(reader, "organization.read", OWN).allowed
    refused = policy.decide(reader, "organization.update", OWN)
    assert refused.status == 403 and "org:write" in refused.reason
    writer = person(OrgRole.ADMIN, scopes={Scope.ORG_WRITE, Scope.ORG_READ})
    assert policy.decide(writer, "organization.update", OWN).allowed
    assert policy.decide(writer, "tokens.manage").status == 403
    assert policy.decide(writer, "tokens.revoke").allowed
    # a scope never lifts a role: a member's org:write token still cannot manage members
    member = person(OrgRole.MEMBER, scopes={Scope.ORG_WRITE})
    assert policy.decide(member, "members.manage", OWN).status == 403


def test_grantable_scopes_follow_the_role():
    assert policy.grantable_scopes(person(OrgRole.VIEWER)) == {Scope.ORG_READ, Scope.VULNS_READ}
    assert policy.grantable_scopes(person(OrgRole.ADMIN)) == {
        Scope.ORG_READ,
        Scope.ORG_WRITE,
        Scope.VULNS_READ,
    }
    operator = replace(person(OrgRole.ADMIN), organization_kinds=frozenset({OrgKind.OPERATOR}))
    assert policy.grantable_scopes(operator) == {
        Scope.ORG_READ,
        Scope.ORG_WRITE,
        Scope.VULNS_READ,
        Scope.INVENTORY_READ,
        Scope.INVENTORY_WRITE,
    }
    chief = person(OrgRole.ADMIN, platform=PlatformRole.COORDINATOR_ADMIN)
    # Everything: reports:write lets a coordinator overrule deduplication (submitting a report
    # stays with finders, whatever the scope).
    assert policy.grantable_scopes(chief) == set(Scope)
    assert not policy.decide(chief, "reports.submit").allowed
    finder = replace(person(OrgRole.MEMBER), organization_kinds=frozenset({OrgKind.FINDER}))
    assert policy.grantable_scopes(finder) == {
        Scope.ORG_READ,
        Scope.VULNS_READ,
        Scope.REPORTS_READ,
        Scope.REPORTS_WRITE,
    }


def test_only_coordinators_triage_reports_and_overrule_deduplication():
    finder = replace(person(OrgRole.ADMIN), organization_kinds=frozenset({OrgKind.FINDER}))
    analyst = person(OrgRole.MEMBER, platform=PlatformRole.COORDINATOR)
    for action in ("reports.triage", "reports.override"):
        assert not policy.decide(finder, action).allowed
        assert not policy.decide(person(OrgRole.ADMIN), action).allowed
        assert policy.decide(analyst, action).allowed


def test_reports_are_for_finders_and_each_finder_sees_its_own():
    finder = replace(person(OrgRole.MEMBER), organization_kinds=frozenset({OrgKind.FINDER}))
    viewer = replace(finder, role=OrgRole.VIEWER)
    operator = person(OrgRole.ADMIN)
    assert policy.decide(finder, "reports.submit").allowed
    assert policy.decide(viewer, "reports.submit").status == 403
    assert policy.decide(viewer, "reports.read", OWN).allowed
    assert policy.decide(finder, "reports.read", OTHER).status == 404
    refused = policy.decide(operator, "reports.read", OWN)
    assert refused.status == 403 and "finder organizations" in refused.reason
    coordinator = person(OrgRole.MEMBER, platform=PlatformRole.COORDINATOR)
    assert policy.decide(coordinator, "reports.read", OTHER).allowed
    assert policy.decide(coordinator, "reports.submit").status == 403


def test_an_undeclared_action_is_a_programming_error():
    with pytest.raises(LookupError, match="undeclared action"):
        policy.decide(Principal.anonymous(), "no.such.action")


@pytest.mark.parametrize(
    "action", ["frontier.tasks.decrypt", "frontier.runs.start", "frontier.runs.read"]
)
def test_only_an_evaluator_session_runs_the_benchmark_and_decrypts_its_tasks(action: str):
    evaluator = person(OrgRole.MEMBER, platform=PlatformRole.EVALUATOR)
    assert policy.decide(evaluator, action).allowed
    assert policy.decide(Principal.evaluator_command_line(), action).allowed
    # Not the coordinators, not even their admins, nor the plain command line's principal.
    for platform in (PlatformRole.COORDINATOR, PlatformRole.COORDINATOR_ADMIN):
        assert policy.decide(person(OrgRole.ADMIN, platform=platform), action).status == 403
    assert policy.decide(Principal.command_line(), action).status == 403
    assert policy.decide(person(OrgRole.ADMIN), action).status == 403
    evaluator_token = person(OrgRole.MEMBER, platform=PlatformRole.EVALUATOR, scopes=set(Scope))
    assert policy.decide(evaluator_token, action).status == 403


def test_an_evaluator_has_no_coordinator_powers():
    evaluator = person(OrgRole.MEMBER, platform=PlatformRole.EVALUATOR)
    for action in ("system.read", "audit.read", "organizations.browse", "organizations.create"):
        assert policy.decide(evaluator, action).status == 403
    assert not PlatformRole.COORDINATOR_ADMIN.at_least(PlatformRole.EVALUATOR)
    assert not PlatformRole.EVALUATOR.at_least(PlatformRole.COORDINATOR)
