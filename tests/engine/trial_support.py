"""An engine as the web app builds it, and answers for test-running P1.

The test-run sandbox borrows the real engine's script functions, service
operations and forms, so these tests build theirs with every extension.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from engine import Actor
from engine import Engine
from engine.config import EXTENSIONS
from engine.config import EngineOptions
from engine.definitions import read_paths

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"
DESIGNER = Actor("dina", {"designer"})
OFFICER = Actor("siti", {"Bagian Pemerintahan"})

START = {
    "asal_usulan": "opd",
    "judul": "Penegasan batas daerah Grobogan-Demak",
    "opd_pemrakarsa": "Bagian Pemerintahan",
    "nama_mitra": "Pemerintah Kabupaten Demak",
}
PROPOSAL = {
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
VERIFIED = {
    "hasil_verifikasi": "lengkap",
    "verifikator": "Staf",
    "tanggal_verifikasi": "2025-06-13",
}
FEASIBLE = {"rekomendasi_tkksd": "layak", "alasan_tkksd": "Sesuai RPJMD."}
OFFER_SIGNED = {
    "nomor_surat_bupati": "130/001/2025",
    "tanggal_surat_bupati": "2025-06-20",
}
#: P1 on its happy path, ending with the partner's consent.
HAPPY_STEPS = [
    {"task": "lengkapi_usulan", "data": PROPOSAL},
    {"task": "verifikasi_kelengkapan", "data": VERIFIED},
    {"task": "kajian_tkksd", "data": FEASIBLE},
    {"task": "ttd_surat_penawaran", "data": OFFER_SIGNED},
    {"message": "penawaran_disetujui", "data": {"catatan": "Setuju"}},
]


def build_studio_engine(database_url: str, clock) -> Engine:
    """An engine with every extension, forms from ``forms/``; nothing deployed."""
    options = EngineOptions(clock=clock)
    for name in EXTENSIONS:
        importlib.import_module(name).setup(options, {"FORMS_PATH": str(FORMS)})
    engine = options.build(database_url)
    engine.init_db()
    return engine


def p1_files() -> dict[str, str]:
    """P1's diagram and the decision tables it uses."""
    files = read_paths([PROCESSES])
    return {
        name: text
        for name, text in files.items()
        if name == "p1_usulan.bpmn" or name.endswith(".dmn")
    }
