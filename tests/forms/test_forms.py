import json
from pathlib import Path

import pytest

from engine import InvalidInput
from engine.forms import FormLibrary
from engine.process_settings import ProcessSettings
from engine.process_settings import UnknownSetting

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"


@pytest.fixture(scope="module")
def library():
    return FormLibrary(FORMS)


def test_every_form_builds_a_schema(library):
    for key in library.keys():
        assert library.schema(key) is library.schema(key)


def test_every_user_task_has_its_form(library):
    for path in PROCESSES.glob("*.bpmn"):
        text = path.read_text(encoding="utf-8")
        for key in text.split('name="formKey" value="')[1:]:
            assert library.exists(key.split('"')[0]), (path.name, key)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "penelaah", "Wajib diisi."),
        ({"rekomendasi_hukum": "mungkin"}, "rekomendasi_hukum", "Pilih salah satu"),
        ({"tanggal_telaah": "12/06/2025"}, "tanggal_telaah", "tanggal"),
        ({"asing": 1}, "asing", "tidak ada di formulir"),
    ],
    ids=["required", "choice", "date", "unknown"],
)
def test_validate_rejects_with_field_messages(library, data, field, message):
    with pytest.raises(InvalidInput) as caught:
        library.validate("telaah_hukum", data)
    assert any(message in m for m in caught.value.errors[field])


def test_validate_checks_number_limits(library):
    with pytest.raises(InvalidInput) as caught:
        library.validate("monev_final", {"rating_final": 6})
    assert caught.value.errors["rating_final"] == ["Nilai harus antara 1 dan 5."]


def test_validate_fills_optional_fields(library):
    clean = library.validate(
        "ajukan_jadwal",
        {
            "metode_ttd": "hybrid",
            "tanggal_rencana_ttd": "2025-06-12",
            "tempat_rencana_ttd": "X",
        },
    )
    assert clean["didelegasikan"] is False
    assert clean["usulan_penerima_kuasa"] is None


def test_settings_have_help_and_unverified_ones_say_so():
    entries = json.loads((PROCESSES / "settings.json").read_text(encoding="utf-8"))
    names = {e["name"] for e in entries}
    assert {"BATAS_TANGGAPAN_DPRD", "DPRD_DIAM_DIANGGAP_SETUJU"} <= names
    for entry in entries:
        if entry["name"] in {"BATAS_TANGGAPAN_DPRD", "DPRD_DIAM_DIANGGAP_SETUJU"}:
            assert "UNVERIFIED" in entry["help"]


def test_setting_reads_environment_overrides():
    settings = ProcessSettings(
        environ={
            "EKERJASAMA_SLA_TELAAH_HUKUM": "P3D",
            "EKERJASAMA_BATAS_RONDE_NEGOSIASI": "2",
        }
    )
    assert settings("SLA_TELAAH_HUKUM") == "P3D"
    assert settings("BATAS_RONDE_NEGOSIASI") == 2
    with pytest.raises(UnknownSetting, match="Unknown setting 'SLA_TIDAK_ADA'"):
        settings("SLA_TIDAK_ADA")
