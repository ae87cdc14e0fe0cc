"""index the running instances for the console

Revision ID: 0009
Revises: 0008

Grouping the running instances by OPD and partner kind joined every one of
them to the register; each instance now carries both, copied with its
register row, and two partial indexes let the console count the running
instances from an index and page through them in order of due date.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LIVE = "status IN ('active', 'suspended')"
_FILL = (
    "UPDATE instances SET "
    "opd = (SELECT opd_pemrakarsa FROM agreements "
    "WHERE instance_id = instances.id), "
    "partner_kind = (SELECT jenis_mitra FROM agreements "
    "WHERE instance_id = instances.id)"
)


def upgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.add_column(sa.Column("opd", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("partner_kind", sa.String(length=40), nullable=True))
    op.execute(_FILL)
    where = sa.text(f"{LIVE} AND error IS NULL")
    op.create_index(
        "ix_instances_live_groups",
        "instances",
        [
            "process_id",
            "waiting_at",
            "opd",
            "partner_kind",
            "status",
            "first_due",
            "first_unclaimed",
        ],
        postgresql_where=where,
        sqlite_where=where,
    )
    op.create_index(
        "ix_instances_live_by_due",
        "instances",
        ["status", "first_due", "id"],
        postgresql_where=sa.text(LIVE),
        sqlite_where=sa.text(LIVE),
    )


def downgrade() -> None:
    op.drop_index("ix_instances_live_by_due", table_name="instances")
    op.drop_index("ix_instances_live_groups", table_name="instances")
    with op.batch_alter_table("instances") as batch:
        batch.drop_column("partner_kind")
        batch.drop_column("opd")
