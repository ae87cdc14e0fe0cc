"""The app factory: the engine, and the scheduler when the settings ask."""

import pytest

from web import create_app
from web.db import SCHEDULER
from web.db import get_engine


@pytest.fixture
def make_app(database_url, tmp_path):
    apps = []

    def make(**config):
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": database_url,
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": "test",
                **config,
            }
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        scheduler = app.extensions[SCHEDULER]
        if scheduler is not None:
            scheduler.stop()
        with app.app_context():
            get_engine().close()


def test_scheduler_is_left_to_its_own_process_by_default(make_app):
    app = make_app()

    assert app.extensions[SCHEDULER] is None


def test_scheduler_runs_in_the_web_process_when_asked(make_app):
    app = make_app(SCHEDULER_IN_PROCESS=1, SCHEDULER_POLL=60)

    scheduler = app.extensions[SCHEDULER]

    assert scheduler is not None and scheduler.running
    with app.app_context():
        assert scheduler.engine is get_engine()
