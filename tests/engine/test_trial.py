"""The test-run sandbox: a draft's path, data and waits after each step."""

import copy
import json

import pytest
import sqlalchemy as sa
from support import BPMN
from trial_support import FORMS
from trial_support import HAPPY_STEPS
from trial_support import PROCESSES
from trial_support import PROPOSAL
from trial_support import START
from trial_support import VERIFIED
from trial_support import build_studio_engine
from trial_support import p1_files

from engine import InvalidInput

DMN = BPMN / "approval_level.dmn"
SUBPROCESSES = BPMN / "subprocesses.bpmn"


@pytest.fixture
def studio(database_url, clock):
    engine = build_studio_engine(database_url, clock)
    yield engine
    engine.close()


def row_counts(engine) -> dict[str, int]:
    tables = ("process_versions", "instances", "events", "timers", "human_tasks")
    with engine.db.read() as connection:
        return {
            table: connection.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in tables
        }


def test_trial_reports_the_path_and_data_after_each_step(studio):
    result = studio.trial(
        p1_files(), "p1_usulan", start_data=START, steps=HAPPY_STEPS[:2]
    )

    started, proposed, verified = result.steps
    assert started.action == {"start": START}
    assert started.nodes == [
        "mulai_usulan",
        "gw_asal_usulan",
        "gw_asal_gabung",
        "lengkapi_usulan",
    ]
    assert started.flows == [
        "f_mulai_usulan__gw_asal_usulan",
        "f_gw_asal_usulan__gw_asal_gabung",
        "f_gw_asal_gabung__lengkapi_usulan",
    ]
    assert [t["element"] for t in started.open_tasks] == ["lengkapi_usulan"]
    assert started.open_tasks[0]["form"] == "lengkapi_usulan"
    assert proposed.nodes == ["gw_verifikasi_gabung", "verifikasi_kelengkapan"]
    assert proposed.data["ruang_lingkup"] == PROPOSAL["ruang_lingkup"]
    assert proposed.waiting == [
        {
            "kind": "timer",
            "element": "sla_verifikasi",
            "due": proposed.waiting[0]["due"],
        }
    ]
    assert verified.nodes == ["gw_lengkap", "klasifikasi_jenis", "kajian_tkksd"]
    assert verified.data["jenis"] == "KSDD_WAJIB"
    assert [s.status for s in result.steps] == ["running"] * 3
    assert result.status == "running"
    assert result.visited_nodes[:2] == ["mulai_usulan", "gw_asal_usulan"]


def test_trial_delivers_a_message_and_completes(studio):
    result = studio.trial(p1_files(), "p1_usulan", start_data=START, steps=HAPPY_STEPS)

    before, last = result.steps[-2:]
    assert {
        "kind": "message",
        "element": "gw_tunggu_tanggapan",
        "message": "penawaran_disetujui",
    } in before.waiting
    assert last.nodes[:2] == ["gw_tunggu_tanggapan", "mitra_setuju"]
    assert last.nodes[-1] == "selesai_disetujui"
    assert last.status == result.status == "completed"
    assert last.open_tasks == [] and last.waiting == []
    assert last.data["tanggapan_penawaran"] == {"catatan": "Setuju"}


def test_trial_advance_fires_the_timers_that_fall_due(studio):
    steps = [HAPPY_STEPS[0], {"advance": "PT1H"}, {"advance": "P7D"}]

    result = studio.trial(p1_files(), "p1_usulan", start_data=START, steps=steps)

    _, proposed, hour, week = result.steps
    assert hour.nodes == [] and hour.error is None
    assert week.nodes == [
        "sla_verifikasi",
        "ingatkan_verifikasi",
        "selesai_ingatkan_verifikasi",
    ]
    assert week.data["pemberitahuan"]["kepada"] == "Bagian Pemerintahan"
    assert [t["element"] for t in week.open_tasks] == ["verifikasi_kelengkapan"]
    assert week.at > proposed.at


def test_trial_stops_at_answers_the_form_rejects(studio):
    steps = [{"task": "lengkapi_usulan", "data": {}}, HAPPY_STEPS[1]]

    result = studio.trial(p1_files(), "p1_usulan", start_data=START, steps=steps)

    assert result.status == "failed"
    assert len(result.steps) == 2
    failed = result.steps[-1]
    assert failed.error == result.error
    assert "judul" in failed.errors
    assert [t["element"] for t in failed.open_tasks] == ["lengkapi_usulan"]


def test_trial_uses_form_drafts_before_the_forms_folder(studio):
    draft = json.loads((FORMS / "verifikasi_kelengkapan.form").read_text())
    draft["components"].append(
        {
            "type": "textfield",
            "key": "nomor_berkas",
            "label": "Nomor berkas",
            "validate": {"required": True},
        }
    )
    extra_forms = {"verifikasi_kelengkapan": draft}

    result = studio.trial(
        p1_files(),
        "p1_usulan",
        start_data=START,
        steps=HAPPY_STEPS[:2],
        extra_forms=extra_forms,
    )

    assert result.status == "failed"
    assert list(result.steps[-1].errors) == ["nomor_berkas"]


def test_trial_reports_a_task_that_is_not_open(studio):
    steps = [{"task": "ttd_surat_penawaran", "data": {}}]

    result = studio.trial(p1_files(), "p1_usulan", start_data=START, steps=steps)

    assert result.status == "failed"
    assert result.error == (
        "Task 'ttd_surat_penawaran' is not open. Open tasks: 'lengkapi_usulan'."
    )


def test_trial_reports_a_script_error(engine, services):
    services.register("echo", lambda params, data: params)
    files = {p.name: p.read_text() for p in (BPMN / "tasks.bpmn", DMN)}
    steps = [{"task": "enter_value", "data": {"value": None}}]

    result = engine.trial(files, "task_script", steps=steps)

    assert result.status == "failed"
    assert "compute_fee" in result.error
    assert result.steps[-1].nodes == []


def test_trial_writes_nothing_to_the_real_store(studio):
    studio.deploy([PROCESSES / "p1_usulan.bpmn", *PROCESSES.glob("*.dmn")])
    before = row_counts(studio)
    steps = [*HAPPY_STEPS[:3], {"task": "unknown", "data": {}}]

    result = studio.trial(p1_files(), "p1_usulan", start_data=START, steps=steps)

    assert result.status == "failed"
    assert row_counts(studio) == before
    assert studio.list_instances() == []


def test_trial_runs_a_called_process_from_the_deployed_versions(engine):
    engine.deploy([BPMN / "checklist.bpmn"])
    files = {"subprocesses.bpmn": (BPMN / "subprocesses.bpmn").read_text()}
    steps = [{"task": "tick_items"}, {"task": "countersign"}]

    result = engine.trial(files, "subprocess_call_shared", steps=steps)

    started, ticked, signed = result.steps
    assert started.nodes == ["cs_start", "call_checklist", "ck_start", "tick_items"]
    assert [t["lane"] for t in started.open_tasks] == ["staff"]
    assert ticked.nodes == ["countersign"]
    assert signed.nodes == ["ck_end", "cs_end"]
    assert signed.flows == ["ck_f3", "cs_f2"]
    assert result.status == "completed"


def test_trial_lists_an_embedded_subprocess_once(engine):
    files = {p.name: p.read_text() for p in (SUBPROCESSES, BPMN / "checklist.bpmn")}
    steps = [
        {"task": "draft_text", "data": {"articles": ["Pasal 1", "Pasal 2"]}},
        {"task": "proofread"},
    ]

    result = engine.trial(files, "subprocess_embedded", steps=steps)

    started, drafted, proofread = result.steps
    assert started.nodes == ["se_start", "legal_drafting", "ld_start", "draft_text"]
    assert drafted.nodes == ["number_articles", "proofread"]
    assert drafted.flows == ["ld_f2", "ld_f3"]
    assert drafted.data["article_count"] == 2
    assert proofread.nodes == ["ld_end", "se_sign"]


def test_trial_lists_a_node_again_when_a_loop_returns(studio):
    incomplete = {**VERIFIED, "hasil_verifikasi": "belum_lengkap"}
    repaired = {"catatan_perbaikan": "KAK dilengkapi.", "berkas_kak": "kak-2.pdf"}
    steps = [
        HAPPY_STEPS[0],
        {"task": "verifikasi_kelengkapan", "data": incomplete},
        {"task": "perbaiki_usulan", "data": repaired},
    ]

    result = studio.trial(p1_files(), "p1_usulan", start_data=START, steps=steps)

    assert result.steps[2].nodes == ["gw_lengkap", "perbaiki_usulan"]
    assert result.steps[3].nodes == ["gw_verifikasi_gabung", "verifikasi_kelengkapan"]
    assert result.visited_nodes.count("verifikasi_kelengkapan") == 1


def test_trial_reports_a_step_after_the_end(engine):
    engine.deploy([BPMN / "checklist.bpmn"])
    files = {"checklist.bpmn": (BPMN / "checklist.bpmn").read_text()}
    steps = [{"task": "tick_items"}, {"task": "countersign"}, {"advance": "P1D"}]

    result = engine.trial(files, "shared_checklist", steps=steps)

    assert result.status == "failed"
    assert (
        result.error
        == "The instance is completed already; nothing is left to wait P1D."
    )


def test_trial_reports_problems_in_the_files(engine):
    result = engine.trial({"broken.bpmn": "<bpmn:definitions"}, "broken")

    assert result.status == "failed"
    assert result.steps == []
    assert result.problems and result.problems[0].file == "broken.bpmn"
    assert result.as_dict()["error"] == result.error


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ({"task": "a"}, "Give the steps as a list."),
        ([{"task": "a", "message": "b"}], "Step 1 needs exactly one of"),
        ([{"advance": "three days"}], "Step 1: 'three days' is not an ISO-8601"),
        ([{"task": "a", "who": "me"}], "Step 1 has unknown keys"),
        ([{"message": "m", "data": []}], "The data of step 1 must be an object."),
    ],
    ids=["not-a-list", "two-kinds", "bad-duration", "unknown-key", "bad-data"],
)
def test_trial_rejects_malformed_steps(engine, steps, message):
    files = {"checklist.bpmn": (BPMN / "checklist.bpmn").read_text()}

    with pytest.raises(InvalidInput, match=message):
        engine.trial(files, "shared_checklist", steps=copy.deepcopy(steps))
