"""add the operation log and the supervisor console's indexes

Revision ID: 0006
Revises: 0005

Every repair a supervisor makes on an instance is kept in ``operations``,
with the old and new value and the reason given. Partial indexes over the
open tasks let the console and the inboxes read them without the wide task
index table; the (instance, element) indexes find what an instance without
open tasks waits for.
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_DATETIME = engine.store.models.UTCDateTime
#: Written out rather than imported, so the migration stays as it was run.
OPEN_TASK = "state IN ('ready', 'claimed')"


def upgrade() -> None:
    op.create_table(
        "operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME(), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_operations_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
    )
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_operations_instance_id_id"),
            ["instance_id", "id"],
            unique=False,
        )
    open_task = sa.text(OPEN_TASK)
    op.create_index(
        "ix_human_tasks_open_by_instance",
        "human_tasks",
        ["instance_id", "due_at", "created_at", "assignee", "spec_name"],
        postgresql_where=open_task,
        sqlite_where=open_task,
    )
    op.create_index(
        "ix_human_tasks_open_by_age",
        "human_tasks",
        ["created_at", "id"],
        postgresql_where=open_task,
        sqlite_where=open_task,
    )
    for table in ("timers", "subscriptions"):
        op.create_index(
            op.f(f"ix_{table}_instance_id_element"), table, ["instance_id", "element"]
        )


def downgrade() -> None:
    for table in ("timers", "subscriptions"):
        op.drop_index(op.f(f"ix_{table}_instance_id_element"), table_name=table)
    op.drop_index("ix_human_tasks_open_by_age", table_name="human_tasks")
    op.drop_index("ix_human_tasks_open_by_instance", table_name="human_tasks")
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operations_instance_id_id"))
    op.drop_table("operations")
