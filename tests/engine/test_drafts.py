"""Process and form drafts: kept apart from deployed versions and forms/."""

import json

import pytest
from support import BPMN
from trial_support import DESIGNER
from trial_support import FORMS
from trial_support import OFFICER

from engine import Actor
from engine import InvalidInput
from engine import NotFound
from engine import PermissionDenied

ONE_TASK = BPMN.parent / "defs" / "one_task.bpmn"


def form(*components) -> dict:
    return {"type": "default", "id": "uji", "components": list(components)}


TEXT = {"type": "textfield", "key": "judul", "label": "Judul"}


def test_save_process_keeps_the_files_and_the_base_version(engine, clock):
    engine.deploy([ONE_TASK])
    files = {"one_task.bpmn": ONE_TASK.read_text().replace("Answer", "Reply")}

    draft = engine.drafts.save_process("one_task", files, actor=DESIGNER)

    assert (draft.kind, draft.key, draft.files) == ("process", "one_task", files)
    assert draft.base_version == 1
    assert (draft.created_by, draft.saved_by) == ("dina", "dina")
    assert draft.saved_at == clock.now()
    assert engine.drafts.get_process("one_task") == draft
    assert [v.version for v in engine.list_versions("one_task")] == [1]
    assert engine.version_sources("one_task", 1) == {
        "one_task.bpmn": ONE_TASK.read_text()
    }


def test_save_process_again_replaces_the_draft_and_keeps_its_start(engine, clock):
    first = {"one_task.bpmn": "<bpmn:definitions/>"}
    engine.drafts.save_process("new_process", first, actor=DESIGNER)
    clock.advance(hours=1)
    other = Actor("eko", {"admin"})

    second = engine.drafts.save_process(
        "new_process", {"new_process.bpmn": "<x/>"}, actor=other
    )

    assert second.files == {"new_process.bpmn": "<x/>"}
    assert second.base_version is None
    assert (second.created_by, second.saved_by) == ("dina", "eko")
    assert second.saved_at > second.created_at
    assert [d.key for d in engine.drafts.list_processes()] == ["new_process"]


def test_discard_process_drops_only_the_draft(engine):
    engine.deploy([ONE_TASK])
    engine.drafts.save_process("one_task", {"a.bpmn": "<x/>"}, actor=DESIGNER)

    engine.drafts.discard_process("one_task", DESIGNER)

    assert engine.drafts.get_process("one_task") is None
    assert [p.process_id for p in engine.list_processes()] == ["one_task"]
    with pytest.raises(NotFound, match="no draft of the process 'one_task'"):
        engine.drafts.discard_process("one_task", DESIGNER)


@pytest.mark.parametrize(
    ("process_id", "files", "message"),
    [
        ("1st", {"a.bpmn": "<x/>"}, "'1st' is not a process id"),
        ("usulan", {}, "at least one"),
        ("usulan", {"../a.bpmn": "<x/>"}, "'../a.bpmn' is not a file name"),
        ("usulan", {"a.txt": "<x/>"}, "'a.txt' is not a file name"),
        ("usulan", {"a.bpmn": b"<x/>"}, "The content of 'a.bpmn' must be text."),
    ],
    ids=["id", "no-files", "path", "suffix", "bytes"],
)
def test_save_process_rejects_bad_input(engine, process_id, files, message):
    with pytest.raises(InvalidInput, match=message):
        engine.drafts.save_process(process_id, files, actor=DESIGNER)

    assert engine.drafts.list_processes() == []


def test_drafts_need_a_designer(engine):
    with pytest.raises(PermissionDenied, match="designer or an admin"):
        engine.drafts.save_process("usulan", {"a.bpmn": "<x/>"}, actor=OFFICER)
    with pytest.raises(PermissionDenied):
        engine.drafts.save_form("uji", form(TEXT), actor=OFFICER)


def test_save_form_keeps_a_valid_definition(engine):
    definition = json.loads((FORMS / "paraf_hukum.form").read_text())

    draft = engine.drafts.save_form("paraf_hukum", definition, actor=DESIGNER)

    assert (draft.kind, draft.key, draft.schema) == ("form", "paraf_hukum", definition)
    assert engine.drafts.get_form("paraf_hukum") == draft
    assert engine.drafts.form_schemas() == {"paraf_hukum": definition}


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"components": "none"}, "needs a list of components"),
        (
            form({"type": "textfield", "label": "Judul"}),
            "'Judul' \\(textfield\\) has no key",
        ),
        (form(TEXT, TEXT), "Two components fill 'judul'"),
        (form({"type": "select", "key": "jenis", "label": "Jenis"}), "no values"),
        (form({"type": "map", "key": "lokasi", "label": "Lokasi"}), "type 'map'"),
        (
            form({**TEXT, "validate": {"pattern": "("}}),
            "Component 'Judul': missing \\)",
        ),
    ],
    ids=["not-a-form", "no-key", "twice", "no-values", "unknown-type", "pattern"],
)
def test_save_form_rejects_what_cannot_check_answers(engine, definition, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        engine.drafts.save_form("uji", definition, actor=DESIGNER)

    assert caught.value.errors["schema"]
    assert engine.drafts.get_form("uji") is None


def test_save_form_rejects_a_key_that_is_not_a_file_name(engine):
    with pytest.raises(InvalidInput, match="'../uji' is not a form key"):
        engine.drafts.save_form("../uji", form(TEXT), actor=DESIGNER)


def test_publish_form_writes_the_file_and_drops_the_draft(engine, tmp_path):
    engine.drafts.save_form("uji", form(TEXT), actor=DESIGNER)

    path = engine.drafts.publish_form("uji", tmp_path, actor=DESIGNER)

    assert path == tmp_path / "uji.form"
    assert json.loads(path.read_text()) == form(TEXT)
    assert path.read_text().endswith("}\n")
    assert engine.drafts.list_forms() == []
    with pytest.raises(NotFound, match="no draft of the form 'uji'"):
        engine.drafts.publish_form("uji", tmp_path, actor=DESIGNER)


def test_discard_form(engine):
    engine.drafts.save_form("uji", form(TEXT), actor=DESIGNER)

    engine.drafts.discard_form("uji", DESIGNER)

    assert engine.drafts.list_forms() == []
