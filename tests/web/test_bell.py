"""The notifications page and the bell in the navigation."""

from webtools import start_agreement

from web.db import get_engine


def notify(app, text: str, role: str = "Bagian Pemerintahan") -> None:
    with app.app_context():
        engine = get_engine()
        instance_id = start_agreement(engine)
        with engine.db.write() as connection:
            engine.notifier.notify(
                connection,
                text,
                None,
                engine.clock.now(),
                role=role,
                instance_id=instance_id,
            )


def test_bell_counts_unread_and_the_page_lists_them(app, client, auth):
    notify(app, "Verifikasi kelengkapan melewati SLA.")
    auth.login_as("pem")

    page = client.get("/notifications/")

    assert page.status_code == 200
    assert "Verifikasi kelengkapan melewati SLA." in page.text
    assert 'id="nav-notifications"' in page.text
    assert (
        '<span class="count">1</span>' in page.text.split('id="nav-notifications"')[1]
    )


def test_mark_read_clears_the_bell_for_that_user_only(app, client, auth):
    notify(app, "Kajian TKKSD melewati SLA.")
    auth.login_as("pem")

    auth.post("/notifications/read")
    data = client.get("/notifications/index.json").get_json()

    assert data["unread"] == 0
    assert data["notifications"][0]["read_at"] is not None


def test_notifications_of_other_roles_are_not_shown(app, client, auth):
    notify(app, "Telaah hukum melewati SLA.", role="Bagian Hukum")
    auth.login_as("pem")

    data = client.get("/notifications/index.json").get_json()

    assert data == {"notifications": [], "unread": 0}
