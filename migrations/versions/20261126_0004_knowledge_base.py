"""knowledge base

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 14:05:05.075847
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clearinghouse.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pipeline_id", sa.String(length=40), nullable=False),
        sa.Column("licence", sa.String(length=200), nullable=False),
        sa.Column("input", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_table(
        "vulnerabilities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("display_id", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("published", clearinghouse.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("modified", clearinghouse.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn", clearinghouse.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("severities", sa.JSON(), nullable=False),
        sa.Column("cwes", sa.JSON(), nullable=False),
        sa.Column("known_exploited", sa.Boolean(), nullable=False),
        sa.Column("kev", sa.JSON(), nullable=True),
        sa.Column("epss_score", sa.Float(), nullable=True),
        sa.Column("epss_percentile", sa.Float(), nullable=True),
        sa.Column("ssvc", sa.JSON(), nullable=False),
        sa.Column("field_sources", sa.JSON(), nullable=False),
        sa.Column("merged_into", sa.String(length=36), nullable=True),
        sa.Column("created_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into"],
            ["vulnerabilities.id"],
            name=op.f("fk_vulnerabilities_merged_into_vulnerabilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vulnerabilities")),
    )
    with op.batch_alter_table("vulnerabilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vulnerabilities_display_id"), ["display_id"], unique=False
        )

    op.create_table(
        "source_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("vulnerability_id", sa.String(length=36), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("document_digest", sa.String(length=64), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=500), nullable=False),
        sa.Column("modified", clearinghouse.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn", clearinghouse.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_run", sa.Integer(), nullable=True),
        sa.Column("last_changed_run", sa.Integer(), nullable=True),
        sa.Column("imported_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vulnerability_id"],
            ["vulnerabilities.id"],
            name=op.f("fk_source_records_vulnerability_id_vulnerabilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_records")),
        sa.UniqueConstraint("source", "record_id", name="uq_source_records_record"),
    )
    with op.batch_alter_table("source_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_records_document_digest"), ["document_digest"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_source_records_vulnerability_id"), ["vulnerability_id"], unique=False
        )

    op.create_table(
        "vulnerability_aliases",
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("vulnerability_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["vulnerability_id"],
            ["vulnerabilities.id"],
            name=op.f("fk_vulnerability_aliases_vulnerability_id_vulnerabilities"),
        ),
        sa.PrimaryKeyConstraint("alias", name=op.f("pk_vulnerability_aliases")),
    )
    with op.batch_alter_table("vulnerability_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vulnerability_aliases_vulnerability_id"),
            ["vulnerability_id"],
            unique=False,
        )

    op.create_table(
        "vulnerability_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("vulnerability_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", clearinghouse.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["import_runs.id"], name=op.f("fk_vulnerability_events_run_id_import_runs")
        ),
        sa.ForeignKeyConstraint(
            ["vulnerability_id"],
            ["vulnerabilities.id"],
            name=op.f("fk_vulnerability_events_vulnerability_id_vulnerabilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vulnerability_events")),
    )
    with op.batch_alter_table("vulnerability_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vulnerability_events_processed_at"), ["processed_at"], unique=False
        )
        batch_op.create_index(
            "ix_vulnerability_events_vulnerability", ["vulnerability_id"], unique=False
        )

    op.create_table(
        "affected_packages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("vulnerability_id", sa.String(length=36), nullable=False),
        sa.Column("ecosystem", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("purl", sa.String(length=500), nullable=True),
        sa.Column("ranges", sa.JSON(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("ecosystem_specific", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["source_records.id"],
            name=op.f("fk_affected_packages_record_id_source_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vulnerability_id"],
            ["vulnerabilities.id"],
            name=op.f("fk_affected_packages_vulnerability_id_vulnerabilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affected_packages")),
    )
    with op.batch_alter_table("affected_packages", schema=None) as batch_op:
        batch_op.create_index("ix_affected_packages_package", ["ecosystem", "name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_affected_packages_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_affected_packages_vulnerability_id"), ["vulnerability_id"], unique=False
        )

    op.create_table(
        "affected_products",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("vulnerability_id", sa.String(length=36), nullable=False),
        sa.Column("vendor", sa.String(length=300), nullable=False),
        sa.Column("product", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("version_ranges", sa.JSON(), nullable=False),
        sa.Column("cpe", sa.String(length=500), nullable=True),
        sa.Column("purl", sa.String(length=500), nullable=True),
        sa.Column("product_id", sa.String(length=300), nullable=True),
        sa.Column("remediations", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["source_records.id"],
            name=op.f("fk_affected_products_record_id_source_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vulnerability_id"],
            ["vulnerabilities.id"],
            name=op.f("fk_affected_products_vulnerability_id_vulnerabilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affected_products")),
    )
    with op.batch_alter_table("affected_products", schema=None) as batch_op:
        batch_op.create_index("ix_affected_products_product", ["vendor", "product"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_affected_products_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_affected_products_vulnerability_id"), ["vulnerability_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("affected_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affected_products_vulnerability_id"))
        batch_op.drop_index(batch_op.f("ix_affected_products_record_id"))
        batch_op.drop_index("ix_affected_products_product")

    op.drop_table("affected_products")
    with op.batch_alter_table("affected_packages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affected_packages_vulnerability_id"))
        batch_op.drop_index(batch_op.f("ix_affected_packages_record_id"))
        batch_op.drop_index("ix_affected_packages_package")

    op.drop_table("affected_packages")
    with op.batch_alter_table("vulnerability_events", schema=None) as batch_op:
        batch_op.drop_index("ix_vulnerability_events_vulnerability")
        batch_op.drop_index(batch_op.f("ix_vulnerability_events_processed_at"))

    op.drop_table("vulnerability_events")
    with op.batch_alter_table("vulnerability_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vulnerability_aliases_vulnerability_id"))

    op.drop_table("vulnerability_aliases")
    with op.batch_alter_table("source_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_records_vulnerability_id"))
        batch_op.drop_index(batch_op.f("ix_source_records_document_digest"))

    op.drop_table("source_records")
    with op.batch_alter_table("vulnerabilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vulnerabilities_display_id"))

    op.drop_table("vulnerabilities")
    op.drop_table("import_runs")
