"""P1 Usulan dan Kelayakan: every branch, reminder and deadline."""

import drive
import pytest

from engine import Actor

OFFER = {
    "nomor_surat_penawaran": "01/PT-BJN/2025",
    "tanggal_surat_penawaran": "2025-01-03",
    "ringkasan_penawaran": "Demplot benih jagung 50 ha.",
    "berkas_surat_penawaran": "penawaran.pdf",
}
INCOMPLETE = {**drive.VERIFIED, "hasil_verifikasi": "belum_lengkap"}
REPAIRED = {"catatan_perbaikan": "KAK dilengkapi.", "berkas_kak": "kak-2.pdf"}


@pytest.fixture
def agreement(cooperation):
    return drive.Driver.start(cooperation, "PKS-UJI", drive.START)


def offer_sent(agreement, **overrides):
    agreement.do("lengkapi_usulan", drive.proposal(**overrides))
    agreement.do("verifikasi_kelengkapan", drive.VERIFIED)
    agreement.do("kajian_tkksd", drive.FEASIBLE)
    agreement.do("ttd_surat_penawaran", drive.OFFER_SIGNED)


def test_p1_partner_offer_is_recorded_before_the_proposal(cooperation):
    start = {**drive.START, "asal_usulan": "mitra"}
    agreement = drive.Driver.start(cooperation, "PKS-MITRA", start)
    assert agreement.open() == ["catat_penawaran"]

    agreement.do("catat_penawaran", OFFER)

    assert agreement.open() == ["lengkapi_usulan"]
    assert agreement.row()["status"] == "usulan"


def test_p1_incomplete_proposal_goes_back_to_the_opd(agreement):
    agreement.do("lengkapi_usulan", drive.proposal())
    agreement.do("verifikasi_kelengkapan", INCOMPLETE)
    assert agreement.open() == ["perbaiki_usulan"]

    agreement.do("perbaiki_usulan", REPAIRED)
    assert agreement.open() == ["verifikasi_kelengkapan"]

    agreement.do("verifikasi_kelengkapan", drive.VERIFIED)
    assert agreement.open() == ["kajian_tkksd"]
    assert agreement.row()["status"] == "usulan"


def _at_verification(agreement):
    agreement.do("lengkapi_usulan", drive.proposal())


def _at_repair(agreement):
    _at_verification(agreement)
    agreement.do("verifikasi_kelengkapan", INCOMPLETE)


def _at_assessment(agreement):
    _at_verification(agreement)
    agreement.do("verifikasi_kelengkapan", drive.VERIFIED)


@pytest.mark.parametrize(
    ("reach", "task", "days", "told"),
    [
        (_at_verification, "verifikasi_kelengkapan", 3, "Bagian Pemerintahan"),
        (_at_repair, "perbaiki_usulan", 5, "OPD Pemrakarsa"),
        (_at_assessment, "kajian_tkksd", 10, "TKKSD"),
    ],
    ids=["verifikasi", "perbaikan", "kajian"],
)
def test_p1_sla_reminds_and_keeps_the_task_open(agreement, reach, task, days, told):
    reach(agreement)
    assert agreement.wait(days=days - 1) == 0

    assert agreement.wait(days=1, hours=1) == 1

    assert agreement.open() == [task]
    assert agreement.data()["pemberitahuan"]["kepada"] == told


def test_p1_unrepaired_proposal_expires_after_the_deadline(agreement):
    _at_repair(agreement)
    agreement.wait(days=29)
    assert agreement.open() == ["perbaiki_usulan"]

    agreement.wait(days=1, hours=1)

    assert agreement.open() == []
    assert agreement.row()["status"] == "kedaluwarsa"
    assert agreement.status() == "completed"


@pytest.mark.parametrize(
    ("recommendation", "open_after", "status"),
    [
        ("tidak_layak", [], "tidak_layak"),
        ("perbaiki", ["verifikasi_kelengkapan"], "usulan"),
        ("layak", ["ttd_surat_penawaran"], "usulan"),
    ],
)
def test_p1_tkksd_recommendation_decides(agreement, recommendation, open_after, status):
    _at_assessment(agreement)

    agreement.do("kajian_tkksd", drive.FEASIBLE, rekomendasi_tkksd=recommendation)

    assert agreement.open() == open_after
    assert agreement.row()["status"] == status


def test_p1_tkksd_can_change_the_kind(agreement):
    agreement.do("lengkapi_usulan", drive.proposal(jenis_mitra="ptn"))
    agreement.do("verifikasi_kelengkapan", drive.VERIFIED)
    assert agreement.data()["jenis"] == "KSDPK"

    agreement.do(
        "kajian_tkksd",
        drive.FEASIBLE,
        ganti_jenis=True,
        jenis_pilihan="SINERGI",
        alasan_ganti_jenis="Perguruan tinggi negeri: sinergi pusat-daerah.",
    )

    data = agreement.data()
    assert (data["jenis"], data["jenis_sistem"]) == ("SINERGI", "KSDPK")
    assert data["rantai_dokumen"] == "NK+RK"
    assert agreement.open() == ["ttd_surat_penawaran"]


def test_p1_foreign_partner_needs_penjajakan(agreement):
    answers = drive.proposal(
        jenis_mitra="pemda_ln", nama_mitra="Town of Minami-Hata", berbatasan=False
    )
    agreement.do("lengkapi_usulan", answers)
    agreement.do("verifikasi_kelengkapan", drive.VERIFIED)
    agreement.do("kajian_tkksd", drive.FEASIBLE)
    assert agreement.open() == ["penjajakan_ln"]
    data = agreement.data()
    assert (data["jenis"], data["rantai_dokumen"], data["butuh_dprd"]) == (
        "KSDPL",
        "MoU",
        True,
    )

    agreement.do(
        "penjajakan_ln",
        hasil_penjajakan="Kedua pihak berminat.",
        analisis_dampak="Dampak sosial kecil.",
    )

    assert agreement.open() == ["ttd_surat_penawaran"]


@pytest.mark.parametrize(
    ("late", "message", "open_after", "status"),
    [
        (False, "penawaran_disetujui", ["susun_draf"], "penyusunan PKS"),
        (False, "penawaran_ditolak", [], "ditolak_mitra"),
        (True, "penawaran_disetujui", ["susun_draf"], "penyusunan PKS"),
        (True, "penawaran_ditolak", [], "ditolak_mitra"),
    ],
    ids=["setuju", "menolak", "setuju-setelah-pengingat", "menolak-setelah-pengingat"],
)
def test_p1_partner_answers_the_offer(agreement, late, message, open_after, status):
    offer_sent(agreement)
    if late:
        assert agreement.wait(days=30, hours=1) == 1
        assert agreement.data()["pemberitahuan"]["kepada"] == drive.START["nama_mitra"]

    agreement.message(message, {"catatan": "Jawaban mitra."})

    assert agreement.open() == open_after
    assert agreement.row()["status"] == status


def test_p1_offer_without_answer_closes_after_the_deadline(agreement):
    offer_sent(agreement)
    agreement.wait(days=30, hours=1)
    assert agreement.row()["status"] == "usulan"

    agreement.wait(days=30)

    assert agreement.row()["status"] == "tidak_ditanggapi"
    assert agreement.status() == "completed"


def test_p1_sla_reminder_reaches_the_lane_in_the_app(agreement):
    _at_verification(agreement)
    engine = agreement.engine
    clerk = Actor("agus", {"Bagian Pemerintahan"})
    partner = Actor("mitra", {"Mitra"})

    agreement.wait(days=3, hours=1)

    (notice,) = engine.list_notifications(clerk)
    assert "melewati SLA" in notice.text
    assert notice.instance_id == agreement.instance_id
    assert engine.list_notifications(partner) == []
