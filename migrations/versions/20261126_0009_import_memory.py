"""knowledge: remembered documents and input manifests

Documents remembered with their rejections, and the documents of each input file imported
whole, so that an unchanged re-import reads nothing it read before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 23:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clearinghouse.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "remembered_documents",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("read_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["import_runs.id"],
            name=op.f("fk_remembered_documents_run_id_import_runs"),
        ),
        sa.PrimaryKeyConstraint("source", "digest", name=op.f("pk_remembered_documents")),
    )
    op.create_index(
        "ix_remembered_documents_name", "remembered_documents", ["source", "name"], unique=False
    )
    op.create_table(
        "input_manifests",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("input", sa.String(length=1000), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["import_runs.id"],
            name=op.f("fk_input_manifests_run_id_import_runs"),
        ),
        sa.PrimaryKeyConstraint("source", "digest", name=op.f("pk_input_manifests")),
    )
    op.create_index(
        "ix_input_manifests_input", "input_manifests", ["source", "input"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_input_manifests_input", table_name="input_manifests")
    op.drop_table("input_manifests")
    op.drop_index("ix_remembered_documents_name", table_name="remembered_documents")
    op.drop_table("remembered_documents")
