"""Templates: the sandbox, validation with line numbers, the shipped defaults, and the admin
pages (edit, live preview, save refused with the line number, version conflicts)."""
# Fixtures are imported from tests/web/messaging_support.py (no shared conftest edits).
# ruff: noqa: F811
from __future__ import annotations

import pytest

from tests.web.messaging_support import intro_context, messaging_app  # noqa: F401
from webapp.extensions import db
from webapp.messaging import templating
from webapp.messaging.intro import prepare_introduction
from webapp.models import MessageTemplate
from webapp.vocab import MESSAGE_LANGUAGES, RTL_LANGUAGES

PROGRAMMES = ("homestart", "mim", "steunouder", "spelaanhuis", "trio", None)


@pytest.mark.parametrize("source, line, word", [
    ("{{ config }}", 1, "config"),
    ("ok\n{{ ''.__class__.__mro__ }}", 2, "__"),
    ("{{ self }}", 1, "self"),
    ("{{ volunteer_name.__class__.__init__.__globals__ }}", 1, "__"),
    ("{{ volunteer_name|attr('__class__') }}", 1, "not allowed"),
    ("{{ range(10)|list }}", 1, "range"),
    ("{{ lipsum() }}", 1, "lipsum"),
    ("{% include 'base.html' %}", 1, "include"),
    ("a\nb\n{{ unknown_thing }}", 3, "unknown_thing"),
    ("a\n\n{% if volunteer_name %}\nno end", 4, "syntax"),
])
def test_sandbox_and_whitelist_fail_safely_with_the_line(app, source, line, word):
    problems = templating.validate("family_intro", "Subject", source)
    assert problems and problems[0].line == line
    assert word in str(problems[0])
    with pytest.raises(templating.TemplateProblem):
        templating.render("family_intro", "Subject", source, templating.sample_values(
            "family_intro"))


def test_only_the_kinds_variables_reach_a_template(app):
    # the volunteer's address is not a variable of the family message
    assert templating.validate("family_intro", "s", "{{ address }}")
    assert not templating.validate("volunteer_intro", "s", "{{ address }}")


@pytest.mark.parametrize("language", MESSAGE_LANGUAGES)
@pytest.mark.parametrize("programme", PROGRAMMES)
def test_shipped_family_introductions_render_in_every_language(app, language, programme):
    subject, body = templating.load_default("family_intro", programme, language)
    assert templating.validate("family_intro", subject, body) == []
    out = templating.render("family_intro", subject, body, {
        **templating.sample_values("family_intro"), "volunteer_name": "Zzsara"})
    assert "Zzsara" in out.subject + out.text and "Els de Vries" in out.text
    assert "opvoedsteun" not in (out.subject + out.text).lower()
    assert "071 123 45 67" in out.text


@pytest.mark.parametrize("kind", ["volunteer_intro", "group_invitation", "group_reminder"])
def test_other_shipped_templates_exist_in_dutch_english_arabic(app, kind):
    assert {"nl", "en", "ar"} <= set(templating.shipped_languages(kind))
    for lang in ("nl", "en", "ar"):
        assert templating.validate(kind, *templating.load_default(kind, None, lang)) == []


def test_defaults_readme_marks_translations_for_review():
    text = (templating.DEFAULTS_DIR / "README.md").read_text(encoding="utf-8")
    for code in ("ar", "ti", "prs", "so", "uk", "tr"):
        assert f"`{code}`" in text
    assert "native speaker" in text


def test_missing_language_asks_for_an_explicit_fallback(messaging_app, world):
    prepared = prepare_introduction(intro_context(world, family_language="ps"))
    assert not prepared.ok and prepared.family.missing_language == "ps"
    assert "en" in prepared.family.fallback_languages
    chosen = prepare_introduction(intro_context(world, family_language="ps",
                                                fallback_language="en"))
    assert chosen.ok and chosen.family.language == "en" and chosen.family.notes


@pytest.mark.parametrize("language", sorted(RTL_LANGUAGES & set(MESSAGE_LANGUAGES)))
def test_rtl_in_every_channel(messaging_app, world, language):
    from webapp.messaging.channels import RLM
    for channel, contact in (("email", "a@example.net"), ("sms", "0612345678"),
                             ("whatsapp", "0612345678"), ("letter", None)):
        p = prepare_introduction(intro_context(world, family_language=language,
                                               family_channel=channel,
                                               family_contact=contact)).family
        assert p.ok and p.dir == "rtl"
        assert all(line.startswith(RLM) for line in p.text.splitlines() if line)
        if channel == "email":
            assert 'dir="rtl"' in p.html
        if channel == "whatsapp":
            assert p.whatsapp_url.startswith("https://wa.me/31612345678?text=%E2%80%8F")
        if channel == "letter":
            assert p.text_nl and "Sara" in p.text_nl


def _admin(client, world):
    client.post("/login", data={"email": world.admin.email, "password": world.password})


def test_admin_edits_with_preview_and_save_refused_with_line_number(messaging_app, world):
    client = messaging_app.test_client()
    _admin(client, world)
    url = "/messaging/templates/family_intro/nl?scope=type:homestart"
    page = client.get(url)
    assert page.status_code == 200 and "{{ volunteer_name }}" in page.get_data(as_text=True)
    bad = client.post(url, data={"subject": "Hallo", "body": "Regel een\n{{ config }}",
                                 "version": 0, "save": "1"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Line 2" in html or "Regel 2" in html
    assert db.session.execute(db.select(db.func.count(MessageTemplate.id))).scalar() == 0
    preview = client.post(url.replace("/nl?", "/nl/preview?"),
                          data={"subject": "Hoi {{ volunteer_name }}", "body": "Dag!"})
    assert preview.get_json()["subject"] == "Hoi Sara"
    ok = client.post(url, data={"subject": "Kennismaking met {{ volunteer_name }}",
                                "body": "Hallo!\n\n{{ volunteer_name }} komt op bezoek.",
                                "version": 0, "save": "1"})
    assert ok.status_code == 302
    row = db.session.execute(db.select(MessageTemplate)).scalar_one()
    assert row.version == 1 and row.scope == "type:homestart"
    stale = client.post(url, data={"subject": "Oud", "body": "Oud", "version": 0, "save": "1"})
    assert stale.status_code == 200
    db.session.expire_all()
    assert db.session.get(MessageTemplate, row.id).subject.startswith("Kennismaking")
    # the custom text is used when a coordinator prepares an introduction
    p = prepare_introduction(intro_context(world, family_language="nl")).family
    assert p.subject == "Kennismaking met Sara" and p.text.endswith("komt op bezoek.")


def test_template_pages_are_for_admins_only(messaging_app, world):
    client = messaging_app.test_client()
    client.post("/login", data={"email": world.coord_a.email, "password": world.password})
    assert client.get("/messaging/templates").status_code == 403
    org_admin = messaging_app.test_client()
    org_admin.post("/login", data={"email": world.org_admin.email, "password": world.password})
    assert org_admin.get("/messaging/templates/family_intro/nl?scope=*").status_code == 404
    assert org_admin.get(f"/messaging/templates/family_intro/nl?scope=programme:"
                         f"{world.prog_b.id}").status_code == 404
    assert org_admin.get(f"/messaging/templates/family_intro/nl?scope=programme:"
                         f"{world.prog_a.id}").status_code == 200
