"""The lifecycle's end: the decision at the end date and early termination."""

import drive
import pytest

END = "2026-06-11"
REPORT = {"ringkasan_capaian": "Seluruh pilar batas terpasang."}
TERMINATION = {
    "nomor_ba_pengakhiran": "180/BA/2025",
    "tanggal_pengakhiran": "2025-07-10",
    "alasan_pengakhiran": "Mitra tidak dapat melanjutkan.",
}


def decide(agreement, decision):
    agreement.do("keputusan_lanjutan", keputusan=decision, alasan_keputusan="Rapat.")


@pytest.fixture
def expired(cooperation):
    agreement = drive.Driver.start(cooperation, "PKS-UJI", drive.START)
    drive.put_in_force(agreement, END)
    agreement.wait_until(END, 8)
    assert agreement.open() == ["keputusan_lanjutan"]
    return agreement


def test_kerjasama_finished_agreement_ends_after_the_final_report(expired):
    decide(expired, "selesai")
    assert expired.open() == ["laporan_akhir"]
    assert expired.row()["status"] == "masa berlaku habis"

    expired.do("laporan_akhir", REPORT)

    row = expired.row()
    assert (row["status"], row["tahap"]) == ("berakhir", None)
    assert expired.open() == []
    assert expired.status() == "completed"


def test_kerjasama_renewal_is_proposed_again_in_the_same_instance(expired):
    decide(expired, "perpanjang")

    assert expired.open() == ["lengkapi_usulan"]
    assert expired.data()["perpanjangan_ke"] == 1
    row = expired.row()
    assert (row["status"], row["tahap"]) == ("masa berlaku habis", "Lengkapi Usulan")

    drive.put_in_force(expired, "2028-06-11", signed="2026-07-01")
    row = expired.row()
    assert (row["status"], str(row["tanggal_berakhir"])) == ("berlaku", "2028-06-11")
    assert len(expired.engine.list_instances(business_key="PKS-UJI")) == 1


def test_kerjasama_amendment_is_drafted_and_signed(expired):
    decide(expired, "adendum")

    assert expired.open() == ["susun_draf"]
    assert expired.row()["status"] == "penyusunan Adendum"

    drive.negotiate(expired)
    drive.sign(
        expired,
        "180/20/2026",
        "180/40/2026",
        "2026-06-20",
        tanggal_berakhir_naskah="2027-06-11",
    )
    row = expired.row()
    assert (row["status"], row["nomor_pemkab"]) == ("berlaku", "180/20/2026")
    assert str(row["tanggal_berakhir"]) == "2027-06-11"


def test_kerjasama_partner_termination_ends_the_agreement_early(cooperation):
    agreement = drive.Driver.start(cooperation, "PKS-UJI", drive.START)
    drive.put_in_force(agreement, END)
    agreement.wait_until("2025-06-30", 8)
    assert agreement.open() == ["isi_monev_mitra", "isi_monev_opd"]

    agreement.message("pemutusan_dini", {"alasan": "Mitra dibubarkan."})
    assert agreement.open() == ["ba_pengakhiran"]
    assert agreement.row()["tahap"] == "Berita Acara Pengakhiran"

    agreement.do("ba_pengakhiran", TERMINATION)

    row = agreement.row()
    assert (row["status"], row["tahap"]) == ("diakhiri", None)
    assert agreement.status() == "completed"
    assert agreement.wait_until(END, 8) == 0
