"""triage: operators' overrides of decision points

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clearinghouse.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("asset_id", sa.String(length=36), nullable=False),
        sa.Column("vulnerability_id", sa.String(length=36), nullable=False),
        sa.Column("point", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=320), nullable=True),
        sa.Column("set_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_triage_overrides_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_triage_overrides_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["vulnerability_id"],
            ["vulnerabilities.id"],
            name=op.f("fk_triage_overrides_vulnerability_id_vulnerabilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_overrides")),
        sa.UniqueConstraint(
            "asset_id",
            "vulnerability_id",
            "point",
            name=op.f("uq_triage_overrides_asset_id"),
        ),
    )
    op.create_index(
        op.f("ix_triage_overrides_organization_id"),
        "triage_overrides",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_triage_overrides_vulnerability_id"),
        "triage_overrides",
        ["vulnerability_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_triage_overrides_vulnerability_id"), table_name="triage_overrides")
    op.drop_index(op.f("ix_triage_overrides_organization_id"), table_name="triage_overrides")
    op.drop_table("triage_overrides")
