"""The supervisor console: overview, findings, open tasks, heatmap, repairs.

The app runs on a movable clock. The test process is deployed a second
time with a due date on Verifikasi Kelengkapan, so that moving the clock
makes that task overdue the way the engine's due dates do.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from webtools import PASSWORD
from webtools import USERS
from webtools import open_task
from webtools import start_agreement

from engine import Actor
from engine import MovableClock
from engine import register
from engine import steps
from engine.config import build_engine
from engine.config import load_config
from web import create_app
from web import supervisor
from web.users import create_user

DEFS = Path(__file__).parent / "defs"
FORM_KEY = '<spiffworkflow:property name="formKey" value="verifikasi_uji"/>'
DUE_IN = (
    '<spiffworkflow:property name="dueIn" value="P3D"/>'
    '<spiffworkflow:property name="dueCalendar" value="calendar"/>'
)
PEM = Actor("pem", {"Bagian Pemerintahan"})


@pytest.fixture
def clock():
    return MovableClock(datetime(2025, 6, 12, 1, 0, tzinfo=UTC))


@pytest.fixture
def app(database_url, tmp_path, clock):
    """The web test app on an engine whose clock the test moves."""
    settings = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "FORMS_PATH": str(DEFS.parent / "forms"),
        "SECRET_KEY": "test",
        "SECURE_COOKIES": 0,
        "PROPOSAL_PROCESS": "usulan_uji",
        "PROPOSAL_FORM": "usulan_uji",
    }
    engine = build_engine({**load_config(), **settings}, clock=clock)
    app = create_app({**settings, "ENGINE": engine})
    engine.deploy([DEFS])
    for name, (roles, partner) in {
        **USERS,
        "pem2": (["Bagian Pemerintahan"], None),
    }.items():
        create_user(engine.db, name, PASSWORD, roles, now=clock.now(), partner=partner)
    yield app
    engine.close()


@pytest.fixture
def engine(app):
    return app.config["ENGINE"]


def deploy_dated_process(engine, folder: Path) -> None:
    """Deploy the test process again, with Verifikasi due in three days."""
    folder.mkdir()
    source = (DEFS / "proposal.bpmn").read_text()
    (folder / "proposal.bpmn").write_text(source.replace(FORM_KEY, FORM_KEY + DUE_IN))
    engine.deploy([folder])


@pytest.fixture
def scene(engine, clock, tmp_path):
    """One agreement per class, five days after the first ones started.

    overdue   Verifikasi is three days past its due date
    at_risk   Verifikasi has no due date and nobody claimed it for five days
    waiting   one waits for the partner's message, one task opened just now
    """
    undated = start_agreement(engine, judul="Beasiswa nelayan")
    deploy_dated_process(engine, tmp_path / "dated")
    overdue = start_agreement(engine, judul="Irigasi tetes Wirosari")
    message = start_agreement(engine, judul="Pasar desa Toroh")
    engine.complete_task(open_task(engine, message).id, {"lengkap": "ya"}, actor=PEM)
    clock.advance(days=5)
    fresh = start_agreement(
        engine, judul="Perpustakaan keliling", jenis="KSDD", jenis_mitra="ptn"
    )
    # The console reads titles, OPDs and partners from the register.
    register.refresh(engine, processes=("usulan_uji",))
    return {
        "overdue": overdue,
        "at_risk": undated,
        "message": message,
        "fresh": fresh,
        "task": open_task(engine, overdue).id,
    }


def findings_of(client, **args) -> list[dict]:
    response = client.get("/supervisor/findings.json", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["findings"]


def repair(auth, items, action, reason="Pak Budi sedang cuti.", **fields):
    data = {"items": items, "action": action, "reason": reason, **fields}
    return auth.post("/supervisor/repair", {**data, "next": "/supervisor/findings"})


# -- overview and lists ----------------------------------------------------


def test_dashboard_counts_each_class(client, auth, scene, clock):
    auth.login_as("supervisor")

    data = client.get("/supervisor/index.json").get_json()
    page = client.get("/supervisor/").get_data(as_text=True)

    assert data["summary"]["categories"] == {
        "incident": 0,
        "overdue": 1,
        "at_risk": 1,
        "waiting": 2,
    }
    assert data["summary"]["total"] == 4
    assert {p["process_id"] for p in data["processes"]} == {"usulan_uji"}
    assert len(data["finished_per_month"]) == 12
    assert 'href="/supervisor/findings?category=overdue"' in page
    assert 'id="chart-finished"' in page and 'id="chart-stage-times"' in page
    assert data["figures_computed_at"] == clock.now().isoformat()
    assert 'id="figures-computed"' in page


def test_partner_kinds_go_by_the_labels_of_the_forms(client, auth, scene):
    auth.login_as("supervisor")

    data = client.get("/supervisor/index.json").get_json()
    dashboard = client.get("/supervisor/").get_data(as_text=True)
    findings = client.get("/supervisor/findings?partner_kind=ptn").get_data(
        as_text=True
    )

    assert data["summary"]["partner_kinds"]["ptn"]["waiting"] == 1
    assert "<td>Perguruan tinggi negeri</td>" in dashboard
    assert '<option value="ptn" selected>Perguruan tinggi negeri</option>' in findings
    assert ">Badan usaha</option>" in findings


def test_dashboard_links_counts_to_filtered_findings(client, auth, scene):
    auth.login_as("supervisor")

    data = client.get("/supervisor/index.json").get_json()
    page = client.get("/supervisor/").get_data(as_text=True)

    # The test process belongs to no stage, and its agreements name no OPD.
    assert data["summary"]["stages"][""]["waiting"] == 2
    assert data["summary"]["opd"][""]["overdue"] == 1
    assert "/supervisor/findings?category=overdue&amp;stage=" in page
    assert "/supervisor/findings?category=waiting&amp;opd=" in page


def test_findings_show_the_blocking_element_and_the_reason(client, auth, scene):
    auth.login_as("supervisor")

    [overdue] = findings_of(client, category="overdue")
    english = findings_of(client, category="overdue", lang="en")[0]

    assert overdue["instance_id"] == scene["overdue"]
    assert overdue["element"] == "verifikasi"
    assert overdue["element_name"] == "Verifikasi Kelengkapan"
    assert overdue["reason"] == "task-overdue"
    assert overdue["details"]["task_id"] == scene["task"]
    assert overdue["description"] and english["description"]
    assert overdue["description"] != english["description"]


def test_findings_page_lists_rows_with_repair_links(client, auth, scene):
    auth.login_as("supervisor")

    page = client.get("/supervisor/findings?category=overdue").get_data(as_text=True)

    assert "Irigasi tetes Wirosari" in page
    assert "Pasar desa Toroh" not in page
    assert f'value="{scene["overdue"]}:{scene["task"]}"' in page
    assert "Verifikasi Kelengkapan" in page


@pytest.mark.parametrize(
    ("args", "titles"),
    [
        ({"category": "waiting"}, {"Pasar desa Toroh", "Perpustakaan keliling"}),
        ({"category": "at_risk"}, {"Beasiswa nelayan"}),
        ({"q": "irigasi"}, {"Irigasi tetes Wirosari"}),
        ({"process": "usulan_uji", "q": "pasar"}, {"Pasar desa Toroh"}),
        ({"lane": "Mitra"}, set()),
        ({"partner_kind": "ptn"}, {"Perpustakaan keliling"}),
    ],
    ids=["category", "at-risk", "search", "process", "lane", "partner-kind"],
)
def test_findings_filters(client, auth, scene, args, titles):
    auth.login_as("supervisor")

    found = findings_of(client, **args)

    assert {f["title"] for f in found} == titles


@pytest.mark.parametrize(
    ("args", "field"),
    [({"category": "lost"}, "category"), ({"page": "zero"}, "page")],
    ids=["category", "page"],
)
def test_findings_refuse_bad_filters(client, auth, scene, args, field):
    auth.login_as("supervisor")

    response = client.get("/supervisor/findings.json", query_string=args)

    assert response.status_code == 400
    assert field in response.get_json()["errors"]


def test_findings_are_paged(client, auth, scene, monkeypatch):
    monkeypatch.setattr(supervisor, "PAGE_SIZE", 3)
    auth.login_as("supervisor")

    first = client.get("/supervisor/findings.json").get_json()
    second = client.get("/supervisor/findings.json?page=2").get_json()
    page = client.get("/supervisor/findings").get_data(as_text=True)

    assert len(first["findings"]) == 3 and first["page"]["has_next"]
    assert len(second["findings"]) == 1 and not second["page"]["has_next"]
    assert 'rel="next" href="/supervisor/findings?' in page


def test_open_tasks_show_age_lane_and_due_date(client, auth, scene):
    auth.login_as("supervisor")

    rows = client.get("/supervisor/tasks.json").get_json()["tasks"]
    mitra = client.get("/supervisor/tasks.json?lane=Mitra").get_json()["tasks"]
    page = client.get("/supervisor/tasks").get_data(as_text=True)

    ages = {r["instance_id"]: r["age_seconds"] for r in rows}
    assert ages == {
        scene["at_risk"]: 5 * 86400,
        scene["overdue"]: 5 * 86400,
        scene["fresh"]: 0,
    }
    assert {r["lane"] for r in rows} == {"Bagian Pemerintahan"}
    late = next(r for r in rows if r["instance_id"] == scene["overdue"])
    assert late["overdue"] and late["due_at"].startswith("2025-06-15")
    assert mitra == []
    assert "Irigasi tetes Wirosari" in page


def test_process_page_draws_the_heatmap(client, auth, scene):
    auth.login_as("supervisor")

    data = client.get("/supervisor/processes/usulan_uji.json").get_json()
    page = client.get("/supervisor/processes/usulan_uji").get_data(as_text=True)
    xml = client.get(data["diagram_url"])

    assert data["heat"]["verifikasi"]["waiting"] == 3
    assert data["heat"]["tunggu_mitra"]["waiting"] == 1
    assert data["figures_computed_at"]
    assert 'id="figures-computed"' in page
    assert 'id="heatmap"' in page and "heatmap.js" in page
    assert xml.mimetype == "application/xml"
    assert b'id="usulan_uji"' in xml.data


def test_process_picker_goes_to_the_chosen_process(client, auth):
    auth.login_as("supervisor")

    chosen = client.get("/supervisor/processes?process_id=usulan_uji")
    unknown = client.get("/supervisor/processes?process_id=nope")

    assert chosen.headers["Location"] == "/supervisor/processes/usulan_uji"
    assert unknown.headers["Location"] == "/supervisor/"
    assert client.get("/supervisor/processes/nope").status_code == 404


def test_console_speaks_indonesian_and_english_on_request(client, auth, scene):
    auth.login_as("supervisor")

    indonesian = client.get("/supervisor/").get_data(as_text=True)
    english = client.get("/supervisor/?lang=en").get_data(as_text=True)

    assert "<h1>Pengawasan</h1>" in indonesian and "Terlambat" in indonesian
    assert "<h1>Supervision</h1>" in english and "Overdue" in english


# -- repairs ---------------------------------------------------------------


def test_repair_page_lists_the_selection(client, auth, scene):
    auth.login_as("supervisor")
    items = [f"{scene['overdue']}:{scene['task']}", str(scene["fresh"])]

    page = client.get("/supervisor/repair", query_string={"items": items})
    data = client.get("/supervisor/repair.json", query_string={"items": items})

    text = page.get_data(as_text=True)
    assert "Irigasi tetes Wirosari" in text and "Perpustakaan keliling" in text
    assert [i["value"] for i in data.get_json()["items"]] == items
    assert data.get_json()["items"][0]["task_title"] == "Verifikasi Kelengkapan"
    assert "pem2" in data.get_json()["users"]


def test_reassign_to_a_user(client, auth, engine, scene):
    auth.login_as("supervisor")
    item = f"{scene['overdue']}:{scene['task']}"

    response = repair(auth, item, "reassign", user="pem2")
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert response.status_code == 302
    assert engine.get_task(scene["task"]).assignee == "pem2"
    assert f"Kerja sama {scene['overdue']}: Alihkan tugas selesai." in page
    [entry] = engine.list_operations(scene["overdue"])
    assert (entry.actor, entry.reason) == ("supervisor", "Pak Budi sedang cuti.")


def test_reassign_to_a_role(client, auth, engine, scene):
    auth.login_as("supervisor")

    response = repair(auth, str(scene["overdue"]), "reassign", role="Bagian Hukum")

    assert response.status_code == 302
    assert engine.get_task(scene["task"]).lane == "Bagian Hukum"


def test_move_the_token(client, auth, engine, scene):
    auth.login_as("supervisor")
    form = client.get(f"/supervisor/repair.json?items={scene['overdue']}").get_json()

    response = repair(auth, str(scene["overdue"]), "move", to_element="tandatangani")

    assert "tandatangani" in {t["element"] for t in form["targets"]}
    assert response.status_code == 302
    assert open_task(engine, scene["overdue"]).spec_name == "tandatangani"


@pytest.mark.parametrize(
    ("actions", "status"),
    [
        (["suspend"], "suspended"),
        (["suspend", "resume"], "active"),
        (["cancel"], "cancelled"),
    ],
    ids=["suspend", "resume", "cancel"],
)
def test_instance_actions_change_the_status(auth, engine, scene, actions, status):
    auth.login_as("supervisor")

    for action in actions:
        assert repair(auth, str(scene["fresh"]), action).status_code == 302

    assert engine.get_instance(scene["fresh"]).status == status
    logged = engine.list_operations(scene["fresh"])
    assert len(logged) == len(actions)


def test_retry_closes_the_incident(client, auth, engine, scene):
    failure = {
        "element": "verifikasi",
        "message": "SIPD tidak menjawab.",
        "attempts": 3,
    }
    with engine.db.write() as connection:
        steps.write_incident(connection, scene["fresh"], failure, engine.clock.now())
    auth.login_as("supervisor")

    [incident] = findings_of(client, category="incident")
    response = repair(auth, str(scene["fresh"]), "retry", reason="SIPD pulih.")

    assert incident["instance_id"] == scene["fresh"]
    assert response.status_code == 302
    assert engine.get_instance(scene["fresh"]).error is None
    [entry] = engine.list_operations(scene["fresh"])
    assert (entry.action, entry.reason) == ("instance-retried", "SIPD pulih.")


def test_retry_of_a_healthy_instance_reports_the_refusal(client, auth, engine, scene):
    auth.login_as("supervisor")

    response = client.post(
        "/supervisor/repair.json",
        data={
            "items": str(scene["fresh"]),
            "action": "retry",
            "reason": "Coba lagi.",
        },
        headers={"X-CSRF-Token": auth.token()},
    )

    body = response.get_json()
    assert response.status_code == 200
    assert body["ok"] is False
    assert body["results"][0]["instance_id"] == scene["fresh"]
    assert body["results"][0]["error"]
    assert engine.list_operations(scene["fresh"]) == []


def test_selection_reports_each_item(client, auth, engine, scene):
    auth.login_as("supervisor")

    response = client.post(
        "/supervisor/repair.json",
        data={
            "items": [str(scene["fresh"]), str(scene["message"])],
            "action": "suspend",
            "reason": "Audit Inspektorat.",
        },
        headers={"X-CSRF-Token": auth.token(), "Accept": "application/json"},
    )

    body = response.get_json()
    assert body["ok"] is True and body["action"] == "suspend"
    assert [r["instance_id"] for r in body["results"]] == [
        scene["fresh"],
        scene["message"],
    ]
    assert engine.get_instance(scene["message"]).status == "suspended"


def test_selection_flashes_a_line_per_item(client, auth, scene):
    auth.login_as("supervisor")

    response = repair(auth, [str(scene["fresh"]), "999999"], "suspend")
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert f"Kerja sama {scene['fresh']}: Tangguhkan selesai." in page
    assert "Kerja sama 999999: tidak diubah." in page


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_repair_without_a_reason_changes_nothing(client, auth, engine, scene, reason):
    auth.login_as("supervisor")
    item = f"{scene['overdue']}:{scene['task']}"

    page = repair(auth, item, "reassign", reason=reason, user="pem2")
    json = client.post(
        "/supervisor/repair.json",
        data={"items": item, "action": "cancel", "reason": reason},
        headers={"X-CSRF-Token": auth.token()},
    )

    assert page.status_code == 400
    assert "Berikan alasan" in page.get_data(as_text=True)
    assert json.status_code == 400 and "reason" in json.get_json()["errors"]
    assert engine.get_task(scene["task"]).assignee is None
    assert engine.get_instance(scene["overdue"]).status == "active"
    assert engine.list_operations(scene["overdue"]) == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"action": "reassign"}, "user"),
        ({"action": "move"}, "to_element"),
        ({"action": "repaint"}, "action"),
    ],
    ids=["no-assignee", "no-target", "unknown-action"],
)
def test_repair_form_refuses_incomplete_input(
    client, auth, engine, scene, fields, error
):
    auth.login_as("supervisor")

    response = client.post(
        "/supervisor/repair.json",
        data={"items": str(scene["overdue"]), "reason": "Perlu.", **fields},
        headers={"X-CSRF-Token": auth.token()},
    )

    assert response.status_code == 400
    assert error in response.get_json()["errors"]
    assert engine.list_operations(scene["overdue"]) == []


@pytest.mark.parametrize("user", ["pem", "opd", "designer", "mitra_ut"])
def test_repair_is_refused_to_non_supervisors(auth, engine, scene, user):
    auth.login_as(user)

    response = repair(auth, str(scene["fresh"]), "cancel")

    assert response.status_code == 403
    assert engine.get_instance(scene["fresh"]).status == "active"
    assert engine.list_operations(scene["fresh"]) == []


def test_repair_needs_the_csrf_token(client, auth, engine, scene):
    auth.login_as("supervisor")

    response = client.post(
        "/supervisor/repair",
        data={"items": str(scene["fresh"]), "action": "cancel", "reason": "Ganda."},
    )

    assert response.status_code == 400
    assert engine.get_instance(scene["fresh"]).status == "active"


# -- the operation log on the agreement page --------------------------------


def test_agreement_page_shows_the_operation_log_to_staff(client, auth, scene):
    auth.login_as("supervisor")
    repair(auth, str(scene["fresh"]), "suspend", reason="Menunggu audit.")
    auth.logout()
    auth.login_as("pem")

    page = client.get(f"/agreements/{scene['fresh']}").get_data(as_text=True)
    data = client.get(f"/agreements/{scene['fresh']}.json").get_json()

    assert "Menunggu audit." in page and 'id="operations"' in page
    [entry] = data["operations"]
    assert entry["actor"] == "supervisor" and entry["reason"] == "Menunggu audit."
    assert entry["old"] != entry["new"]
    assert 'id="repair"' not in page


def test_partners_and_the_public_never_see_the_operation_log(client, auth, engine):
    instance_id = start_agreement(engine)
    auth.login_as("supervisor")
    repair(auth, str(instance_id), "suspend", reason="Catatan internal.")
    auth.logout()
    auth.login_as("mitra_ut")

    page = client.get(f"/agreements/{instance_id}").get_data(as_text=True)
    data = client.get(f"/agreements/{instance_id}.json").get_json()

    assert "Catatan internal." not in page
    assert "operations" not in data


def test_agreement_page_offers_the_repair_form_to_supervisors(client, auth, scene):
    auth.login_as("supervisor")

    page = client.get(f"/agreements/{scene['overdue']}").get_data(as_text=True)

    assert 'id="repair"' in page
    assert f'name="items" value="{scene["overdue"]}"' in page
    assert 'value="tandatangani"' in page


def test_nav_links_to_the_console_for_supervisors_only(client, auth):
    auth.login_as("admin")
    admin = client.get("/tasks/").get_data(as_text=True)
    auth.logout()
    auth.login_as("pem")
    pem = client.get("/tasks/").get_data(as_text=True)

    assert 'id="nav-supervisor"' in admin
    assert 'id="nav-supervisor"' not in pem
