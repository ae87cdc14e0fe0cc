"""The supervisor console: one category per instance, with element and reason."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from console_support import CLERK
from console_support import CONSOLE
from console_support import KABAG
from console_support import OPD
from console_support import Services
from console_support import add_agreement
from console_support import open_task
from console_support import walk_to
from support import assert_waits_current
from support import waits_from_rows

from engine import InvalidInput
from engine import ScriptError
from engine import register
from engine.config import build_engine
from engine.config import load_config
from engine.scheduler import Scheduler
from engine.stages import StageMap
from engine.store.database import alembic_config
from engine.supervision import SupervisionPolicy
from engine.supervision import describe

PROCESSES = Path(__file__).parents[2] / "processes"
BPMN = Path(__file__).parent / "bpmn"
#: The moment the console is looked at: Sunday 22 June 2025, 08:00 WIB.
NOW = datetime(2025, 6, 22, 1, 0, tzinfo=UTC)
STAGES = StageMap.from_dict(
    {
        "stages": [
            {"code": "usulan", "id": "Usulan", "en": "Proposal"},
            {"code": "telaah", "id": "Telaah hukum", "en": "Legal review"},
            {"code": "negosiasi", "id": "Negosiasi", "en": "Negotiation"},
        ],
        "processes": {
            "console": {
                "stage": "negosiasi",
                "elements": {"draft": "usulan", "check": "usulan", "review": "telaah"},
            }
        },
    }
)


@pytest.fixture
def scripts():
    return Services()


@pytest.fixture
def console(make_engine, scripts, clock):
    engine = make_engine(
        functions=scripts.functions(),
        supervision=SupervisionPolicy(stages=STAGES),
    )
    engine.deploy([CONSOLE])

    def start(at: datetime, key: str) -> int:
        clock.set(at)
        return engine.start("console", actor=OPD, business_key=key)

    engine.start_at = start
    return engine


@pytest.fixture
def every_kind(console, scripts, clock):
    """One instance in each situation the console tells apart."""
    ids = {
        "in_sla": console.start_at(NOW - timedelta(hours=1), "IN-SLA"),
        "due_soon": console.start_at(NOW - timedelta(days=4), "DUE-SOON"),
        "overdue": console.start_at(NOW - timedelta(days=6), "OVERDUE"),
        "incident": console.start_at(NOW - timedelta(days=6), "INCIDENT"),
        "message": console.start_at(NOW - timedelta(days=3), "MESSAGE"),
        "suspended": console.start_at(NOW - timedelta(days=6), "SUSPENDED"),
    }
    walk_to(console, ids["message"], "reply")
    ids["timer"] = console.start_at(NOW - timedelta(days=1), "TIMER")
    walk_to(console, ids["timer"], "cool")
    scripts.failing.add("check_fee")
    with pytest.raises(ScriptError):
        draft = open_task(console, ids["incident"], "draft")
        console.complete_task(draft.id, {}, actor=CLERK)
    scripts.failing.clear()
    console.suspend_instance(ids["suspended"], reason="Court case.", actor=KABAG)
    finished = console.start_at(NOW - timedelta(days=6), "DONE")
    console.cancel_instance(finished, "Withdrawn.", actor=KABAG)
    clock.set(NOW)
    return ids


def by_key(findings):
    return {f.business_key: f for f in findings}


def test_each_instance_has_one_category_element_and_reason(console, every_kind):
    found = by_key(console.supervision.findings())

    assert {k: (f.category, f.element, f.reason) for k, f in found.items()} == {
        "INCIDENT": ("incident", "check", "incident"),
        "OVERDUE": ("overdue", "draft", "task-overdue"),
        "DUE-SOON": ("at_risk", "draft", "due-soon"),
        "IN-SLA": ("waiting", "draft", "task-in-sla"),
        "MESSAGE": ("waiting", "reply", "message"),
        "TIMER": ("waiting", "cool", "timer"),
        "SUSPENDED": ("suspended", "draft", "suspended"),
    }


def test_findings_carry_the_facts_behind_the_reason(console, every_kind):
    found = by_key(console.supervision.findings())

    assert found["INCIDENT"].details["message"].endswith("the fee service is down")
    overdue = found["OVERDUE"]
    assert overdue.details["late_seconds"] == 86400
    assert (overdue.details["lane"], overdue.details["assignee"]) == ("opd", None)
    assert overdue.since == NOW - timedelta(days=1)
    assert found["DUE-SOON"].details["seconds_left"] == 86400
    assert found["MESSAGE"].details == {"message": "partner_reply"}
    assert found["TIMER"].details["timer_due_at"] == "2025-06-23T01:00:00+00:00"
    assert found["IN-SLA"].element_name == "Draft the proposal"


def test_instances_carry_what_they_wait_for(console, every_kind):
    assert_waits_current(console)


def test_claims_keep_the_oldest_unclaimed_task_current(console, clock):
    instance_id = console.start_at(NOW - timedelta(days=4), "CLAIMS")
    task = open_task(console, instance_id)

    console.claim_task(task.id, actor=OPD)
    assert_waits_current(console)
    assert waits_from_rows(console)[instance_id][1] is None
    console.unclaim_task(task.id, actor=OPD)
    assert_waits_current(console)
    console.assign_task(task.id, CLERK, actor=KABAG)
    assert_waits_current(console)
    console.complete_task(task.id, {}, actor=CLERK)
    assert_waits_current(console)


def test_register_row_gives_the_instance_its_opd_and_partner_kind(console, clock):
    data = {"judul": "Pelatihan", "opd_pemrakarsa": "Dinkes", "jenis_mitra": "ptn"}
    clock.set(NOW)
    instance_id = console.start("console", actor=OPD, business_key="REG", data=data)

    register.sync(console, instance_id)

    assert_waits_current(console)
    (found,) = console.supervision.findings(opd="Dinkes")
    assert (found.instance_id, found.partner_kind, found.title) == (
        instance_id,
        "ptn",
        "Pelatihan",
    )
    assert console.supervision.summary()["partner_kinds"]["ptn"]["waiting"] == 1


def test_upgrade_fills_what_running_instances_wait_for(console, every_kind):
    config = alembic_config()
    with console.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
        command.upgrade(config, "head")

    assert_waits_current(console)


def test_most_urgent_come_first(console, every_kind):
    categories = [f.category for f in console.supervision.findings()]

    assert categories == [
        "incident",
        "overdue",
        "at_risk",
        "waiting",
        "waiting",
        "waiting",
        "suspended",
    ]


def test_summary_counts_each_running_instance_once(console, every_kind):
    summary = console.supervision.summary()

    assert summary["categories"] == {
        "incident": 1,
        "overdue": 1,
        "at_risk": 1,
        "waiting": 3,
    }
    assert summary["suspended"] == 1
    assert summary["total"] == 7
    assert summary["stages"]["usulan"] == {
        "incident": 1,
        "overdue": 1,
        "at_risk": 1,
        "waiting": 1,
        "suspended": 1,
    }
    assert summary["stages"]["negosiasi"]["waiting"] == 2
    assert summary["stages"]["telaah"]["waiting"] == 0


def test_an_incident_outranks_an_overdue_task(console, every_kind):
    (incident,) = console.supervision.findings(category="incident")

    assert incident.business_key == "INCIDENT"
    assert open_task(console, incident.instance_id).due_at < NOW


def test_unclaimed_task_is_at_risk(make_engine, scripts, clock):
    engine = make_engine(
        functions=scripts.functions(),
        supervision=SupervisionPolicy(
            at_risk_margin=timedelta(hours=1), unclaimed_days=3, stages=STAGES
        ),
    )
    engine.deploy([CONSOLE])
    clock.set(NOW - timedelta(days=4))
    waiting = engine.start("console", actor=OPD, business_key="UNCLAIMED")
    claimed = engine.start("console", actor=OPD, business_key="CLAIMED")
    engine.claim_task(open_task(engine, claimed).id, actor=OPD)
    clock.set(NOW)

    found = by_key(engine.supervision.findings())

    assert (found["UNCLAIMED"].category, found["UNCLAIMED"].reason) == (
        "at_risk",
        "unclaimed",
    )
    assert found["UNCLAIMED"].since == NOW - timedelta(days=1)
    assert found["UNCLAIMED"].instance_id == waiting
    assert (found["CLAIMED"].category, found["CLAIMED"].reason) == (
        "waiting",
        "task-in-sla",
    )


def test_spent_timer_is_an_incident_with_its_attempts(console, scripts, clock):
    instance_id = console.start_at(NOW - timedelta(days=3), "SPENT")
    walk_to(console, instance_id, "cool")
    scripts.failing.add("settle_terms")
    scheduler = Scheduler(console, owner="test")
    clock.set(NOW)
    for _ in range(5):
        scheduler.run_due()
        clock.advance(hours=1)

    (finding,) = console.supervision.findings()

    assert (finding.category, finding.element, finding.reason) == (
        "incident",
        "cool",
        "incident",
    )
    assert finding.details["attempts"] == 5
    assert "the settlement service is down" in finding.details["message"]


@pytest.mark.parametrize(
    ("filters", "keys"),
    [
        ({"category": "waiting"}, {"IN-SLA", "MESSAGE", "TIMER"}),
        ({"stage": "negosiasi"}, {"MESSAGE", "TIMER"}),
        ({"stage": "usulan", "category": "at_risk"}, {"DUE-SOON"}),
        ({"lane": "opd", "category": "overdue"}, {"OVERDUE"}),
        ({"lane": "hukum"}, set()),
        ({"q": "due-s"}, {"DUE-SOON"}),
        ({"process_id": "other"}, set()),
    ],
    ids=["category", "stage", "stage-and-category", "lane", "no-lane", "q", "process"],
)
def test_findings_filter(console, every_kind, filters, keys):
    found = console.supervision.findings(**filters)

    assert {f.business_key for f in found} == keys
    assert console.supervision.count(**filters) == len(keys)


def test_register_fields_filter_and_group(console, every_kind):
    add_agreement(
        console,
        every_kind["overdue"],
        judul="Beasiswa daerah",
        opd_pemrakarsa="Dinas Pendidikan",
        mitra="Universitas Semarang",
        jenis_mitra="perguruan_tinggi",
    )

    (found,) = console.supervision.findings(opd="Dinas Pendidikan")
    summary = console.supervision.summary()

    assert (found.title, found.partner, found.partner_kind) == (
        "Beasiswa daerah",
        "Universitas Semarang",
        "perguruan_tinggi",
    )
    assert summary["opd"]["Dinas Pendidikan"]["overdue"] == 1
    assert summary["partner_kinds"]["perguruan_tinggi"]["overdue"] == 1
    assert summary["partner_kinds"][""]["waiting"] == 3
    assert [f.business_key for f in console.supervision.findings(q="beasiswa")] == [
        "OVERDUE"
    ]


@pytest.mark.parametrize(
    ("filters", "field"),
    [({"category": "late"}, "category"), ({"stage": "nowhere"}, "stage")],
    ids=["category", "stage"],
)
def test_unknown_category_or_stage_is_refused(console, filters, field):
    with pytest.raises(InvalidInput) as refused:
        console.supervision.findings(**filters)

    assert field in refused.value.errors


def test_findings_page(console, every_kind):
    first = console.supervision.findings(limit=3)
    rest = console.supervision.findings(limit=3, offset=3)

    assert len(first) == 3
    assert {f.instance_id for f in first}.isdisjoint(f.instance_id for f in rest)


@pytest.mark.parametrize(
    ("key", "lang", "sentence"),
    [
        (
            "OVERDUE",
            "id",
            "Tugas Draft the proposal untuk peran opd terlambat 1 hari "
            "(tenggat 2025-06-21 08:00).",
        ),
        (
            "OVERDUE",
            "en",
            "Task Draft the proposal for the opd role is 1 day overdue "
            "(due 2025-06-21 08:00).",
        ),
        (
            "DUE-SOON",
            "id",
            "Tugas Draft the proposal untuk peran opd jatuh tempo dalam 1 hari "
            "(2025-06-23 08:00).",
        ),
        (
            "TIMER",
            "en",
            "Waiting for timer Cooling-off period, due 2025-06-23 08:00.",
        ),
        ("MESSAGE", "id", "Menunggu pesan partner_reply (Partner replies)."),
        (
            "INCIDENT",
            "en",
            "Step Check the fee failed: RuntimeError:the fee service is down.",
        ),
    ],
    ids=[
        "overdue-id",
        "overdue-en",
        "due-soon-id",
        "timer-en",
        "message-id",
        "incident",
    ],
)
def test_describe_says_why_in_either_language(console, every_kind, key, lang, sentence):
    finding = by_key(console.supervision.findings())[key]

    assert describe(finding, lang) == sentence


def test_describe_refuses_an_unknown_language(console, every_kind):
    finding = console.supervision.findings(limit=1)[0]

    with pytest.raises(ValueError, match="'fr'"):
        describe(finding, "fr")


def test_open_tasks_oldest_first_with_their_age(console, every_kind):
    tasks = console.supervision.open_tasks(lane="opd")

    assert tasks[0].age_seconds == 6 * 86400
    assert [t.created_at for t in tasks] == sorted(t.created_at for t in tasks)
    assert {t.business_key for t in console.supervision.open_tasks(lane="hukum")} == (
        set()
    )


def test_finished_per_month_and_time_per_stage(console, clock):
    instance_id = console.start_at(datetime(2025, 5, 1, 1, 0, tzinfo=UTC), "FULL")
    clock.advance(days=2)
    console.complete_task(open_task(console, instance_id).id, {}, actor=CLERK)
    clock.advance(days=1)
    console.complete_task(open_task(console, instance_id).id, {}, actor=CLERK)
    console.send_message("partner_reply", actor=CLERK, instance_id=instance_id)
    clock.advance(days=3)
    console.fire_due_timers()
    clock.set(datetime(2025, 6, 3, 1, 0, tzinfo=UTC))
    console.complete_task(open_task(console, instance_id).id, {}, actor=CLERK)

    months = console.supervision.finished_per_month(3, now=NOW)
    times = console.supervision.stage_times()

    assert months == [("2025-04", 0), ("2025-05", 0), ("2025-06", 1)]
    assert times["usulan"] == {"median_days": 2.0, "p90_days": 2.0, "count": 1}
    assert times["telaah"] == {"median_days": 1.0, "p90_days": 1.0, "count": 1}
    assert times["negosiasi"]["count"] == 1


def test_time_per_stage_is_the_nearest_rank_over_finished_visits(console, clock):
    start = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
    for days in (4, 1, 5, 2, 3):
        instance_id = console.start_at(start, f"DRAFT-{days}")
        clock.advance(days=days)
        console.complete_task(open_task(console, instance_id).id, {}, actor=CLERK)
    console.start_at(start, "STILL-DRAFTING")

    times = console.supervision.stage_times()

    # Ranks ceil(0.5 * 5) = 3 and ceil(0.9 * 5) = 5 of 1..5 days; the open
    # draft is no finished visit, and no review has finished yet.
    assert times["usulan"] == {"median_days": 3.0, "p90_days": 5.0, "count": 5}
    assert times["telaah"] == {"median_days": None, "p90_days": None, "count": 0}


def test_figures_drawn_from_history_are_kept_until_stale(console, clock):
    first = console.start_at(datetime(2025, 5, 1, 1, 0, tzinfo=UTC), "FIRST")
    clock.advance(days=2)
    console.complete_task(open_task(console, first).id, {}, actor=CLERK)
    kept = console.supervision.history()
    second = console.start_at(clock.now(), "SECOND")
    clock.advance(minutes=5)
    console.complete_task(open_task(console, second).id, {}, actor=CLERK)

    again = console.supervision.history()
    clock.advance(minutes=16)
    stale = console.supervision.history()

    assert kept.data["stage_times"]["usulan"]["count"] == 1
    assert again == kept
    assert stale.computed_at == clock.now()
    assert stale.data["stage_times"]["usulan"]["count"] == 2
    # The lower of the two drafts (2 days, 5 minutes): rank ceil(0.5 * 2) = 1.
    assert stale.data["element_times"]["console"]["draft"] == 300
    clock.advance(minutes=1)
    assert console.supervision.refresh_figures().computed_at == clock.now()


def test_stale_figures_are_served_while_another_caller_computes(console, clock):
    kept = console.supervision.history()
    clock.advance(hours=1)
    console.supervision._computing.acquire()
    try:
        meanwhile = console.supervision.history()
    finally:
        console.supervision._computing.release()

    assert meanwhile == kept
    assert console.supervision.history().computed_at == clock.now()


def test_heat_counts_an_instance_once_at_the_call_activity(make_engine, clock, officer):
    engine = make_engine()
    engine.deploy([BPMN / "checklist.bpmn"])
    engine.deploy([BPMN / "subprocesses.bpmn"])
    ticked = engine.start("subprocess_call_shared", actor=officer)
    engine.start("subprocess_call_shared", actor=officer)
    clock.advance(hours=1)
    (task,) = engine.list_tasks(instance_id=ticked)
    engine.complete_task(task.id, {"ticked": 3}, actor=officer)

    calling = engine.supervision.heat("subprocess_call_shared")
    called = engine.supervision.heat("shared_checklist")

    assert calling == {
        "call_checklist": {
            "name": "Run the shared checklist",
            "waiting": 2,
            "median_seconds": None,
        }
    }
    assert {k: (v["waiting"], v["median_seconds"]) for k, v in called.items()} == {
        "countersign": (1, None),
        "tick_items": (1, 3600),
    }
    assert called["tick_items"]["name"] == "Tick the checklist items"


def test_heat_counts_instances_waiting_at_each_element(console, every_kind):
    heat = console.supervision.heat("console")

    assert heat["draft"]["waiting"] == 5
    assert heat["reply"] == {
        "name": "Partner replies",
        "waiting": 1,
        "median_seconds": None,
    }
    assert heat["cool"]["waiting"] == 1
    assert heat["review"] == {"name": "Legal review", "waiting": 0, "median_seconds": 0}
    assert console.supervision.heat("not_deployed") == {}


def test_stages_file_places_every_process_of_the_lifecycle():
    stages = StageMap.load(PROCESSES / "stages.json")
    deployed = {p.stem for p in PROCESSES.glob("*.bpmn")}
    ids = {
        "kerjasama",
        "p1_usulan",
        "p2_naskah",
        "p3_dprd",
        "p4_penandatanganan",
        "p5_pelaksanaan",
        "p5_monev_berkala",
    }

    assert stages.codes == ["usulan", "telaah", "negosiasi", "penandatanganan", "monev"]
    assert set(stages.processes) == ids
    assert len(deployed) == len(ids)
    assert stages.stage_of("p2_naskah", "telaah_hukum") == "telaah"
    assert stages.stage_of("p2_naskah", "pembahasan_bersama") == "negosiasi"


def test_stages_file_naming_an_undeclared_stage_is_refused(tmp_path):
    path = tmp_path / "stages.json"
    path.write_text(
        '{"stages": [{"code": "usulan"}], "processes": {"p": {"stage": "x"}}}'
    )

    with pytest.raises(ValueError, match="names stage 'x'"):
        StageMap.load(path)


@pytest.fixture
def lifecycle(database_url):
    """An engine with the real processes, built as the CLI builds it."""
    engine = build_engine(load_config({"EKERJASAMA_DATABASE_URL": database_url}))
    engine.init_db()
    engine.deploy([PROCESSES])
    yield engine
    engine.close()


def test_elements_of_called_processes_take_their_process_stage(lifecycle):
    supervision = lifecycle.supervision

    assert supervision.stage("kerjasama", "telaah_hukum") == "telaah"
    assert supervision.stage("kerjasama", "pembahasan_bersama") == "negosiasi"
    assert supervision.stage("kerjasama", "paraf_sekda") == "penandatanganan"
    assert supervision.stage("kerjasama", "isi_monev_opd") == "monev"
    assert supervision.stage("kerjasama", "verifikasi_kelengkapan") == "usulan"
    index = supervision.element_index("kerjasama")
    assert index.shown_in("isi_monev_opd", "kerjasama", "kerjasama") == "pelaksanaan"
    assert index.shown_in("isi_monev_opd", "p5_pelaksanaan", "kerjasama") == (
        "monev_berkala"
    )
