"""P5 Pelaksanaan: monev rounds, the annual report, reminders, the end date."""

from datetime import date
from datetime import timedelta

import drive
import pytest

from engine.process_settings import ProcessSettings

END = "2026-06-11"
MONEV_OPD = {
    "capaian_indikator_opd": "Pilar batas terpasang 40%.",
    "realisasi_kegiatan_opd": "Survei lapangan selesai.",
    "realisasi_anggaran_opd": 50000000,
    "ketepatan_waktu_opd": "tepat",
    "rating_opd": 4,
}
MONEV_MITRA = {
    "kontribusi_mitra": "Tim survei bersama.",
    "koordinasi_mitra": "Rapat bulanan.",
    "rating_mitra": 4,
}
REVIEW = {"catatan_review": "Capaian memadai.", "rekomendasi_review": "lanjutkan"}
FINAL = {
    "rating_final": 4,
    "rekomendasi_monev": "lanjutkan",
    "ringkasan_monev": "Berjalan baik.",
}


@pytest.fixture
def agreement(cooperation):
    agreement = drive.Driver.start(cooperation, "PKS-UJI", drive.START)
    drive.put_in_force(agreement, END)
    return agreement


def test_p5_starts_by_waiting_for_the_first_monev_round(agreement):
    row = agreement.row()

    assert (row["status"], str(row["tanggal_berakhir"])) == ("berlaku", END)
    assert row["tahap"] == "Menunggu jadwal 2025-06-30"
    assert agreement.open() == []


def test_p5_monev_round_reminds_the_late_opd_and_ends_with_a_rating(agreement):
    assert agreement.wait_until("2025-06-30", 8) == 1
    assert agreement.open() == ["isi_monev_mitra", "isi_monev_opd"]
    assert agreement.row()["tahap"] == "Isi Monev Mitra; Isi Monev OPD"

    agreement.do("isi_monev_mitra", MONEV_MITRA)
    assert agreement.wait(days=13, hours=23) == 0
    assert agreement.wait(hours=1) == 1

    assert agreement.fired()[-1] == "sla_monev_opd"
    notice = agreement.data()["pemberitahuan"]
    assert notice["pesan"].endswith("putaran 1 melewati SLA.")
    assert agreement.open() == ["isi_monev_opd"]

    agreement.do("isi_monev_opd", MONEV_OPD)
    agreement.do("review_tkksd", REVIEW)
    agreement.do("monev_final", FINAL)
    row = agreement.row()
    assert (row["status"], row["tahap"]) == ("berlaku", "Menunggu jadwal 2025-12-15")

    agreement.wait_until("2025-12-15", 8)
    assert agreement.open() == ["isi_monev_mitra", "isi_monev_opd"]
    assert agreement.data()["monev_ke"] == 2


def test_p5_annual_report_is_signed_and_sent_to_the_governor(agreement):
    agreement.wait_until("2026-01-15", 8)
    assert "susun_laporan_tahunan" in agreement.open()

    agreement.do("susun_laporan_tahunan", tahun_laporan=2025, ringkasan_laporan="-")
    assert "ttd_laporan_tahunan" in agreement.open()
    agreement.do(
        "ttd_laporan_tahunan",
        nomor_surat_laporan="130/LAP/2026",
        tanggal_surat_laporan="2026-01-20",
    )

    notice = agreement.data()["pemberitahuan"]
    assert notice["kepada"] == "Gubernur Jawa Tengah"
    assert "tahun 2025" in notice["pesan"]
    assert agreement.open() == ["isi_monev_mitra", "isi_monev_opd"]


def test_p5_reminds_at_the_configured_days_before_the_end_date(agreement):
    settings = ProcessSettings()
    for number in (1, 2, 3, 4):
        days = settings(f"PENGINGAT_{number}_HARI")
        day = (date.fromisoformat(END) - timedelta(days=days)).isoformat()

        agreement.wait_until(day, 6)
        assert f"pengingat_{number}" not in agreement.fired()
        agreement.wait_until(day, 7)

        assert agreement.fired()[-1] == f"pengingat_{number}"
        notice = agreement.data()["pemberitahuan"]
        assert notice["pesan"].endswith(f"berakhir pada {END}.")
        assert agreement.row()["status"] == "berlaku"
    assert agreement.open() == [
        "isi_monev_mitra",
        "isi_monev_opd",
        "susun_laporan_tahunan",
    ]


def test_p5_end_date_marks_the_agreement_expired_until_the_decision(agreement):
    agreement.wait_until("2026-06-10", 17)
    assert agreement.row()["status"] == "berlaku"

    agreement.wait_until(END, 7)

    assert agreement.fired()[-1] == "masa_berakhir"
    assert agreement.open() == ["keputusan_lanjutan"]
    row = agreement.row()
    assert (row["status"], row["tahap"]) == ("masa berlaku habis", "Keputusan Lanjutan")
