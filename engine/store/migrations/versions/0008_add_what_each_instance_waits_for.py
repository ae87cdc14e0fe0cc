"""add what each instance waits for

Revision ID: 0008
Revises: 0007

The supervisor console classified every running instance by aggregating
its open tasks, subscriptions and timers on each request, which took most
of a second at 100,000 instances. Each instance now carries those facts,
written with the rows they come from; this fills them for existing ones.
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_DATETIME = engine.store.models.UTCDateTime

_OPEN = "instance_id = instances.id AND state IN ('ready', 'claimed')"
_FILL = (
    "UPDATE instances SET "
    f"first_due = (SELECT min(due_at) FROM human_tasks WHERE {_OPEN}), "
    "first_unclaimed = (SELECT min(created_at) FROM human_tasks "
    f"WHERE {_OPEN} AND assignee IS NULL), "
    "waiting_at = COALESCE("
    f"(SELECT min(spec_name) FROM human_tasks WHERE {_OPEN}), "
    "(SELECT min(element) FROM subscriptions WHERE instance_id = instances.id), "
    "(SELECT min(element) FROM timers WHERE instance_id = instances.id))"
)


def upgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.add_column(sa.Column("first_due", UTC_DATETIME(), nullable=True))
        batch.add_column(sa.Column("first_unclaimed", UTC_DATETIME(), nullable=True))
        batch.add_column(sa.Column("waiting_at", sa.String(length=200), nullable=True))
    op.execute(_FILL)


def downgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.drop_column("waiting_at")
        batch.drop_column("first_unclaimed")
        batch.drop_column("first_due")
