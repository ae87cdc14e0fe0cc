"""index the instances with an incident

Revision ID: 0011
Revises: 0010

The console counts the running instances with an incident apart from the
rest, and read the whole table to find them. A partial index lists them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: Written out rather than imported, so the migration stays as it was run.
WHERE = "status IN ('active', 'suspended') AND error IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_instances_live_incidents",
        "instances",
        ["id"],
        postgresql_where=sa.text(WHERE),
        sqlite_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_instances_live_incidents", table_name="instances")
