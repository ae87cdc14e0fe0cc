"""Long lists come in pages, and no agreement is dropped on the way."""

import pytest
from webtools import sign_agreement
from webtools import start_agreement

from web import pages


@pytest.fixture
def two_per_page(monkeypatch):
    monkeypatch.setattr(pages, "PER_PAGE", 2)


def test_staff_list_pages_through_every_agreement(client, auth, engine, two_per_page):
    ids = [start_agreement(engine, judul=f"Kerja sama {n}") for n in range(5)]
    auth.login_as("pem")

    seen = []
    for page in (1, 2, 3):
        data = client.get(f"/agreements/index.json?page={page}").get_json()
        seen += [a["id"] for a in data["agreements"]]

    assert (data["page"], data["pages"], data["total"]) == (3, 3, 5)
    assert seen == sorted(ids, reverse=True)


def test_page_past_the_end_answers_the_last(client, auth, engine, two_per_page):
    for n in range(3):
        start_agreement(engine, judul=f"Kerja sama {n}")
    auth.login_as("pem")

    past = client.get("/agreements/index.json?page=99").get_json()
    junk = client.get("/agreements/index.json?page=abc").get_json()

    assert (past["page"], len(past["agreements"])) == (2, 1)
    assert junk["page"] == 1


def test_register_pages_keep_the_filters(client, engine, two_per_page):
    for n in range(3):
        sign_agreement(engine, start_agreement(engine), number=f"PKS/{n}/2025")

    page = client.get("/public/register?kind=KSDPK").get_data(as_text=True)

    assert "kind=KSDPK" in page and "page=2" in page
    assert client.get("/public/register.json?page=2").get_json()["total"] == 3


def test_short_list_has_no_pager(client, auth, engine):
    start_agreement(engine)
    auth.login_as("pem")

    assert 'class="pager"' not in client.get("/agreements/").get_data(as_text=True)
