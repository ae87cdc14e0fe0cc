"""Agreement summaries: read from the register row while it is current."""

import sqlalchemy as sa
from webtools import open_task
from webtools import start_agreement

from engine import register


def _edit_row(engine, instance_id: int, **values) -> None:
    table = register.AGREEMENTS
    with engine.db.write() as connection:
        connection.execute(
            sa.update(table).where(table.c.instance_id == instance_id).values(**values)
        )


def test_agreement_is_read_from_its_current_register_row(client, auth, engine):
    instance_id = start_agreement(engine)
    register.sync(engine, instance_id)
    _edit_row(
        engine,
        instance_id,
        judul="Judul di register",
        nomor_pemkab="100/REG/2025",
        tahap="Verifikasi Kelengkapan",
    )
    auth.login_as("pem")

    agreement = client.get(f"/agreements/{instance_id}.json").get_json()["agreement"]

    assert agreement["title"] == "Judul di register"
    assert agreement["number"] == "100/REG/2025"
    assert agreement["stage"] == "Verifikasi Kelengkapan"


def test_agreement_is_read_from_its_data_once_the_row_lags(client, auth, engine):
    instance_id = start_agreement(engine)
    register.sync(engine, instance_id)
    _edit_row(engine, instance_id, judul="Judul lama di register")
    auth.login_as("pem")

    auth.post(
        f"/tasks/{open_task(engine, instance_id).id}",
        {"action": "complete", "lengkap": "ya"},
    )
    agreement = client.get(f"/agreements/{instance_id}.json").get_json()["agreement"]

    assert agreement["title"] == "Pengelolaan Waduk Kedung Ombo"
    assert agreement["stage"] is None
