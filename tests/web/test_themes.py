"""The needs themes of the KIS study are all there, each with its source on the intake form."""
from __future__ import annotations

from webapp import vocab


def test_every_theme_has_a_source_and_the_kis_themes_are_there():
    assert set(vocab.THEME_SOURCES) == set(vocab.THEMES)
    for code in ("discrimination", "religion_upbringing", "family_reunification"):
        assert code in vocab.THEMES
    assert "discrimination" in str(vocab.THEMES["school"])


def test_intake_form_shows_where_themes_come_from(client, world, login):
    login("coord.a@example.org")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/families/new?programme={world.prog_a.id}").get_data(as_text=True)
    assert "Where these themes come from" in page
    assert "Family reunification" in page and "Religion in upbringing" in page
    assert "KIS study" in page
