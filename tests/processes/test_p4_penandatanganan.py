"""P4 Penandatanganan dan Penatausahaan: schedule, paraf, delegation, upload."""

import drive
import pytest

POWER = {
    "nomor_surat_kuasa": "180/5/2025",
    "penerima_kuasa": "Kepala Dinas Pertanian",
    "jabatan_penerima_kuasa": "Kepala Dinas",
}
PARAF = ["hukum", "pemerintahan", "asisten", "sekda"]


@pytest.fixture
def agreement(cooperation):
    agreement = drive.Driver.start(cooperation, "PKS-UJI", drive.START)
    drive.propose(agreement)
    drive.negotiate(agreement)
    assert agreement.open() == ["ajukan_jadwal"]
    return agreement


def scheduled(agreement, **schedule):
    agreement.do("ajukan_jadwal", drive.SCHEDULE, **schedule)
    agreement.do("setujui_jadwal", keputusan_jadwal="setuju")


def initialled(agreement):
    for step in PARAF:
        agreement.do(f"paraf_{step}", {f"paraf_{step}_hasil": "setuju"})


def test_p4_schedule_change_asks_for_a_new_schedule(agreement):
    agreement.do("ajukan_jadwal", drive.SCHEDULE)

    agreement.do("setujui_jadwal", keputusan_jadwal="ubah", catatan_jadwal="Mundur.")

    assert agreement.open() == ["ajukan_jadwal"]


@pytest.mark.parametrize("refused_by", PARAF)
def test_p4_refused_paraf_sends_the_text_back_to_drafting(agreement, refused_by):
    scheduled(agreement)
    for step in PARAF[: PARAF.index(refused_by)]:
        agreement.do(f"paraf_{step}", {f"paraf_{step}_hasil": "setuju"})

    agreement.do(f"paraf_{refused_by}", {f"paraf_{refused_by}_hasil": "tolak"})

    assert agreement.open() == ["susun_draf"]
    assert agreement.row()["status"] == "penyusunan PKS"


def test_p4_delegated_signature_needs_a_power_of_attorney(agreement):
    scheduled(agreement, didelegasikan=True)
    initialled(agreement)
    assert agreement.open() == ["terbitkan_surat_kuasa"]

    agreement.do("terbitkan_surat_kuasa", POWER)
    assert agreement.open() == ["ttd_penerima_kuasa"]
    agreement.message("naskah_ditandatangani_mitra", {"penanda_tangan": "Mitra"})
    assert agreement.open() == ["ttd_penerima_kuasa"]
    agreement.do(
        "ttd_penerima_kuasa",
        drive.SIGNED,
        penanda_tangan_pemkab="Kepala Dinas Pertanian",
        jabatan_penanda_tangan="Kepala Dinas",
    )

    assert agreement.open() == ["penomoran_registrasi"]


def test_p4_invalid_upload_is_done_again_then_the_agreement_is_in_force(agreement):
    scheduled(agreement)
    initialled(agreement)
    agreement.message("naskah_ditandatangani_mitra", {"penanda_tangan": "Mitra"})
    agreement.do("ttd_bupati", drive.SIGNED)
    agreement.do(
        "penomoran_registrasi",
        drive.registration("180/12/2025", "180/34/2025", "2025-06-12"),
    )
    upload = {"berkas_naskah_final": "final.pdf", "periksa_naskah": ["paraf"]}
    agreement.do("unggah_naskah", upload)

    agreement.do("validasi_naskah", hasil_validasi="ulang", catatan_validasi="Materai.")
    assert agreement.open() == ["unggah_naskah"]
    agreement.do("unggah_naskah", upload, periksa_naskah=["paraf", "materai"])
    agreement.do("validasi_naskah", hasil_validasi="valid")

    row = agreement.row()
    assert (row["status"], row["nomor_pemkab"]) == ("berlaku", "180/12/2025")
    assert str(row["tanggal_berakhir"]) == "2027-06-11"
    assert agreement.data()["pemberitahuan"]["kepada"].startswith("Gubernur")


def test_p4_foreign_agreement_needs_the_ministers_approval(cooperation):
    agreement = drive.Driver.start(cooperation, "MOU-LN", drive.START)
    answers = drive.proposal(jenis_mitra="pemda_ln", nama_mitra="Town of Minami-Hata")
    agreement.do("lengkapi_usulan", answers)
    agreement.do("verifikasi_kelengkapan", drive.VERIFIED)
    agreement.do("kajian_tkksd", drive.FEASIBLE)
    agreement.do("penjajakan_ln", hasil_penjajakan="Minat.", analisis_dampak="Kecil.")
    agreement.do("ttd_surat_penawaran", drive.OFFER_SIGNED)
    agreement.message("penawaran_disetujui", {"catatan": "Setuju"})
    assert agreement.open() == ["siapkan_surat_dprd"]
    agreement.do("siapkan_surat_dprd", {"dprd_tujuan": "Pelatihan petani."} | DPRD)
    agreement.do(
        "ttd_surat_dprd", nomor_surat_dprd="1/2025", tanggal_kirim_dprd="2025-03-01"
    )
    agreement.do(
        "keputusan_dprd", hasil_dprd="disetujui", tanggal_keputusan_dprd="2025-03-20"
    )
    drive.negotiate(agreement)
    scheduled(agreement)
    initialled(agreement)
    assert agreement.open() == ["catat_persetujuan_pusat"]

    agreement.do(
        "catat_persetujuan_pusat",
        nomor_persetujuan_pusat="100.4/123/Kemendagri",
        tanggal_persetujuan_pusat="2025-05-02",
    )

    assert agreement.open() == ["ttd_bupati"]
    assert agreement.row()["status"] == "penandatanganan MoU"


DPRD = {
    "dprd_objek": "Pertukaran pelatihan petani.",
    "dprd_hak_kewajiban": "Masing-masing menanggung biayanya.",
    "dprd_kontribusi_apbd": 0,
    "dprd_keuntungan": "Peningkatan keterampilan petani.",
    "dprd_jangka_waktu": "2 tahun",
    "dprd_pembebanan": "Tidak ada.",
}
