"""finder reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 16:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clearinghouse.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("finder_organization_id", sa.String(length=36), nullable=False),
        sa.Column("submitted_by_user_id", sa.String(length=36), nullable=True),
        sa.Column("submitted_by", sa.String(length=320), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("target_key", sa.String(length=500), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("verdict", sa.String(length=30), nullable=True),
        sa.Column("verdict_details", sa.JSON(), nullable=True),
        sa.Column("created_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finder_organization_id"],
            ["organizations.id"],
            name=op.f("fk_reports_finder_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"],
            ["users.id"],
            name=op.f("fk_reports_submitted_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint(
            "finder_organization_id",
            "content_hash",
            name=op.f("uq_reports_finder_organization_id"),
        ),
    )
    op.create_index(
        op.f("ix_reports_finder_organization_id"),
        "reports",
        ["finder_organization_id"],
        unique=False,
    )
    op.create_index(op.f("ix_reports_status"), "reports", ["status"], unique=False)
    op.create_index(op.f("ix_reports_target_key"), "reports", ["target_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reports_target_key"), table_name="reports")
    op.drop_index(op.f("ix_reports_status"), table_name="reports")
    op.drop_index(op.f("ix_reports_finder_organization_id"), table_name="reports")
    op.drop_table("reports")
