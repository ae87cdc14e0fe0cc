"""Languages: Bahasa Indonesia by default, English on request."""


def test_pages_speak_indonesian_by_default(client):
    page = client.get("/public/register").get_data(as_text=True)

    assert '<html lang="id">' in page
    assert "<h1>Register kerja sama</h1>" in page


def test_lang_parameter_switches_to_english_and_is_remembered(client):
    asked = client.get("/public/register?lang=en").get_data(as_text=True)
    later = client.get("/public/statistics").get_data(as_text=True)

    assert '<html lang="en">' in asked
    assert "<h1>Register of agreements</h1>" in asked
    assert "<h1>Statistics</h1>" in later


def test_switch_goes_back_to_the_page(client):
    response = client.get("/lang/en?next=/public/statistics")
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert response.status_code == 302
    assert response.headers["Location"] == "/public/statistics"
    assert "<h1>Statistics</h1>" in page


def test_switch_back_to_indonesian(client):
    client.get("/lang/en")
    client.get("/lang/id")

    page = client.get("/public/statistics").get_data(as_text=True)

    assert "<h1>Statistik</h1>" in page


def test_switch_refuses_other_sites_and_languages(client):
    elsewhere = client.get("/lang/en?next=//evil.example/")
    unknown = client.get("/lang/fr")

    assert elsewhere.headers["Location"] == "/"
    assert unknown.status_code == 404
