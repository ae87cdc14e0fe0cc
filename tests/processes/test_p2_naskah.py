"""P2 Penyusunan, Telaah Hukum dan Negosiasi: every branch and reminder."""

import drive
import pytest

NOT_AGREED = {**drive.AGREED, "hasil_pembahasan": "belum_sepakat"}
REVISED = {"nomor_versi": 2, "berkas_draf": "draf-2.docx", "catatan_revisi": "Pasal 5."}


@pytest.fixture
def agreement(cooperation):
    agreement = drive.Driver.start(cooperation, "PKS-UJI", drive.START)
    drive.propose(agreement)
    agreement.do("susun_draf", drive.DRAFT)
    return agreement


def sent_to_partner(agreement):
    agreement.do("telaah_hukum", drive.LEGAL_OK)


def one_round(agreement, result):
    agreement.message("tanggapan_draf", {"komentar": "Pasal 5 diubah."})
    agreement.do("pembahasan_bersama", result)


def test_p2_legal_revision_loops_back_to_the_review(agreement):
    agreement.do("telaah_hukum", drive.LEGAL_OK, rekomendasi_hukum="revisi")
    assert agreement.open() == ["revisi_draf_hukum"]
    assert agreement.data()["revisi_ke"] == 1

    agreement.do("revisi_draf_hukum", REVISED)

    assert agreement.open() == ["telaah_hukum"]
    assert agreement.row()["status"] == "penyusunan PKS"


def test_p2_legal_rejection_ends_the_agreement(agreement):
    agreement.do("telaah_hukum", drive.LEGAL_OK, rekomendasi_hukum="tolak")

    assert agreement.open() == []
    assert agreement.row()["status"] == "gagal ditolak_hukum"
    assert agreement.status() == "completed"


def test_p2_legal_review_reminder_after_its_sla(agreement):
    assert agreement.wait(days=7, hours=1) == 1

    assert agreement.open() == ["telaah_hukum"]
    assert agreement.data()["pemberitahuan"]["kepada"] == "Bagian Hukum"


def test_p2_draft_goes_to_the_partner_and_waits(agreement):
    sent_to_partner(agreement)

    assert agreement.open() == []
    assert agreement.row()["tahap"] == "Menunggu pesan: tanggapan_draf"


@pytest.mark.parametrize(
    ("days", "told"),
    [(10, drive.START["nama_mitra"]), (21, "Kepala Bagian Pemerintahan")],
    ids=["pengingat", "eskalasi"],
)
def test_p2_silent_partner_is_reminded_then_escalated(agreement, days, told):
    sent_to_partner(agreement)
    agreement.wait(days=days - 1)
    assert agreement.data().get("pemberitahuan", {}).get("kepada") != told

    agreement.wait(days=1, hours=1)

    assert agreement.data()["pemberitahuan"]["kepada"] == told
    agreement.message("tanggapan_draf", {"komentar": "Maaf terlambat."})
    assert agreement.open() == ["pembahasan_bersama"]


def test_p2_round_without_agreement_revises_and_sends_again(agreement):
    sent_to_partner(agreement)
    one_round(agreement, NOT_AGREED)
    assert agreement.open() == ["revisi_draf_negosiasi"]

    agreement.do("revisi_draf_negosiasi", REVISED)
    assert agreement.open() == []
    agreement.message("tanggapan_draf", {"komentar": "Setuju."})

    assert agreement.open() == ["pembahasan_bersama"]
    assert agreement.data()["ronde_negosiasi"] == 2


def test_p2_agreement_freezes_the_text(agreement):
    sent_to_partner(agreement)

    one_round(agreement, drive.AGREED)

    data = agreement.data()
    assert data["naskah_final"]["dokumen"] == "PKS"
    assert len(data["naskah_final"]["sidik"]) == 64
    assert agreement.open() == ["ajukan_jadwal"]
    assert agreement.row()["status"] == "penandatanganan PKS"


@pytest.mark.parametrize(
    ("go_on", "open_after", "status"),
    [
        (True, ["revisi_draf_negosiasi"], "penyusunan PKS"),
        (False, [], "gagal dihentikan"),
    ],
    ids=["lanjut", "hentikan"],
)
def test_p2_sekda_decides_after_the_round_limit(agreement, go_on, open_after, status):
    sent_to_partner(agreement)
    for _ in range(4):
        one_round(agreement, NOT_AGREED)
        agreement.do("revisi_draf_negosiasi", REVISED)
    one_round(agreement, NOT_AGREED)
    assert agreement.open() == ["putuskan_negosiasi"]

    agreement.do(
        "putuskan_negosiasi", lanjutkan_negosiasi=go_on, arahan_sekda="Arahan."
    )

    assert agreement.open() == open_after
    assert agreement.row()["status"] == status
