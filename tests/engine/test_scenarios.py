"""Saved scenarios: kept with their path, replayed for coverage, exported."""

import json
import re

import pytest
from click.testing import CliRunner
from trial_support import DESIGNER
from trial_support import FEASIBLE
from trial_support import HAPPY_STEPS
from trial_support import OFFICER
from trial_support import PROCESSES
from trial_support import START
from trial_support import build_studio_engine
from trial_support import p1_files

from engine import InvalidInput
from engine import NotFound
from engine import PermissionDenied
from engine.cli import load_commands

#: References to the element ttd_surat_penawaran, but not its form key.
RENAMED = re.compile(r'((?:id|Ref|bpmnElement)="|<bpmn:\w+>)ttd_surat_penawaran(["<])')
NOT_FEASIBLE = [
    *HAPPY_STEPS[:2],
    {"task": "kajian_tkksd", "data": {**FEASIBLE, "rekomendasi_tkksd": "tidak_layak"}},
]


@pytest.fixture
def studio(database_url, clock):
    engine = build_studio_engine(database_url, clock)
    engine.deploy([PROCESSES / "p1_usulan.bpmn", *PROCESSES.glob("*.dmn")])
    yield engine
    engine.close()


def save(engine, name, steps, **options):
    return engine.scenarios.save(
        "p1_usulan", name, start_data=START, steps=steps, actor=DESIGNER, **options
    )


def test_save_runs_the_deployed_version_and_keeps_its_path(studio, clock):
    trial = studio.trial(p1_files(), "p1_usulan", start_data=START, steps=HAPPY_STEPS)

    scenario = save(studio, "disetujui", HAPPY_STEPS)

    assert scenario.expected == trial.path()
    assert scenario.expected[-1]["status"] == "completed"
    assert (scenario.saved_by, scenario.start_at) == ("dina", clock.now())
    assert studio.scenarios.get(scenario.id) == scenario
    assert studio.scenarios.list("p1_usulan") == [scenario]


def test_save_runs_the_draft_when_there_is_one(studio):
    files = p1_files()
    files["p1_usulan.bpmn"] = RENAMED.sub(r"\1ttd_penawaran\2", files["p1_usulan.bpmn"])
    studio.drafts.save_process("p1_usulan", files, actor=DESIGNER)
    steps = [
        *HAPPY_STEPS[:3],
        {"task": "ttd_penawaran", "data": HAPPY_STEPS[3]["data"]},
    ]

    scenario = save(studio, "draf", steps)

    assert "ttd_penawaran" in scenario.expected[-2]["nodes"]


def test_save_again_replaces_the_scenario_of_that_name(studio):
    first = save(studio, "kajian", HAPPY_STEPS[:2])

    second = save(studio, "kajian", NOT_FEASIBLE)

    assert second.id == first.id
    assert second.steps == NOT_FEASIBLE
    assert second.expected[-1]["status"] == "completed"
    assert [s.name for s in studio.scenarios.list("p1_usulan")] == ["kajian"]


def test_save_keeps_a_given_expected_path(studio):
    trial = studio.trial(p1_files(), "p1_usulan", start_data=START, steps=NOT_FEASIBLE)

    scenario = save(studio, "tidak_layak", NOT_FEASIBLE, expected=trial.path())

    assert scenario.expected == trial.path()


@pytest.mark.parametrize(
    ("name", "steps", "options", "message"),
    [
        ("tidak/layak", NOT_FEASIBLE, {}, "'tidak/layak' is not a scenario name"),
        (" awal", NOT_FEASIBLE, {}, "' awal' is not a scenario name"),
        ("gagal", [{"task": "kajian_tkksd", "data": {}}], {}, "The scenario fails"),
        ("jalan", NOT_FEASIBLE, {"expected": [{"nodes": []}]}, "expected path"),
        ("awal", [{"advance": "P1D"}], {"start_data": []}, "start data"),
    ],
    ids=["name", "leading-space", "failing-run", "expected", "start-data"],
)
def test_save_rejects_bad_input(studio, name, steps, options, message):
    arguments = {"start_data": START, "steps": steps, "actor": DESIGNER, **options}

    with pytest.raises(InvalidInput, match=message):
        studio.scenarios.save("p1_usulan", name, **arguments)

    assert studio.scenarios.list("p1_usulan") == []


def test_scenarios_need_a_designer(studio):
    scenario = save(studio, "kajian", HAPPY_STEPS[:2])

    with pytest.raises(PermissionDenied):
        studio.scenarios.delete(scenario.id, OFFICER)
    with pytest.raises(PermissionDenied):
        studio.scenarios.save(
            "p1_usulan", "lain", start_data=START, steps=[], actor=OFFICER
        )


def test_delete_scenario(studio):
    scenario = save(studio, "kajian", HAPPY_STEPS[:2])

    studio.scenarios.delete(scenario.id, DESIGNER)

    assert studio.scenarios.list("p1_usulan") == []
    with pytest.raises(NotFound, match=f"no scenario {scenario.id}"):
        studio.scenarios.get(scenario.id)
    with pytest.raises(NotFound):
        studio.scenarios.delete(scenario.id, DESIGNER)


def test_coverage_counts_the_visits_of_every_scenario(studio):
    save(studio, "disetujui", HAPPY_STEPS)
    save(studio, "tidak_layak", NOT_FEASIBLE)

    coverage = studio.scenarios.coverage("p1_usulan", p1_files())

    assert len(coverage.all_nodes) == 54 and len(coverage.all_flows) == 56
    assert coverage.nodes["lengkapi_usulan"] == 2
    assert coverage.nodes["tandai_tidak_layak"] == 1
    assert coverage.flows["f_gw_rekomendasi__tandai_tidak_layak"] == 1
    assert "perbaiki_usulan" not in coverage.nodes
    assert coverage.node_percent == round(100 * len(coverage.nodes) / 54, 1)
    assert coverage.flow_percent == round(100 * len(coverage.flows) / 56, 1)
    assert [(r.name, r.status, r.matches) for r in coverage.runs] == [
        ("disetujui", "completed", True),
        ("tidak_layak", "completed", True),
    ]


def test_coverage_tells_which_scenarios_changed_their_path(studio):
    trial = studio.trial(p1_files(), "p1_usulan", start_data=START, steps=NOT_FEASIBLE)
    wrong = trial.path()
    wrong[-1] = {**wrong[-1], "nodes": wrong[-1]["nodes"][:-1]}
    save(studio, "tidak_layak", NOT_FEASIBLE, expected=wrong)

    coverage = studio.scenarios.coverage("p1_usulan", p1_files())

    assert [(r.name, r.matches) for r in coverage.runs] == [("tidak_layak", False)]


def test_export_gives_the_scenario_file(studio, clock):
    scenario = save(studio, "tidak_layak", NOT_FEASIBLE)

    exported = studio.scenarios.export(scenario.id)

    assert exported == {
        "process_id": "p1_usulan",
        "name": "tidak_layak",
        "start_at": clock.now().isoformat(),
        "start_data": START,
        "steps": NOT_FEASIBLE,
        "expected": scenario.expected,
    }


@pytest.fixture
def cli_run(studio, database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("EKERJASAMA_DATABASE_URL", database_url)
    monkeypatch.setenv("EKERJASAMA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("EKERJASAMA_PROCESSES_PATH", str(PROCESSES))
    runner = CliRunner()
    cli = load_commands()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


def test_cli_exports_a_scenario_that_run_replays(studio, cli_run, tmp_path):
    scenario = save(studio, "tidak layak", NOT_FEASIBLE)
    folder = tmp_path / "scenarios"

    listed = cli_run("scenarios", "list", "p1_usulan")
    exported = cli_run("scenarios", "export", str(scenario.id), "--folder", str(folder))
    replayed = cli_run("scenarios", "run", str(folder))

    assert listed.output.startswith(f"{scenario.id}\tp1_usulan\ttidak layak\t3 step(s)")
    path = folder / "p1_usulan" / "tidak_layak.json"
    assert exported.output == f"Wrote {path}.\n"
    assert json.loads(path.read_text()) == studio.scenarios.export(scenario.id)
    assert replayed.exit_code == 0
    assert replayed.output.splitlines() == [
        "ok\tp1_usulan/tidak layak",
        "1 of 1 scenario(s) took their path.",
    ]


def test_cli_run_fails_on_a_changed_path(studio, cli_run, tmp_path):
    scenario = save(studio, "tidak_layak", NOT_FEASIBLE)
    exported = studio.scenarios.export(scenario.id)
    exported["expected"][2]["nodes"].append("perbaiki_usulan")
    path = tmp_path / "tidak_layak.json"
    path.write_text(json.dumps(exported))

    result = cli_run("scenarios", "run", str(path))

    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "changed at step 2\tp1_usulan/tidak_layak"
