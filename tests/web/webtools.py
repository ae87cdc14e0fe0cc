"""Users and helpers the web tests import."""

from __future__ import annotations

from engine import Actor

PASSWORD = "rahasia-sekali"

#: user name -> (roles, partner)
USERS = {
    "opd": (["OPD Pemrakarsa"], None),
    "pem": (["Bagian Pemerintahan"], None),
    "hukum": (["Bagian Hukum"], None),
    "mitra_ut": (["Mitra"], "Universitas Terbuka"),
    "mitra_lain": (["Mitra"], "PT Lain Sekali"),
    "supervisor": (["supervisor"], None),
    "designer": (["designer"], None),
    "admin": (["admin"], None),
}


PROPOSAL = {
    "judul": "Pengelolaan Waduk Kedung Ombo",
    "jenis": "KSDPK",
    "bidang": "pendidikan",
    "mitra": "Universitas Terbuka",
    "nilai": "1250000",
    "ruang_lingkup": "Tridharma perguruan tinggi",
}


def start_agreement(engine, **data) -> int:
    """Start an agreement of the test process as the OPD officer."""
    officer = Actor("opd", {"OPD Pemrakarsa"})
    return engine.start("usulan_uji", actor=officer, data={**PROPOSAL, **data})


def open_task(engine, instance_id: int):
    tasks = engine.list_tasks(instance_id=instance_id)
    assert tasks, f"instance {instance_id} has no open task"
    return tasks[0]


def sign_agreement(engine, instance_id: int, number="PKS/1/2025", day="2025-06-12"):
    """Walk an agreement of the test process to its signed end."""
    pem = Actor("pem", {"Bagian Pemerintahan"})
    engine.complete_task(
        open_task(engine, instance_id).id, {"lengkap": "ya"}, actor=pem
    )
    engine.send_message("penawaran_disetujui", actor=pem, instance_id=instance_id)
    mitra = Actor("mitra_ut", {"Mitra"})
    engine.complete_task(open_task(engine, instance_id).id, {}, actor=mitra)
    engine.complete_task(
        open_task(engine, instance_id).id,
        {"nomor": number, "tanggal_ttd": day, "tanggal_berakhir": "2030-06-11"},
        actor=pem,
    )
