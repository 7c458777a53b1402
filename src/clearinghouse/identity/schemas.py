"""What identity takes in and shows: organizations, members, invitations, tokens, `me`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from clearinghouse.identity.vocabulary import (
    FinderType,
    OrgKind,
    OrgRole,
    OrgSize,
    PlatformRole,
    Scope,
    Sector,
)


@dataclass(frozen=True)
class Origin:
    """Where a request came from, for the audit log."""

    request_id: str | None = None
    client_address: str | None = None


class OrganizationFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sector: Sector | None = None
    size: OrgSize | None = None
    finder_type: FinderType | None = None
    contact_email: str | None = Field(default=None, max_length=320)


class OrganizationIn(OrganizationFields):
    name: str = Field(min_length=2, max_length=200)
    kinds: list[OrgKind] = Field(min_length=1)

    @field_validator("kinds")
    @classmethod
    def _unique(cls, kinds: list[OrgKind]) -> list[OrgKind]:
        return sorted(set(kinds))

    @model_validator(mode="after")
    def _kind_fields(self) -> OrganizationIn:
        check_kind_fields(self.kinds, self.sector, self.size, self.finder_type)
        return self


def check_kind_fields(
    kinds: list[OrgKind],
    sector: Sector | None,
    size: OrgSize | None,
    finder_type: FinderType | None,
) -> None:
    if OrgKind.OPERATOR in kinds and (sector is None or size is None):
        raise ValueError("an operator needs its sector and size")
    if finder_type is not None and OrgKind.FINDER not in kinds:
        raise ValueError("finder_type is only for finder organizations")


class OrganizationUpdate(OrganizationFields):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    # Only coordinator admins may change these two.
    kinds: list[OrgKind] | None = Field(default=None, min_length=1)
    rate_limits: str | None = Field(default=None, max_length=200)


class OrganizationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kinds: list[OrgKind]
    sector: Sector | None
    size: OrgSize | None
    finder_type: FinderType | None
    contact_email: str | None
    rate_limits: str | None
    created_at: datetime


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    name: str
    organization_id: str
    role: OrgRole
    platform_role: PlatformRole | None
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: OrgRole | None = None
    is_active: bool | None = None


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(max_length=320)
    role: OrgRole = OrgRole.MEMBER


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    organization_id: str
    email: str
    role: OrgRole
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    status: str


class InvitationCreated(BaseModel):
    invitation: InvitationOut
    token: str = Field(description="Shown once: the invitation link is /invitations/{token}")
    path: str


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1)
    expires_in_days: int | None = Field(default=None, ge=1, le=366)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(BaseModel):
    token: str = Field(description="Shown once; only its hash is kept")
    details: TokenOut


class MeOut(BaseModel):
    user_id: str
    email: str
    name: str
    organization: OrganizationOut
    role: OrgRole
    platform_role: PlatformRole | None
    authenticated_via: str
    scopes: list[Scope]
    token: TokenOut | None = None
