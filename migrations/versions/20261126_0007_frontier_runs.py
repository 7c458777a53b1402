"""frontier benchmark runs and their per-task, per-epoch results

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clearinghouse.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "frontier_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("suite", sa.String(length=30), nullable=False),
        sa.Column("suite_version", sa.String(length=40), nullable=False),
        sa.Column("policy_version", sa.String(length=40), nullable=False),
        sa.Column("epochs", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_by", sa.String(length=320), nullable=False),
        sa.Column("runner", sa.String(length=300), nullable=True),
        sa.Column("started_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=True),
        sa.Column("mean_success", sa.Float(), nullable=True),
        sa.Column("log_path", sa.String(length=1000), nullable=True),
        sa.Column("log_sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frontier_runs")),
    )
    op.create_index(op.f("ix_frontier_runs_suite"), "frontier_runs", ["suite"], unique=False)
    op.create_index(op.f("ix_frontier_runs_status"), "frontier_runs", ["status"], unique=False)
    op.create_table(
        "frontier_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("total_tokens", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("sample_uuid", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["frontier_runs.id"],
            name=op.f("fk_frontier_results_run_id_frontier_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frontier_results")),
        sa.UniqueConstraint("run_id", "task_id", "epoch", name=op.f("uq_frontier_results_run_id")),
    )


def downgrade() -> None:
    op.drop_table("frontier_results")
    op.drop_index(op.f("ix_frontier_runs_status"), table_name="frontier_runs")
    op.drop_index(op.f("ix_frontier_runs_suite"), table_name="frontier_runs")
    op.drop_table("frontier_runs")
