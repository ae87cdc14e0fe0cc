import drive

from engine import register

START = {
    "asal_usulan": "opd",
    "judul": "Penegasan batas daerah Grobogan-Demak",
    "opd_pemrakarsa": "Bagian Pemerintahan",
    "nama_mitra": "Pemerintah Kabupaten Demak",
}


def row(engine, instance_id):
    return next(
        r for r in register.list_agreements(engine) if r["instance_id"] == instance_id
    )


def test_lifecycle_pks_runs_from_proposal_to_active(cooperation):
    agreement = drive.Driver.start(cooperation, "PKS-DEMAK", START)
    assert agreement.open() == ["lengkapi_usulan"]
    assert row(cooperation, agreement.instance_id)["status"] == "usulan"

    drive.propose(agreement)
    assert agreement.open() == ["susun_draf"]
    current = row(cooperation, agreement.instance_id)
    assert (current["jenis"], current["rantai_dokumen"]) == ("KSDD_WAJIB", "PKS")
    assert current["status"] == "penyusunan PKS"

    drive.negotiate(agreement)
    assert agreement.open() == ["ajukan_jadwal"]
    drive.sign(agreement, "180/12/2025", "180/34/2025", "2025-06-12")

    current = row(cooperation, agreement.instance_id)
    assert current["status"] == "berlaku"
    assert str(current["tanggal_berakhir"]) == "2027-06-11"
    assert current["nomor_mitra"] == "180/34/2025"


def test_lifecycle_kb_then_pks_asks_dprd_before_the_pks(cooperation):
    agreement = drive.Driver.start(cooperation, "KB-BOYOLALI", START)
    drive.propose(agreement, kb_sudah_ada=False, dianggarkan_apbd=False)
    drive.negotiate(agreement)
    drive.sign(agreement, "180/1/2024", "180/9/2024", "2024-03-05")
    assert agreement.open() == ["siapkan_surat_dprd"]
    assert row(cooperation, agreement.instance_id)["status"] == "persetujuan DPRD"
