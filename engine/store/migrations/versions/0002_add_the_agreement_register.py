"""add the agreement register

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 13:23:25.547211

It revises 0004 only so that the chain has one head while 0003 is pending;
when 0003 lands, put the chain in file order (0001, 0002, 0003, 0004).
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_DATETIME = engine.store.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(length=200), nullable=True),
        sa.Column("jenis", sa.String(length=40), nullable=True),
        sa.Column("judul", sa.String(length=500), nullable=False),
        sa.Column("mitra", sa.String(length=300), nullable=True),
        sa.Column("jenis_mitra", sa.String(length=40), nullable=True),
        sa.Column("opd_pemrakarsa", sa.String(length=200), nullable=True),
        sa.Column("bidang", sa.String(length=200), nullable=True),
        sa.Column("ruang_lingkup", sa.Text(), nullable=True),
        sa.Column("nilai_apbd", sa.BigInteger(), nullable=True),
        sa.Column("dianggarkan_apbd", sa.Boolean(), nullable=True),
        sa.Column("beban_masyarakat", sa.Boolean(), nullable=True),
        sa.Column("rantai_dokumen", sa.String(length=100), nullable=True),
        sa.Column("dokumen_aktif", sa.String(length=40), nullable=True),
        sa.Column("dokumen", sa.JSON(), nullable=False),
        sa.Column("nomor_pemkab", sa.String(length=200), nullable=True),
        sa.Column("nomor_mitra", sa.String(length=200), nullable=True),
        sa.Column("tanggal_ttd", sa.Date(), nullable=True),
        sa.Column("tempat_ttd", sa.String(length=200), nullable=True),
        sa.Column("tanggal_mulai", sa.Date(), nullable=True),
        sa.Column("tanggal_berakhir", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=100), nullable=False),
        sa.Column("tahap", sa.String(length=500), nullable=True),
        sa.Column("nomor_induk", sa.String(length=200), nullable=True),
        sa.Column("induk_id", sa.Integer(), nullable=True),
        sa.Column("synced_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME(), nullable=False),
        sa.ForeignKeyConstraint(
            ["induk_id"],
            ["agreements.id"],
            name=op.f("fk_agreements_induk_id_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_agreements_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_agreements_instance_id")),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        for column in ("business_key", "jenis", "status", "tanggal_berakhir"):
            batch_op.create_index(
                batch_op.f(f"ix_agreements_{column}"), [column], unique=False
            )


def downgrade() -> None:
    op.drop_table("agreements")
