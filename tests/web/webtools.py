"""Users and helpers the web tests import."""

from __future__ import annotations

from pathlib import Path

from engine import Actor
from web import create_app
from web.db import get_engine
from web.users import create_user

HERE = Path(__file__).parent

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


def make_app(database_url: str, instance_path: Path, forms_path: Path = HERE / "forms"):
    """An app on the test process ``usulan_uji`` with one user per role."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance_path),
            "FORMS_PATH": str(forms_path),
            "SECRET_KEY": "test",
            "SECURE_COOKIES": 0,
            "PROPOSAL_PROCESS": "usulan_uji",
            "PROPOSAL_FORM": "usulan_uji",
        }
    )
    with app.app_context():
        engine = get_engine()
        engine.deploy([HERE / "defs"])
        for name, (roles, partner) in USERS.items():
            create_user(
                engine.db,
                name,
                PASSWORD,
                roles,
                now=engine.clock.now(),
                full_name=name.title(),
                partner=partner,
            )
    return app


def close_app(app) -> None:
    with app.app_context():
        get_engine().close()
