#!/usr/bin/env python3
"""The supervisor console and the officer inbox at 100,000 instances, on PostgreSQL.

1. seeds: the sixteen demo agreements (demo/agreements.json) are run by the
   engine, through every step, to their stages: proposals, legal review,
   negotiation, signing, monitoring. The one whose term has run out is then
   brought to its end, so that a sixteenth of the copies are finished
   agreements with their whole history. Of those waiting on a timer, one
   is suspended and two get an incident. All of that goes through the
   engine's own calls.
2. copies: the rows the console and the inbox read (instances, the task
   index, timers, subscriptions, escalation steps, the register) are copied
   in SQL until there are INSTANCES instances. Each copy keeps its seed's
   rows exactly, with new ids and business keys and every time moved back
   by up to 60 days, so the copies spread over the console's categories:
   the copies of the seed whose task has a due date fall overdue, at risk
   or in time by how far they moved.
   The serialised task trees (``instance_tasks``) and the audit trail are
   not copied: neither query reads them, and they would make the set-up
   take far longer.
3. measure: the dashboard (``Supervision.summary()``, ``finished_per_month()``
   and ``history()``, as the dashboard page reads them, and the first page
   of ``findings()``) and an officer's inbox (``Engine.list_tasks`` for the
   busiest lane, first page), each ``--repeat`` times. Beside them: the
   per-process heatmap of the lifecycle (``heat("kerjasama")``), and once,
   computing the figures drawn from history (``refresh_figures()``), which
   the scheduler does every ``FIGURES_EVERY`` and no page waits for.

Everything happens in a scratch schema of the local server's ``test``
database (``--url`` to choose another), dropped at the end.

usage: dashboard.py [INSTANCES] [--repeat N] [--url URL] [--keep]
The last line holds the figures as key=value pairs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from engine import Actor  # noqa: E402
from engine import MovableClock  # noqa: E402
from engine import config as config_module  # noqa: E402
from engine import demo  # noqa: E402
from engine.steps import write_incident  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = f"bench_dashboard_{os.getpid()}"
PAGE = 50
KABAG = Actor("bench", {"supervisor"})

#: Each statement copies one seed's rows ``:copies`` times; copy ``n.i`` of
#: instance ``:seed`` becomes instance ``:shift + n.i``, its times moved back
#: by ``n.i % 61`` days. Task ids are derived from the seed's and the copy's,
#: so escalation steps find their task.
_NEW_TASK_ID = "(md5(h.id || ':' || n.i)::uuid)::text"
_BACK = "make_interval(days => n.i % 61)"
_COPIES = [
    "INSERT INTO instances (id, process_id, version_id, business_key, status, "
    "state, lock_version, created_by, created_at, updated_at, ended_at, error, "
    "first_due, first_unclaimed, waiting_at, opd, partner_kind) "
    "SELECT :shift + n.i, process_id, version_id, business_key || '/' || n.i, "
    f"status, state, lock_version, created_by, created_at - {_BACK}, "
    f"updated_at - {_BACK}, ended_at - {_BACK}, error, first_due - {_BACK}, "
    f"first_unclaimed - {_BACK}, waiting_at, opd, partner_kind "
    "FROM instances, generate_series(1, :copies) n(i) WHERE id = :seed",
    "INSERT INTO human_tasks (id, instance_id, process_id, spec_name, title, "
    "lane, form, state, assignee, created_at, due_at, completed_at, "
    f"completed_by, data) SELECT {_NEW_TASK_ID}, :shift + n.i, process_id, "
    f"spec_name, title, lane, form, state, assignee, created_at - {_BACK}, "
    f"due_at - {_BACK}, completed_at - {_BACK}, completed_by, data "
    "FROM human_tasks h, generate_series(1, :copies) n(i) WHERE instance_id = :seed",
    "INSERT INTO deadlines (task_id, instance_id, kind, due_at, rule, "
    "lock_owner, lock_expires_at, attempts, last_error) "
    f"SELECT {_NEW_TASK_ID}, :shift + n.i, d.kind, d.due_at - {_BACK}, d.rule, "
    "d.lock_owner, d.lock_expires_at, d.attempts, d.last_error "
    "FROM deadlines d JOIN human_tasks h ON h.id = d.task_id, "
    "generate_series(1, :copies) n(i) WHERE d.instance_id = :seed",
    "INSERT INTO timers (instance_id, task_id, element, due_at, lock_owner, "
    "lock_expires_at, attempts, last_error) SELECT :shift + n.i, task_id, "
    f"element, due_at - {_BACK}, lock_owner, lock_expires_at, attempts, "
    "last_error FROM timers, generate_series(1, :copies) n(i) "
    "WHERE instance_id = :seed",
    "INSERT INTO subscriptions (instance_id, task_id, element, message) "
    "SELECT :shift + n.i, task_id, element, message "
    "FROM subscriptions, generate_series(1, :copies) n(i) WHERE instance_id = :seed",
    "INSERT INTO agreements (instance_id, business_key, jenis, judul, mitra, "
    "jenis_mitra, opd_pemrakarsa, bidang, ruang_lingkup, nilai_apbd, "
    "dianggarkan_apbd, beban_masyarakat, rantai_dokumen, dokumen_aktif, "
    "dokumen, nomor_pemkab, nomor_mitra, tanggal_ttd, tempat_ttd, "
    "tanggal_mulai, tanggal_berakhir, status, tahap, nomor_induk, induk_id, "
    "synced_version, updated_at) SELECT :shift + n.i, "
    "business_key || '/' || n.i, jenis, judul, mitra, jenis_mitra, "
    "opd_pemrakarsa, bidang, ruang_lingkup, nilai_apbd, dianggarkan_apbd, "
    "beban_masyarakat, rantai_dokumen, dokumen_aktif, dokumen, nomor_pemkab, "
    "nomor_mitra, tanggal_ttd, tempat_ttd, tanggal_mulai, tanggal_berakhir, "
    f"status, tahap, nomor_induk, NULL, synced_version, updated_at - {_BACK} "
    "FROM agreements, generate_series(1, :copies) n(i) WHERE instance_id = :seed",
]


def schema_url(url: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{SCHEMA}"


def make_seeds(url: str):
    """Run the demo agreements; return the engine and when the demo stands."""
    config = config_module.load_config({"EKERJASAMA_DATABASE_URL": url})
    clock = MovableClock(datetime(2025, 1, 1, tzinfo=UTC))
    engine = config_module.build_engine(config, clock=clock)
    demo.load_demo(engine, Path(config["PROCESSES_PATH"]), Path(config["FORMS_PATH"]))
    finish(engine, clock)
    now = clock.now()
    # Stopped and failed: three of those waiting on a timer, so that the
    # seeds with a due task keep their copies overdue, at risk or in time.
    with engine.db.read() as connection:
        active = list(
            connection.scalars(
                sa.text(
                    "SELECT id FROM instances WHERE status = 'active' "
                    "AND first_due IS NULL AND first_unclaimed IS NULL "
                    "ORDER BY id LIMIT 3"
                )
            )
        )
    engine.suspend_instance(active[0], reason="Benchmark seed.", actor=KABAG)
    with engine.db.write() as connection:
        for instance_id in active[1:3]:
            details = {
                "element": "kirim_tembusan",
                "message": "The mail server did not answer.",
                "at": now.isoformat(),
            }
            write_incident(connection, instance_id, details, now)
    return engine, now


#: How the agreement whose term has run out is brought to its end.
_ENDING = {
    "keputusan_lanjutan": {
        "keputusan": "selesai",
        "alasan_keputusan": "Tujuan kerja sama telah tercapai.",
    },
    "laporan_akhir": {"ringkasan_capaian": "Seluruh kegiatan terlaksana."},
}


def finish(engine, clock) -> None:
    """Answer the end-of-term tasks until that agreement has finished."""
    while True:
        tasks = [t for t in engine.list_tasks() if t.spec_name in _ENDING]
        if not tasks:
            return
        clock.set(clock.now() + timedelta(days=3))
        task = tasks[0]
        actor = Actor("bench_officer", {task.lane})
        engine.complete_task(task.id, _ENDING[task.spec_name], actor=actor)


def copy_seeds(engine, total: int) -> int:
    """Copy the seeds round-robin until there are ``total`` instances."""
    with engine.db.read() as connection:
        seeds = list(
            connection.scalars(sa.text("SELECT id FROM instances ORDER BY id"))
        )
    missing = total - len(seeds)
    per_seed, extra = divmod(missing, len(seeds))
    shift = max(seeds)
    with engine.db.write() as connection:
        for n, seed in enumerate(seeds):
            copies = per_seed + (1 if n < extra else 0)
            params = {"seed": seed, "shift": shift, "copies": copies}
            for statement in _COPIES:
                connection.execute(sa.text(statement), params)
            shift += copies
        connection.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('instances', 'id'), "
                "(SELECT max(id) FROM instances))"
            )
        )
    with engine.db.engine.connect().execution_options(
        isolation_level="AUTOCOMMIT"
    ) as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    with engine.db.read() as connection:
        return connection.scalar(sa.text("SELECT count(*) FROM instances"))


def busiest_lane(engine) -> str:
    with engine.db.read() as connection:
        return connection.scalar(
            sa.text(
                "SELECT lane FROM human_tasks WHERE state IN ('ready', 'claimed') "
                "AND lane IS NOT NULL GROUP BY lane ORDER BY count(*) DESC LIMIT 1"
            )
        )


def p95_ms(run, repeat: int) -> tuple[float, float]:
    run()  # the first call parses specs and warms the caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[max(0, int(len(times) * 0.95) - 1)], times[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instances", type=int, nargs="?", default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="Keep the schema.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    admin = sa.create_engine(args.url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
    try:
        t0 = time.perf_counter()
        engine, now = make_seeds(schema_url(args.url))
        seeded = time.perf_counter() - t0
        count = copy_seeds(engine, args.instances)
        print(
            f"{count} instances ({seeded:.0f} s to run the seeds, "
            f"{time.perf_counter() - t0 - seeded:.0f} s to copy them)"
        )
        summary = engine.supervision.summary(now=now)
        print(f"categories {summary['categories']}, suspended {summary['suspended']}")
        lane = busiest_lane(engine)
        officer = Actor("bench_officer", {lane})
        inbox = len(engine.list_tasks(actor=officer, limit=PAGE))
        print(f"inbox of lane {lane!r}: first page of {inbox} task(s)")

        def dashboard() -> None:
            # What the dashboard page reads, and the first page of findings
            # it links to.
            engine.supervision.summary(now=now)
            engine.supervision.finished_per_month(now=now)
            engine.supervision.history(now=now)
            engine.supervision.findings(now=now, limit=PAGE)

        t1 = time.perf_counter()
        engine.supervision.refresh_figures(now=now)
        refresh_ms = (time.perf_counter() - t1) * 1000
        dash_p95, dash_median = p95_ms(dashboard, args.repeat)
        heat_p95, _ = p95_ms(lambda: engine.supervision.heat("kerjasama", now=now), 10)
        inbox_p95, inbox_median = p95_ms(
            lambda: engine.list_tasks(actor=officer, limit=PAGE), args.repeat
        )
        print(
            f"dashboard median {dash_median:.1f} ms, inbox median "
            f"{inbox_median:.1f} ms over {args.repeat} runs"
        )
        print(
            f"figures drawn from history computed in {refresh_ms:.0f} ms; "
            f"heatmap p95 {heat_p95:.1f} ms over 10 runs"
        )
        engine.close()
    finally:
        if not args.keep:
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{SCHEMA}" CASCADE'))
        admin.dispose()
    print(
        f"dashboard_p95_ms={dash_p95:.1f} inbox_p95_ms={inbox_p95:.1f} "
        f"heat_p95_ms={heat_p95:.1f} figures_refresh_ms={refresh_ms:.0f}"
    )


if __name__ == "__main__":
    main()
