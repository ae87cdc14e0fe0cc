"""The ekerjasama command line."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import cli

HERE = Path(__file__).parent
FEE = HERE / "defs" / "fee.bpmn"


@pytest.fixture
def run(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("EKERJASAMA_DATABASE_URL", database_url)
    monkeypatch.setenv("EKERJASAMA_INSTANCE_PATH", str(tmp_path))
    # The test diagrams use their own lanes, not the roles of processes/.
    monkeypatch.setenv("EKERJASAMA_PROCESSES_PATH", str(tmp_path))
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_init_db_prints_one_line(run):
    result = run("init-db")

    assert result.exit_code == 0
    assert result.output.startswith("Database is up to date")


def test_deploy_prints_each_process_and_version(run):
    assert run("deploy", str(FEE)).output == "fee v1 (deployed)\n"
    assert run("deploy", str(FEE)).output == "fee v1 (unchanged)\n"


def test_deploy_broken_file_exits_1_with_the_problems(run):
    result = run("deploy", str(HERE / "bad" / "no_start.bpmn"))

    assert result.exit_code == 1
    assert "no_start.bpmn:" in result.stderr
    assert "has no start event" in result.stderr
    assert "Nothing was deployed" in result.stderr


def test_lint_passes_and_fails_like_deploy(run):
    assert run("lint", str(FEE)).exit_code == 0
    failed = run("lint", str(HERE / "bad"))
    assert failed.exit_code == 1
    assert "unknown_operator.bpmn" in failed.stderr


def test_start_tasks_complete_instances(run):
    run("deploy", str(FEE))
    assert run("start", "fee", "--business-key", "FEE-9").output == (
        "Started instance 1 of fee.\n"
    )

    (task,) = json.loads(run("tasks", "--instance", "1", "--json").output)
    denied = run("complete", task["id"], "--user", "ani", "--data", '{"value": 1}')
    done = run(
        "complete",
        task["id"],
        "--user",
        "ani",
        "--role",
        "staff",
        "--data",
        '{"value": 6, "divisor": 3}',
    )
    (instance,) = json.loads(run("instances", "--json").output)

    assert denied.exit_code == 1
    assert "Only the 'staff' lane" in denied.stderr
    assert done.output == f"Completed task {task['id']}.\n"
    assert (instance["business_key"], instance["status"]) == ("FEE-9", "active")


def test_complete_rejects_data_that_is_not_a_json_object(run):
    result = CliRunner().invoke(cli, ["complete", "x", "--user", "a", "--data", "[1]"])

    assert result.exit_code == 2
    assert "must be a JSON object" in result.output
