"""Exactly once under concurrency: an introduction writes one batch of messages and one
"introduced" step however many times it is posted at the same moment; a group round's
invitations each get one message however many senders race; simultaneous approvals of
proposals for one family request never deadlock (no 500) and keep the capacity rules; and a
failed introduction is shown on the match page, in plain words, with a way to send again.

The races use real threads started together by a ``threading.Barrier``, each with its own
test client logged in as the coordinator, so the whole path (route, service, database) runs.
"""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from tests.factories import PASSWORD, build_world, make_family, make_user, make_volunteer, \
    ready_records
from tests.web.messaging_support import smtp_server  # noqa: F401  (a fixture)
from webapp.extensions import db
from webapp.models import Message
from webapp.models.matches import Match, MatchEvent, MatchingRun, Proposal

THREADS = 20


# --- helpers --------------------------------------------------------------------------------

def _clients(app, email: str, n: int) -> list:
    """``n`` test clients, each with its own logged-in session."""
    out = []
    for _ in range(n):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        resp = client.post("/login", data={"email": email, "password": PASSWORD})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        out.append(client)
    return out


def _race(clients: list, url: str, data: dict | None = None) -> tuple[list, list]:
    """POST ``url`` from every client at the same moment; (status codes, exceptions)."""
    barrier = threading.Barrier(len(clients))
    codes: list = [None] * len(clients)
    errors: list = []

    def work(i, client):
        barrier.wait()
        try:
            codes[i] = client.post(url, data=data or {}).status_code
        except Exception as exc:  # TESTING propagates a 500 as the exception
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return codes, errors


def _approved_match(world) -> Match:
    vol = make_volunteer(world.volunteer, [world.prog_a])
    ready_records(vol, date.today() - timedelta(days=30))
    family = make_family(world.prog_a, world.coord_a)
    match = Match(programme_id=world.prog_a.id, family_id=family.id,
                  family_request_id=family.requests[0].id, volunteer_id=vol.id,
                  hours_per_week=2, created_by_id=world.coord_a.id)
    db.session.add(match)
    db.session.commit()
    return match


def _count(model, *where) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)
                              .where(*where)).scalar_one()


def _introduce_race(app):
    world = build_world()
    match = _approved_match(world)
    match_id = match.id
    clients = _clients(app, world.coord_a.email, THREADS)
    db.session.remove()  # the test's own session holds nothing while the threads run
    codes, errors = _race(clients, f"/matches/{match_id}/introduce", {"send": "1"})
    assert errors == []
    assert set(codes) <= {200, 302}
    db.session.remove()
    kinds = db.session.execute(db.select(Message.kind).where(
        Message.kind.in_(("family_intro", "volunteer_intro")))).scalars().all()
    assert sorted(kinds) == ["family_intro", "volunteer_intro"]  # one batch, both sides
    assert _count(MatchEvent, MatchEvent.match_id == match_id,
                  MatchEvent.to_status == "introduced") == 1
    assert db.session.get(Match, match_id).status == "introduced"
    batch = {m.batch_key for m in db.session.execute(db.select(Message)).scalars()}
    assert len(batch) == 1


# --- introductions --------------------------------------------------------------------------

@pytest.mark.postgres
def test_twenty_simultaneous_introductions_send_one_batch_on_postgresql(pg_app):
    _introduce_race(pg_app)


def test_twenty_simultaneous_introductions_send_one_batch_on_sqlite(app):
    _introduce_race(app)


def test_second_introduction_is_refused_and_writes_nothing(app):
    """The service itself refuses a second introduction (the step is a conditional change),
    and a second batch for the same match is refused by the database's unique key too."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.attributes import set_committed_value

    from webapp.matches import lifecycle
    from webapp.matches.approval import Refused
    from webapp.matches.introduce import introduce, prepare
    from webapp.messaging.intro import send_prepared
    world = build_world()
    match = _approved_match(world)
    client = _clients(app, world.coord_a.email, 1)[0]
    assert client.post(f"/matches/{match.id}/introduce", data={"send": "1"}).status_code == 302
    db.session.expire_all()
    assert match.status == "introduced"
    # a stale copy of the match (read before the other request committed) is refused
    with app.test_request_context():
        from flask_login import login_user
        login_user(world.coord_a)
        stale = prepare(match)
        # what a request that read the match a moment earlier still believes
        set_committed_value(match, "status", "approved")
        with pytest.raises(Refused) as exc:
            lifecycle.claim(match, "introduced", world.coord_a.id)
        assert exc.value.code == "illegal_transition"
        db.session.rollback()
        with pytest.raises(Refused):
            introduce(match, stale, world.coord_a.id)
        # and even bypassing the status, the same batch cannot be written twice
        with pytest.raises(IntegrityError):
            send_prepared(stale, created_by=world.coord_a.id,
                          dedupe_key=f"intro:{match.id}")
            db.session.flush()
        db.session.rollback()
    assert _count(Message) == 2
    assert _count(MatchEvent, MatchEvent.to_status == "introduced") == 1


# --- group invitations ----------------------------------------------------------------------

def _invitation_race(app, n_threads: int):
    from tests.web.groups_support import build, make_round
    from webapp.groups import invitations
    from webapp.models.groups import Invitation
    w = build(app, n_mothers=8, n_fathers=2)
    round_ = make_round(w)
    parents = invitations.candidates(round_)
    rows = invitations.select(round_, [p.id for p in parents], w.coord.id)
    n_invitations, round_id = len(rows), round_.id
    assert n_invitations == 10
    clients = _clients(app, w.coord.email, n_threads)
    db.session.remove()
    codes, errors = _race(clients, f"/groups/rounds/{round_id}/send")
    assert errors == []
    assert set(codes) == {302}
    db.session.remove()
    messages = db.session.execute(db.select(Message).filter_by(kind="group_invitation")
                                  ).scalars().all()
    assert len(messages) == n_invitations  # one message per invitation, not one per sender
    invs = db.session.execute(db.select(Invitation).filter_by(round_id=round_id)
                              ).scalars().all()
    assert all(i.sent_at is not None for i in invs)
    assert sorted(i.message_id for i in invs) == sorted(m.id for m in messages)


@pytest.mark.postgres
def test_simultaneous_sends_of_a_round_write_one_message_per_invitation_on_postgresql(pg_app):
    _invitation_race(pg_app, THREADS)


def test_simultaneous_sends_of_a_round_write_one_message_per_invitation_on_sqlite(app):
    _invitation_race(app, 8)


# --- approvals ------------------------------------------------------------------------------

def _approval_race(app, programme_id: int, coord_id: int, round_no: int = 0):
    from webapp.models import Programme, User
    programme, coord = db.session.get(Programme, programme_id), db.session.get(User, coord_id)
    family = make_family(programme, coord, max_volunteers=2)
    run = MatchingRun(programme_id=programme_id, status="finished", running=None,
                      created_by_id=coord_id)
    db.session.add(run)
    db.session.commit()
    ids, volunteers = [], []
    for i in range(4):
        user = make_user(f"v{round_no}.{i}@example.org", name=f"Vol {i}")
        vol = make_volunteer(user, [programme], max_families=1)
        ready_records(vol, date.today() - timedelta(days=30))
        p = Proposal(run_id=run.id, programme_id=programme_id, family_id=family.id,
                     family_request_id=family.requests[0].id, volunteer_id=vol.id, score=50,
                     hours_per_week=2, factors=[])
        db.session.add(p)
        db.session.commit()
        ids.append(p.id)
        volunteers.append(vol.id)
    family_id = family.id
    clients = _clients(app, coord.email, 4)
    db.session.remove()
    barrier = threading.Barrier(4)
    codes, errors = [None] * 4, []

    def work(i):
        barrier.wait()
        try:
            codes[i] = clients[i].post(f"/proposals/{ids[i]}/approve").status_code
        except Exception as exc:
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []  # no deadlock, no 500
    assert codes == [302] * 4
    db.session.remove()
    matches = db.session.execute(db.select(Match).filter_by(family_id=family_id)).scalars().all()
    assert len(matches) == 1  # one request, one match: the others are stale
    statuses = sorted(db.session.get(Proposal, pid).status for pid in ids)
    assert statuses == ["approved", "stale", "stale", "stale"]
    for vid in volunteers:  # nobody over capacity
        assert _count(Match, Match.volunteer_id == vid) <= 1


@pytest.mark.postgres
def test_four_simultaneous_approvals_for_one_request_do_not_deadlock_on_postgresql(pg_app):
    world = build_world()
    ids = world.prog_a.id, world.coord_a.id
    for round_no in range(3):  # the deadlock showed up most of the time, not every time
        _approval_race(pg_app, *ids, round_no)


def test_four_simultaneous_approvals_for_one_request_on_sqlite(app):
    world = build_world()
    _approval_race(app, world.prog_a.id, world.coord_a.id)


# --- a failed introduction on the match page ------------------------------------------------

def test_failed_introduction_is_shown_on_the_match_page(app, smtp_server):
    world = build_world()
    match = _approved_match(world)
    family = match.family
    family.message_channel, family.contact_detail = "email", "amina@example.net"
    db.session.commit()
    smtp_server.rcpt_replies = ["550 5.1.1 <amina@example.net>: Recipient address rejected"]
    client = _clients(app, world.coord_a.email, 1)[0]
    assert client.post(f"/matches/{match.id}/introduce", data={"send": "1"}).status_code == 302
    failed = db.session.execute(db.select(Message).filter_by(kind="family_intro")).scalar_one()
    assert failed.status == "failed"
    page = client.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "The introduction to the family was not delivered" in page
    assert "E-mail" in page
    assert "does not exist" in page  # the error in plain words …
    assert "550 5.1.1" in page  # … with what the mail server said, for the record
    assert f"/messaging/outbox/{failed.id}\"" in page
    assert f"/messaging/outbox/{failed.id}/resend" in page
    # once sent again, the failure is no longer the news on the match page
    client.post(f"/messaging/outbox/{failed.id}/resend", data={"submit": "1"})
    page = client.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "was not delivered" not in page


def test_match_page_without_failures_shows_no_alert(app):
    world = build_world()
    match = _approved_match(world)
    client = _clients(app, world.coord_a.email, 1)[0]
    client.post(f"/matches/{match.id}/introduce", data={"send": "1"})
    page = client.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "was not delivered" not in page
    assert "Introduction messages" in page
