"""The demo loader brings the sixteen agreements to their stages, once."""

from datetime import date

import drive
import pytest
from click.testing import CliRunner

from engine import MovableClock
from engine import demo
from engine import register
from engine.cli import load_commands

STATUSES = {
    "PKS-DEMAK-2025": "berlaku",
    "MOU-UNSOED-2025": "berlaku",
    "MOU-UT-2025": "berlaku",
    "PKS-UNISRI-2025": "berlaku",
    "RK-BPJSTK-2025": "berlaku",
    "RKT-JATENG-2025": "berlaku",
    "PKS-KEDUNGOMBO-X1": "berlaku",
    "PKS-KUDUS-X2": "berlaku",
    "KB-PATI-DEMAK-X3": "penyusunan KB",
    "PKS-BANKJATENG-X4": "berlaku",
    "PKS-TELKOM-X5": "penyusunan PKS",
    "PKS-BENIHJAGUNG-X6": "usulan",
    "NK-PERTANAHAN-X7": "berlaku",
    "NK-BPS-X8": "masa berlaku habis",
    "PKS-YAYASAN-X9": "persetujuan DPRD",
    "LOI-MINAMIHATA-X10": "usulan",
}
STAGES = {
    "PKS-DEMAK-2025": "Menunggu jadwal 2025-12-15",
    "PKS-KUDUS-X2": "Menunggu jadwal 2025-11-16",
    "KB-PATI-DEMAK-X3": "Pembahasan Bersama dengan Mitra",
    "PKS-TELKOM-X5": "Telaah Hukum",
    "PKS-BENIHJAGUNG-X6": "Kajian TKKSD",
    "NK-BPS-X8": "Keputusan Lanjutan",
    "PKS-YAYASAN-X9": "Sampaikan Keputusan DPRD",
    "LOI-MINAMIHATA-X10": "Penjajakan dan Pernyataan Kehendak",
}
DEMO_DAY = date(2025, 11, 3)


@pytest.fixture
def loaded(database_url):
    engine = drive.build(database_url, MovableClock(drive.at("2025-01-01")))
    assert demo.load_demo(engine, drive.PROCESSES, drive.FORMS) == 16
    yield engine
    engine.close()


def rows(engine):
    return {r["business_key"]: r for r in register.list_agreements(engine)}


def data(engine, key):
    (instance,) = engine.list_instances(business_key=key)
    return register.latest_data(engine, instance.id)


def test_demo_brings_each_agreement_to_its_stage(loaded):
    found = rows(loaded)

    assert {key: row["status"] for key, row in found.items()} == STATUSES
    for key, stage in STAGES.items():
        assert found[key]["tahap"] == stage
    demak = found["PKS-DEMAK-2025"]
    assert (str(demak["tanggal_ttd"]), str(demak["tanggal_berakhir"])) == (
        "2025-06-12",
        "2027-06-11",
    )
    assert (found["PKS-KUDUS-X2"]["tanggal_berakhir"] - DEMO_DAY).days < 90
    assert found["NK-BPS-X8"]["tanggal_berakhir"] < DEMO_DAY
    expired = register.list_agreements(loaded, status="masa berlaku habis")
    assert [row["business_key"] for row in expired] == ["NK-BPS-X8"]


def completed(engine, key, element):
    (instance,) = engine.list_instances(business_key=key)
    events = engine.list_events(instance.id)
    return sum(
        e.name == "task-completed" and e.details.get("element") == element
        for e in events
    )


def test_demo_places_waiting_stages_at_their_dates(loaded):
    assert data(loaded, "KB-PATI-DEMAK-X3")["ronde_negosiasi"] == 2
    dprd = data(loaded, "PKS-YAYASAN-X9")
    assert (DEMO_DAY - date.fromisoformat(dprd["tanggal_kirim_dprd"])).days == 20
    assert completed(loaded, "PKS-KUDUS-X2", "monev_final") == 5
    assert completed(loaded, "PKS-KUDUS-X2", "ttd_laporan_tahunan") == 2


def test_demo_marks_the_invented_agreements():
    agreements, users = demo.read_demo()

    invented = [a["kunci"] for a in agreements["kerja_sama"] if a["fiktif"]]
    assert len(invented) == 10
    titles = [a["mulai"]["judul"] for a in agreements["kerja_sama"] if a["fiktif"]]
    assert all(title.endswith("(fiktif)") for title in titles)
    assert not any("password" in user for user in users)


def test_demo_command_loads_nothing_twice(loaded, database_url, monkeypatch):
    monkeypatch.setenv("EKERJASAMA_DATABASE_URL", database_url)

    result = CliRunner().invoke(load_commands(), ["demo"])

    assert result.exit_code == 0, result.output
    assert result.output == "Loaded 0 demo agreement(s); the register holds 16.\n"
    assert len(rows(loaded)) == 16
