"""keep the figures drawn from history

Revision ID: 0010
Revises: 0009

The console's time per stage and time per element read every task any
instance ever had, seconds of work at 100,000 instances. They are now
computed now and then and kept in ``figures``, one row per figure.
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC_DATETIME = engine.store.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "figures",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("computed_at", UTC_DATETIME(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_figures")),
    )


def downgrade() -> None:
    op.drop_table("figures")
