"""job runs

Revision ID: 0001
Revises:
Create Date: 2026-11-26 13:14:47.412164
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clearinghouse.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("arguments_digest", sa.String(length=64), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("queue", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("queued_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_runs_name_digest_status", ["name", "arguments_digest", "status"], unique=False
        )
        batch_op.create_index("ix_job_runs_queued_at", ["queued_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_runs_queued_at")
        batch_op.drop_index("ix_job_runs_name_digest_status")

    op.drop_table("job_runs")
