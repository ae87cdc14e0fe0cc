"""add process and form drafts and saved scenarios

Revision ID: 0007
Revises: 0006

Designers keep unfinished processes and forms as drafts until they deploy
or publish them, and keep test runs as scenarios.
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_DATETIME = engine.store.models.UTCDateTime


def _saved_columns() -> list[sa.Column]:
    return [
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME(), nullable=False),
        sa.Column("saved_by", sa.String(length=200), nullable=False),
        sa.Column("saved_at", UTC_DATETIME(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "process_drafts",
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        *_saved_columns(),
        sa.PrimaryKeyConstraint("process_id", name=op.f("pk_process_drafts")),
    )
    op.create_table(
        "form_drafts",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        *_saved_columns(),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_form_drafts")),
    )
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_data", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("expected", sa.JSON(), nullable=False),
        sa.Column("start_at", UTC_DATETIME(), nullable=False),
        sa.Column("saved_by", sa.String(length=200), nullable=False),
        sa.Column("saved_at", UTC_DATETIME(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
        sa.UniqueConstraint(
            "process_id", "name", name=op.f("uq_scenarios_process_id_name")
        ),
    )


def downgrade() -> None:
    op.drop_table("scenarios")
    op.drop_table("form_drafts")
    op.drop_table("process_drafts")
