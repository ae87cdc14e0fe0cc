#!/usr/bin/env python3
"""Server time of the main pages on the demo data, without a browser.

The demo agreements and the users of ``demo/users.json`` are loaded into a
SQLite file (:func:`web.commands.load_demo_database`). Flask's test client
then asks, ROUNDS times each, for the inbox and a task page of Bagian
Pemerintahan, an agreement page, and the public register, after one warm-up
request per page. The figures are medians in milliseconds of the whole
request (view, engine, template).

usage: pages.py [--rounds N]
The last line holds the figures as key=value pairs.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Actor  # noqa: E402
from web import create_app  # noqa: E402
from web.commands import load_demo_database  # noqa: E402
from web.db import get_engine  # noqa: E402

PASSWORD = "bench-password"
CLERK = "bag.pemerintahan"


def login(client) -> None:
    client.get("/auth/login")
    with client.session_transaction() as session:
        token = session.setdefault("csrf_token", "b" * 43)
    response = client.post(
        "/auth/login",
        data={"username": CLERK, "password": PASSWORD, "csrf_token": token},
    )
    if response.status_code != 302:
        raise SystemExit(f"Logging in as {CLERK} failed: {response.status_code}.")


def median_ms(client, path: str, rounds: int) -> float:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}.")
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="requests per page")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'ekerjasama.sqlite'}"
        load_demo_database(url, PASSWORD)
        app = create_app(
            {
                "DATABASE_URL": url,
                "INSTANCE_PATH": str(Path(folder) / "instance"),
                "SECRET_KEY": "bench",
                "SECURE_COOKIES": 0,
            }
        )
        logging.getLogger("web").setLevel(logging.WARNING)
        logging.getLogger("engine").setLevel(logging.WARNING)
        client = app.test_client()
        login(client)
        with app.app_context():
            task = get_engine().list_tasks(actor=Actor(CLERK, {"Bagian Pemerintahan"}))[
                0
            ]
        pages = {
            "inbox": "/tasks/",
            "task": f"/tasks/{task.id}",
            "agreement": f"/agreements/{task.instance_id}",
            "public": "/public/register",
        }
        figures = {}
        for name, path in pages.items():
            figures[name] = median_ms(client, path, args.rounds)
            print(f"{name:10} {path:50} {figures[name]:7.1f} ms")
        with app.app_context():
            get_engine().close()

    print(" ".join(f"{name}_ms={value:.1f}" for name, value in figures.items()))


if __name__ == "__main__":
    main()
