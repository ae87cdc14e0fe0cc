"""Deploying, linting and versioning definition files."""

from pathlib import Path

import pytest

from engine import DefinitionError
from engine import ProcessNotFound

HERE = Path(__file__).parent
BAD = HERE / "bad"
FEE = HERE / "defs" / "fee.bpmn"


@pytest.mark.parametrize(
    ("file", "element", "message"),
    [
        ("syntax_error.bpmn", "", "The XML does not parse"),
        ("no_start.bpmn", "no_start", "has no start event"),
        ("bad_script.bpmn", "compute_fee", "script does not compile"),
        ("import_script.bpmn", "sneaky", "import statements are not allowed"),
        ("mi_no_cardinality.bpmn", "review_each", "neither a loop cardinality"),
        ("bad_condition.bpmn", "f_yes", "condition does not compile"),
        ("unknown_operator.bpmn", "notify_governor", "Unknown service operator"),
    ],
    ids=["xml", "start", "script", "import", "multi-instance", "condition", "operator"],
)
def test_deploy_rejects_broken_file_naming_file_and_element(
    engine, file, element, message
):
    with pytest.raises(DefinitionError, match=message) as caught:
        engine.deploy([BAD / file])

    problem = next(p for p in caught.value.problems if message in p.message)
    assert problem.file == file
    assert problem.element == element
    assert problem.line is not None
    assert engine.list_processes() == []


def test_lint_reports_the_same_problems_without_storing(engine):
    problems = engine.lint([BAD])

    files = {p.file for p in problems}
    assert files == {p.name for p in BAD.glob("*.bpmn")}
    assert engine.list_processes() == []


def test_deploy_of_a_folder_with_one_broken_file_stores_nothing(engine, tmp_path):
    (tmp_path / "fee.bpmn").write_text(FEE.read_text())
    (tmp_path / "broken.bpmn").write_text((BAD / "no_start.bpmn").read_text())

    with pytest.raises(DefinitionError):
        engine.deploy([tmp_path])

    assert engine.list_processes() == []


def test_deploy_missing_path_names_it(engine, tmp_path):
    with pytest.raises(DefinitionError, match="No such file or folder"):
        engine.deploy([tmp_path / "nothing.bpmn"])


def test_deploy_unchanged_content_is_a_no_op(engine):
    first = engine.deploy([FEE])
    second = engine.deploy([FEE])

    assert [(d.process_id, d.version, d.created) for d in first] == [("fee", 1, True)]
    assert [(d.process_id, d.version, d.created) for d in second] == [("fee", 1, False)]


def test_deploy_changed_content_makes_a_new_version(engine, officer, tmp_path):
    engine.deploy([FEE])
    old = engine.start("fee", actor=officer)
    changed = tmp_path / "fee.bpmn"
    changed.write_text(FEE.read_text().replace("fee = value / divisor", "fee = value"))

    (result,) = engine.deploy([changed])
    new = engine.start("fee", actor=officer)

    assert (result.version, result.created) == (2, True)
    assert engine.get_instance(old).version == 1
    assert engine.get_instance(new).version == 2
    history = engine.versions.history("fee")
    assert [v.version for v in history] == [1, 2]
    assert history[0].content_hash != history[1].content_hash
    assert history[1].deployed_by == "system"


def test_running_instance_keeps_its_version_after_redeploy(
    make_engine, officer, tmp_path
):
    engine = make_engine()
    engine.deploy([FEE])
    instance_id = engine.start("fee", actor=officer)
    changed = tmp_path / "fee.bpmn"
    changed.write_text(
        FEE.read_text().replace("fee = value / divisor", "fee = value * 100")
    )
    engine.deploy([changed])

    restarted = make_engine()
    task = restarted.list_tasks(instance_id=instance_id)[0]
    restarted.complete_task(task.id, {"value": 10, "divisor": 2}, actor=officer)

    assert restarted.instance_data(instance_id)["fee"] == 5


def test_version_keeps_lanes_and_source_files(engine):
    engine.deploy([FEE])

    (info,) = engine.list_processes()
    assert info.lanes == ["staff"]
    assert list(engine.versions.sources(info.version_id)) == ["fee.bpmn"]


def test_start_of_unknown_process_says_how_to_deploy(engine, officer):
    with pytest.raises(ProcessNotFound, match="ekerjasama deploy"):
        engine.start("nothing", actor=officer)


def test_instance_state_never_contains_the_spec(engine, officer):
    engine.deploy([FEE])
    instance_id = engine.start("fee", actor=officer)

    with engine.db.read() as connection:
        state = connection.exec_driver_sql(
            f"SELECT state FROM instances WHERE id = {instance_id}"
        ).scalar_one()
        bodies = (
            connection.exec_driver_sql(
                f"SELECT body FROM instance_tasks WHERE instance_id = {instance_id}"
            )
            .scalars()
            .all()
        )

    for text in [state, *bodies]:
        assert "fee = value / divisor" not in text
        assert "task_specs" not in text
