"""Driving the cooperation processes in tests and in the demo loader.

:class:`Driver` completes tasks by element id with answers checked by the
real forms, delivers partner messages, and moves the clock to fire timers,
so a scenario reads as the officers' and the partner's steps in order.
"""

from __future__ import annotations

from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path

from engine import Actor
from engine import Engine
from engine.config import EngineOptions
from engine.forms import FormLibrary
from engine.process_settings import WIB

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"


def engine_options(clock=None) -> EngineOptions:
    """The options :func:`engine.config.build_engine` would give, for tests."""
    from engine import config

    options = EngineOptions(clock=clock)
    for name in config.EXTENSIONS:
        __import__(name, fromlist=["setup"]).setup(options, {"FORMS_PATH": str(FORMS)})
    return options


def build(database_url: str, clock) -> Engine:
    engine = engine_options(clock).build(database_url)
    engine.init_db()
    return engine


def at(day: str, hour: int = 9) -> datetime:
    """``day`` (ISO date) at ``hour`` WIB."""
    return datetime.combine(datetime.fromisoformat(day).date(), time(hour, tzinfo=WIB))


class Driver:
    """Steps one agreement instance through its tasks."""

    def __init__(self, engine: Engine, instance_id: int, business_key: str) -> None:
        self.engine = engine
        self.instance_id = instance_id
        self.business_key = business_key
        self.forms = FormLibrary(FORMS)

    @classmethod
    def start(cls, engine: Engine, key: str, answers: dict, process="kerjasama"):
        data = FormLibrary(FORMS).validate("mulai_kerjasama", answers)
        actor = Actor("demo", {"Bagian Pemerintahan"})
        instance_id = engine.start(process, actor=actor, business_key=key, data=data)
        return cls(engine, instance_id, key)

    def open(self) -> list[str]:
        return sorted(
            t.spec_name for t in self.engine.list_tasks(instance_id=self.instance_id)
        )

    def do(self, name: str, answers: dict | None = None, **more) -> None:
        """Complete open task ``name`` with answers its form accepts."""
        tasks = [
            t
            for t in self.engine.list_tasks(instance_id=self.instance_id)
            if t.spec_name == name
        ]
        assert tasks, f"{name} is not open in {self.business_key}: {self.open()}"
        task = tasks[0]
        data = self.forms.validate(name, {**(answers or {}), **more})
        actor = Actor(f"demo-{task.lane}", {task.lane})
        self.engine.complete_task(task.id, data, actor=actor)

    def message(self, name: str, data: dict | None = None) -> None:
        actor = Actor("mitra", {"Mitra"})
        self.engine.send_message(
            name, actor=actor, data=data or {}, business_key=self.business_key
        )

    def wait(self, **delta) -> int:
        """Move the clock on and fire what became due."""
        clock = self.engine.clock
        clock.set(clock.now() + timedelta(**delta))
        return self.engine.fire_due_timers()

    def wait_until(self, day: str, hour: int = 9) -> int:
        """Move the clock to ``day`` at ``hour`` WIB and fire what became due."""
        self.engine.clock.set(at(day, hour))
        return self.engine.fire_due_timers()

    def fired(self) -> list[str]:
        """The elements whose timers fired, oldest first."""
        return [
            e.details["element"]
            for e in self.engine.list_events(self.instance_id)
            if e.name == "timer-fired"
        ]

    def data(self) -> dict:
        from engine.register import latest_data

        return latest_data(self.engine, self.instance_id)

    def row(self) -> dict:
        """The agreement's register row, refreshed."""
        from engine.register import list_agreements

        rows = list_agreements(self.engine)
        return next(r for r in rows if r["instance_id"] == self.instance_id)

    def status(self) -> str:
        """The instance's status: active, completed or cancelled."""
        return self.engine.get_instance(self.instance_id).status


START = {
    "asal_usulan": "opd",
    "judul": "Penegasan batas daerah Grobogan-Demak",
    "opd_pemrakarsa": "Bagian Pemerintahan",
    "nama_mitra": "Pemerintah Kabupaten Demak",
}


def proposal(**overrides) -> dict:
    """Answers for Lengkapi Usulan; ``overrides`` change single fields."""
    answers = {
        "judul": "Penegasan batas daerah Grobogan-Demak",
        "jenis_mitra": "pemda",
        "nama_mitra": "Pemerintah Kabupaten Demak",
        "berbatasan": True,
        "eksternalitas": True,
        "kb_sudah_ada": True,
        "bidang": "pemerintahan umum",
        "maksud_tujuan": "Menegaskan batas daerah.",
        "objek": "Pilar batas daerah.",
        "ruang_lingkup": "Penelusuran dan inventarisasi masalah batas; pilar batas.",
        "jangka_waktu_bulan": 24,
        "sumber_dana": "apbd",
        "nilai_apbd": 150000000,
        "dianggarkan_apbd": True,
        "berkas_kak": "kak.pdf",
    }
    answers.update(overrides)
    return answers


VERIFIED = {
    "hasil_verifikasi": "lengkap",
    "verifikator": "Staf",
    "tanggal_verifikasi": "2025-01-10",
}
FEASIBLE = {"rekomendasi_tkksd": "layak", "alasan_tkksd": "Sesuai RPJMD."}
OFFER_SIGNED = {
    "nomor_surat_bupati": "130/001/2025",
    "tanggal_surat_bupati": "2025-01-20",
}
DRAFT = {"nomor_versi": 1, "penyusun": "OPD", "berkas_draf": "draf-1.docx"}
LEGAL_OK = {
    "rekomendasi_hukum": "lanjut",
    "temuan_hukum": "Tidak ada temuan wajib.",
    "penelaah": "Kabag Hukum",
    "tanggal_telaah": "2025-02-01",
}
AGREED = {
    "hasil_pembahasan": "sepakat",
    "komentar_per_pasal": "-",
    "status_pembahasan": "diterima",
}
SCHEDULE = {
    "metode_ttd": "seremonial",
    "tanggal_rencana_ttd": "2025-06-12",
    "tempat_rencana_ttd": "Gedung Riptaloka",
}
SIGNED = {
    "tanggal_ttd_pemkab": "2025-06-12",
    "penanda_tangan_pemkab": "Setyo Hadi",
    "jabatan_penanda_tangan": "Bupati Grobogan",
}


def registration(number: str, partner_number: str, day: str, **more) -> dict:
    return {
        "nomor_pemkab": number,
        "nomor_mitra": partner_number,
        "tanggal_ttd": day,
        "tempat_ttd": "Gedung Riptaloka, Purwodadi",
        "tanggal_mulai": day,
        **more,
    }


def propose(driver: Driver, **overrides) -> None:
    """P1 on its happy path, up to the partner's answer."""
    driver.do("lengkapi_usulan", proposal(**overrides))
    driver.do("verifikasi_kelengkapan", VERIFIED)
    driver.do("kajian_tkksd", FEASIBLE)
    driver.do("ttd_surat_penawaran", OFFER_SIGNED)
    driver.message("penawaran_disetujui", {"catatan": "Setuju"})


def negotiate(driver: Driver) -> None:
    """P2 on its happy path: draft, legal review, one agreed round."""
    driver.do("susun_draf", DRAFT)
    driver.do("telaah_hukum", LEGAL_OK)
    driver.message("tanggapan_draf", {"komentar": "Setuju"})
    driver.do("pembahasan_bersama", AGREED)


def sign(driver: Driver, number: str, partner_number: str, day: str, **more) -> None:
    """P4 on its happy path, signed by the Bupati."""
    driver.do("ajukan_jadwal", SCHEDULE)
    driver.do("setujui_jadwal", keputusan_jadwal="setuju")
    for step in ("hukum", "pemerintahan", "asisten", "sekda"):
        driver.do(f"paraf_{step}", {f"paraf_{step}_hasil": "setuju"})
    driver.do("ttd_bupati", SIGNED)
    driver.message("naskah_ditandatangani_mitra", {"penanda_tangan": "Mitra"})
    driver.do("penomoran_registrasi", registration(number, partner_number, day, **more))
    driver.do(
        "unggah_naskah",
        berkas_naskah_final="final.pdf",
        periksa_naskah=["paraf", "materai", "stempel"],
    )
    driver.do("validasi_naskah", hasil_validasi="valid")


def put_in_force(driver: Driver, end: str, signed: str = "2025-06-12") -> None:
    """P1 to P4 on their happy paths: a PKS in force from ``signed`` to ``end``.

    The clock is left on the signing day, so P5 starts then.
    """
    propose(driver)
    negotiate(driver)
    driver.engine.clock.set(at(signed))
    number, partner_number = "180/12/2025", "180/34/2025"
    sign(driver, number, partner_number, signed, tanggal_berakhir_naskah=end)
