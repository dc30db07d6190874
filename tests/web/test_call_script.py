"""Families who do not read: when no parent of the family can read, the introduction offers a
call script (said by the coordinator or a sleutelpersoon in the family's language) instead of
SMS or a letter. It is written to the outbox as a manual "call" message, printed with the Dutch
text beside the family's language, and marks the match introduced exactly once (the same claim
and dedupe key as the written introduction). And any family message, whatever its channel, has
a printed copy for the staff who may see it.
"""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from tests.factories import PASSWORD, build_world, make_family, make_volunteer, ready_records
from webapp.extensions import db
from webapp.messaging import templating
from webapp.models import AuditEntry, Message
from webapp.models.matches import Match, MatchEvent
from webapp.vocab import MESSAGE_LANGUAGES

NOT_READING = [
    {"name": "Rasha", "gender": "f", "languages": [{"code": "ar", "level": "native"}],
     "dutch_level": "A0", "can_read": "no"},
    {"name": "Omar", "gender": "m", "languages": [{"code": "ar", "level": "native"}],
     "dutch_level": "A0", "can_read": "no"},
]

# One sentence of each shipped call script, to find it on a page.
ARABIC_LINE = "وجدنا لكم شخصًا"
TIGRINYA_LINE = "ሓደ ሰብ ረኺብናልኩም ኣለና"
DUTCH_LINE = "Wij hebben iemand voor u gevonden"


# --- helpers --------------------------------------------------------------------------------

def _client(app, email: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    resp = client.post("/login", data={"email": email, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return client


def _match(world, **family_fields) -> Match:
    vol = make_volunteer(world.volunteer, [world.prog_a])
    ready_records(vol, date.today() - timedelta(days=30))
    family = make_family(world.prog_a, world.coord_a, **family_fields)
    match = Match(programme_id=world.prog_a.id, family_id=family.id,
                  family_request_id=family.requests[0].id, volunteer_id=vol.id,
                  hours_per_week=2, created_by_id=world.coord_a.id)
    db.session.add(match)
    db.session.commit()
    return match


def _count(model, *where) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)
                              .where(*where)).scalar_one()


def _family_message(match_id: int) -> Message:
    return db.session.execute(db.select(Message).where(
        Message.dedupe_key == f"intro:{match_id}:family")).scalar_one()


# --- the shipped texts ----------------------------------------------------------------------

@pytest.mark.parametrize("language", MESSAGE_LANGUAGES)
def test_call_script_is_shipped_in_every_family_language(app, language):
    assert "family_call_script" in templating.KINDS
    subject, body = templating.load_default("family_call_script", None, language)
    assert templating.validate("family_call_script", subject, body) == []
    values = {**templating.sample_values("family_call_script"), "volunteer_name": "Zzsara"}
    out = templating.render("family_call_script", subject, body, values)
    assert "Zzsara" in out.text and "Els de Vries" in out.text
    assert out.text.count("071 123 45 67") == 2  # the number is said twice
    assert "opvoedsteun" not in (out.subject + out.text).lower()
    # the scripts line up paragraph by paragraph with the Dutch one (printed side by side)
    nl = templating.render("family_call_script",
                           *templating.load_default("family_call_script", None, "nl"), values)
    assert len(out.text.split("\n\n")) == len(nl.text.split("\n\n"))


def test_readme_marks_the_call_scripts_for_review():
    text = (templating.DEFAULTS_DIR / "README.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `family_call_script`"))
    assert all(code in row for code in ("nl", "en", "ar", "ti", "prs", "so", "uk", "tr"))
    assert "native speaker" in text[text.index("family_call_script"):]


# --- the introduction -----------------------------------------------------------------------

def test_family_that_cannot_read_is_offered_the_call_script(app):
    world = build_world()
    match = _match(world, parents=NOT_READING)
    client = _client(app, world.coord_a.email)
    page = client.get(f"/matches/{match.id}/introduce").get_data(as_text=True)
    # the call script is the default, with the Dutch text beside the family's language
    assert 'name="family_route"' in page
    assert 'value="call" checked' in page
    assert "No parent in this family can read" in page
    assert ARABIC_LINE in page and DUTCH_LINE in page
    # the written path is still there, and says why it is not the default
    written = client.post(f"/matches/{match.id}/introduce",
                          data={"family_route": "written", "preview": "1"})
    html = written.get_data(as_text=True)
    assert written.status_code == 200
    assert 'value="written" checked' in html
    assert "may not reach them" in html and "SMS" in html
    # nothing was sent by looking
    assert _count(Message) == 0
    assert db.session.get(Match, match.id).status == "approved"


def test_family_that_reads_is_not_offered_the_call_script(app):
    world = build_world()
    match = _match(world)  # the factory's parent reads
    client = _client(app, world.coord_a.email)
    page = client.get(f"/matches/{match.id}/introduce").get_data(as_text=True)
    assert 'name="family_route"' not in page
    # a posted "call" is ignored: the family gets its own channel
    assert client.post(f"/matches/{match.id}/introduce",
                       data={"family_route": "call", "send": "1"}).status_code == 302
    assert _family_message(match.id).kind == "family_intro"
    assert _family_message(match.id).channel == "sms"


def test_a_parent_who_reads_a_little_is_a_reader(app):
    world = build_world()
    parents = [NOT_READING[0], {**NOT_READING[1], "can_read": "limited"}]
    match = _match(world, parents=parents)
    client = _client(app, world.coord_a.email)
    page = client.get(f"/matches/{match.id}/introduce").get_data(as_text=True)
    assert 'name="family_route"' not in page


def test_unknown_route_is_refused_and_sends_nothing(app):
    world = build_world()
    match = _match(world, parents=NOT_READING)
    client = _client(app, world.coord_a.email)
    resp = client.post(f"/matches/{match.id}/introduce",
                       data={"family_route": "pigeon", "send": "1"})
    assert resp.status_code == 200
    assert "Not a valid choice" in resp.get_data(as_text=True)
    assert _count(Message) == 0
    assert db.session.get(Match, match.id).status == "approved"


@pytest.mark.parametrize("language, line, direction", [
    ("ar", ARABIC_LINE, "rtl"), ("ti", TIGRINYA_LINE, "ltr")])
def test_call_script_renders_with_the_dutch_beside_it(app, language, line, direction):
    world = build_world()
    match = _match(world, parents=NOT_READING, message_language=language)
    client = _client(app, world.coord_a.email)
    resp = client.post(f"/matches/{match.id}/introduce",
                       data={"family_route": "call", "send": "1"})
    assert resp.status_code == 302
    msg = _family_message(match.id)
    assert (msg.kind, msg.channel, msg.status, msg.language) == (
        "family_call_script", "call", "manual", language)
    assert msg.body_text_nl and DUTCH_LINE in msg.body_text_nl
    # nothing is dispatched for a call: the volunteer's e-mail is the only queued message
    assert db.session.get(Match, match.id).status == "introduced"

    page = client.get(f"/messaging/outbox/{msg.id}/letter")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert line in html and DUTCH_LINE in html
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert f'lang="{language}" dir="{direction}"' in html and 'lang="nl" dir="ltr"' in html
    # side by side: each paragraph of the script is one row with its Dutch beside it
    assert html.count('class="script-row"') >= 8
    assert "Rasha" in html  # the parent's first name, to greet them
    assert "071 512 34 56" in html  # the coordinator's number, said twice
    if direction == "rtl":  # kept left to right inside the Arabic text ("56 34 512 071")
        assert html.count("\u2066071\u00a0512\u00a034\u00a056\u2069") == 2
    # read like any other message view: audited
    entry = db.session.execute(db.select(AuditEntry).where(
        AuditEntry.reason == "view:call_script")).scalar_one()
    assert entry.object_id == str(match.family_id) and entry.user_id == world.coord_a.id
    # the outbox entry says what to do and links the script
    detail = client.get(f"/messaging/outbox/{msg.id}").get_data(as_text=True)
    assert f"/messaging/outbox/{msg.id}/letter" in detail
    assert "Phone call" in detail and "I have called the family" in detail
    # and the call is marked done like a letter handed over
    done = client.post(f"/messaging/outbox/{msg.id}/handed-over", data={"submit": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Message, msg.id).status == "sent"


def test_marking_introduced_with_the_call_script_works_once(app):
    world = build_world()
    match = _match(world, parents=NOT_READING)
    client = _client(app, world.coord_a.email)
    data = {"family_route": "call", "send": "1"}
    assert client.post(f"/matches/{match.id}/introduce", data=data).status_code == 302
    # a second press (e.g. the back button) goes to the match page and writes nothing
    again = client.post(f"/matches/{match.id}/introduce", data=data)
    assert again.status_code == 302 and again.location.endswith(f"/matches/{match.id}")
    assert _count(Message, Message.kind == "family_call_script") == 1
    assert _count(Message, Message.kind == "volunteer_intro") == 1
    assert _count(MatchEvent, MatchEvent.match_id == match.id,
                  MatchEvent.to_status == "introduced") == 1


def _call_script_race(app, n_threads: int):
    world = build_world()
    match = _match(world, parents=NOT_READING)
    match_id = match.id
    clients = [_client(app, world.coord_a.email) for _ in range(n_threads)]
    db.session.remove()
    barrier = threading.Barrier(n_threads)
    codes: list = [None] * n_threads
    errors: list = []

    def work(i, client):
        barrier.wait()
        try:
            codes[i] = client.post(f"/matches/{match_id}/introduce",
                                   data={"family_route": "call", "send": "1"}).status_code
        except Exception as exc:  # TESTING propagates a 500 as the exception
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    assert errors == []
    assert set(codes) <= {200, 302}
    db.session.remove()
    assert _count(Message, Message.kind == "family_call_script") == 1
    assert _count(Message, Message.kind == "volunteer_intro") == 1
    assert _count(MatchEvent, MatchEvent.match_id == match_id,
                  MatchEvent.to_status == "introduced") == 1
    assert db.session.get(Match, match_id).status == "introduced"


def test_simultaneous_call_script_introductions_write_one_on_sqlite(app):
    _call_script_race(app, 8)


@pytest.mark.postgres
def test_simultaneous_call_script_introductions_write_one_on_postgresql(pg_app):
    _call_script_race(pg_app, 20)


# --- a printed copy of any family message ---------------------------------------------------

def test_whatsapp_family_message_has_a_printed_copy_for_its_coordinator_only(app):
    world = build_world()
    match = _match(world, message_channel="whatsapp")
    client = _client(app, world.coord_a.email)
    assert client.post(f"/matches/{match.id}/introduce", data={"send": "1"}).status_code == 302
    msg = _family_message(match.id)
    assert msg.channel == "whatsapp" and msg.kind == "family_intro"
    url = f"/messaging/outbox/{msg.id}/letter"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert "Rasha" in html
    assert DUTCH_LINE in html and 'lang="nl" dir="ltr"' in html  # the Dutch on the back
    assert "WhatsApp" in html  # says it is a copy of a WhatsApp message
    entry = db.session.execute(db.select(AuditEntry).where(
        AuditEntry.reason == "view:letter")).scalar_one()
    assert entry.object_id == str(match.family_id)
    # linked from the outbox entry and from the match page
    assert url in client.get(f"/messaging/outbox/{msg.id}").get_data(as_text=True)
    assert url in client.get(f"/matches/{match.id}").get_data(as_text=True)
    # another organisation's coordinator: not found, and nothing recorded as seen
    other = _client(app, world.coord_b.email)
    assert other.get(url).status_code == 404
    assert _count(AuditEntry, AuditEntry.reason == "view:letter") == 1


def test_only_family_messages_have_a_printed_copy(app):
    world = build_world()
    match = _match(world, message_channel="email", contact_detail="amina@example.net")
    client = _client(app, world.coord_a.email)
    client.post(f"/matches/{match.id}/introduce", data={"send": "1"})
    family = _family_message(match.id)
    volunteer = db.session.execute(db.select(Message).where(
        Message.dedupe_key == f"intro:{match.id}:volunteer")).scalar_one()
    assert client.get(f"/messaging/outbox/{family.id}/letter").status_code == 200
    assert client.get(f"/messaging/outbox/{volunteer.id}/letter").status_code == 404
    family.status = "cancelled"
    db.session.commit()
    assert client.get(f"/messaging/outbox/{family.id}/letter").status_code == 404
