"""add start timers and per-user notification reads

Revision ID: 0005
Revises: 0004

A role's notification used to carry one ``read_at`` for all its holders.
Reads of a user's own notifications move to ``notification_reads``; for a
role's, the store never knew who read them, so they show unread once more.
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_DATETIME = engine.store.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "start_timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("element", sa.String(length=200), nullable=False),
        sa.Column("due_at", UTC_DATETIME(), nullable=False),
        sa.Column("cycles", sa.Integer(), nullable=True),
        sa.Column("interval", sa.Float(), nullable=True),
        sa.Column("lock_owner", sa.String(length=200), nullable=True),
        sa.Column("lock_expires_at", UTC_DATETIME(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["process_versions.id"],
            name=op.f("fk_start_timers_version_id_process_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_start_timers")),
        sa.UniqueConstraint(
            "process_id", "element", name=op.f("uq_start_timers_process_id_element")
        ),
    )
    with op.batch_alter_table("start_timers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_start_timers_due_at"), ["due_at"], unique=False
        )

    op.create_table(
        "notification_reads",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("read_at", UTC_DATETIME(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_reads_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "notification_id", "username", name=op.f("pk_notification_reads")
        ),
    )
    op.execute(
        "INSERT INTO notification_reads (notification_id, username, read_at) "
        "SELECT id, recipient_user, read_at FROM notifications "
        "WHERE recipient_user IS NOT NULL AND read_at IS NOT NULL"
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_recipient_user_read_at"))
        batch_op.drop_index(batch_op.f("ix_notifications_recipient_role_read_at"))
        batch_op.drop_column("read_at")
        batch_op.create_index(
            batch_op.f("ix_notifications_recipient_role"),
            ["recipient_role"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_recipient_user"),
            ["recipient_user"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_recipient_user"))
        batch_op.drop_index(batch_op.f("ix_notifications_recipient_role"))
        batch_op.add_column(sa.Column("read_at", UTC_DATETIME(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_recipient_role_read_at"),
            ["recipient_role", "read_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_recipient_user_read_at"),
            ["recipient_user", "read_at"],
            unique=False,
        )
    # A role's notification read by any holder counts as read again.
    op.execute(
        "UPDATE notifications SET read_at = (SELECT min(r.read_at) "
        "FROM notification_reads r WHERE r.notification_id = notifications.id)"
    )
    op.drop_table("notification_reads")
    with op.batch_alter_table("start_timers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_start_timers_due_at"))
    op.drop_table("start_timers")
