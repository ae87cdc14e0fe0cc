"""P3 Persetujuan DPRD: each decision, and the DPRD's silence both ways."""

import drive
import pytest

LETTER = {
    "dprd_tujuan": "Kebun pangan lokal.",
    "dprd_objek": "Kebun pangan di 10 desa.",
    "dprd_hak_kewajiban": "Pemkab menyediakan lahan.",
    "dprd_kontribusi_apbd": 250000000,
    "dprd_keuntungan": "Penurunan stunting.",
    "dprd_jangka_waktu": "3 tahun",
    "dprd_pembebanan": "Tidak ada beban kepada masyarakat.",
}
SIGNED_LETTER = {"nomor_surat_dprd": "170/88/2025", "tanggal_kirim_dprd": "2025-10-14"}


def decision(result):
    return {"hasil_dprd": result, "tanggal_keputusan_dprd": "2025-11-01"}


def waiting_for_dprd(engine):
    agreement = drive.Driver.start(engine, "PKS-YAYASAN", drive.START)
    drive.propose(agreement, dianggarkan_apbd=False)
    assert agreement.open() == ["siapkan_surat_dprd"]
    assert agreement.row()["status"] == "persetujuan DPRD"
    agreement.do("siapkan_surat_dprd", LETTER)
    agreement.do("ttd_surat_dprd", SIGNED_LETTER)
    assert agreement.open() == ["keputusan_dprd"]
    return agreement


@pytest.mark.parametrize(
    ("result", "open_after", "status"),
    [
        ("disetujui", ["susun_draf"], "penyusunan PKS"),
        ("ditolak", [], "ditolak DPRD"),
        ("minta_perbaikan", ["perbaiki_bahan_dprd"], "persetujuan DPRD"),
    ],
)
def test_p3_dprd_decision(cooperation, result, open_after, status):
    agreement = waiting_for_dprd(cooperation)

    agreement.do("keputusan_dprd", decision(result))

    assert agreement.open() == open_after
    assert agreement.row()["status"] == status


def test_p3_revised_material_is_signed_and_sent_again(cooperation):
    agreement = waiting_for_dprd(cooperation)
    agreement.do("keputusan_dprd", decision("minta_perbaikan"))

    agreement.do("perbaiki_bahan_dprd", catatan_perbaikan_dprd="Lampiran RAB.")

    assert agreement.open() == ["ttd_surat_dprd"]


def test_p3_silence_counts_as_approval_by_default(cooperation):
    agreement = waiting_for_dprd(cooperation)
    assert agreement.wait(days=44) == 0
    assert agreement.open() == ["keputusan_dprd"]

    assert agreement.wait(days=1, hours=1) == 1

    assert agreement.open() == ["susun_draf"]
    assert agreement.data()["dprd_dianggap_setuju"] is True
    assert agreement.row()["status"] == "penyusunan PKS"


def test_p3_silence_goes_to_the_bupati_when_not_approval(
    database_url, clock, monkeypatch
):
    monkeypatch.setenv("EKERJASAMA_DPRD_DIAM_DIANGGAP_SETUJU", "false")
    engine = drive.build(database_url, clock)
    engine.deploy([drive.PROCESSES])
    try:
        agreement = waiting_for_dprd(engine)
        agreement.wait(days=45, hours=1)
        assert agreement.open() == ["tindak_lanjut_dprd"]

        agreement.do("tindak_lanjut_dprd", arahan_bupati="Kirim ulang surat.")

        assert agreement.open() == ["ttd_surat_dprd"]
        assert agreement.row()["status"] == "persetujuan DPRD"
    finally:
        engine.close()
