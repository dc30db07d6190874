"""The matching workflow: runs, proposals, approval (also under concurrency on PostgreSQL),
rejection memory, manual override, the match lifecycle and the volunteer's side."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from tests.factories import make_family, make_user, make_volunteer, ready_records
from webapp.extensions import db
from webapp.models import AuditEntry
from webapp.models.families import FamilyRequest
from webapp.models.matches import Match, MatchingRun, Proposal, Rejection


@pytest.fixture
def setup(world):
    """Two ready Arabic-speaking volunteers and two waiting Arabic-speaking families."""
    v1 = make_volunteer(world.volunteer, [world.prog_a], pc4="2316", travel_km=10)
    v2 = make_volunteer(make_user("v2@example.org", name="Second Volunteer"), [world.prog_a],
                        pc4="2312", travel_km=10, max_families=1)
    for v in (v1, v2):
        ready_records(v, date.today() - timedelta(days=30))
    f1 = make_family(world.prog_a, world.coord_a)
    f2 = make_family(world.prog_a, world.coord_a, pc4="2313")
    return world, v1, v2, f1, f2


def _run(world, programme=None):
    from webapp.matches.runs import start_run
    run = start_run(programme or world.prog_a, world.coord_a.id)
    db.session.expire_all()
    return db.session.get(MatchingRun, run.id)


def test_run_end_to_end_creates_explained_proposals(app, setup):
    world, v1, v2, f1, f2 = setup
    run = _run(world)
    assert run.status == "finished" and run.running is None, run.error
    assert run.job.status == "finished" and run.job.progress == 100
    proposals = db.session.execute(db.select(Proposal).filter_by(run_id=run.id)).scalars().all()
    assert {p.family_id for p in proposals} == {f1.id, f2.id}
    assert {p.volunteer_id for p in proposals} == {v1.id, v2.id}
    for p in proposals:
        codes = {f["code"] for f in p.factors}
        assert "shared_native_language" in codes and "distance" in codes
        assert p.score == sum(f["points"] for f in p.factors)
    # inputs are snapshotted with the run
    assert {v["id"] for v in run.snapshot["volunteers"]} == {str(v1.id), str(v2.id)}
    assert run.summary["status"] == "optimal"


def test_unmatched_family_gets_a_diagnosis(app, world):
    v = make_volunteer(world.volunteer, [world.prog_a], languages={"ar": "native"})
    ready_records(v, date.today() - timedelta(days=30))
    fam = make_family(world.prog_a, world.coord_a, parents=[{
        "name": "Senait", "gender": "f", "languages": [{"code": "ti", "level": "native"}],
        "dutch_level": "A0", "can_read": "limited"}])
    run = _run(world)
    diag = run.summary["unmatched"][str(fam.requests[0].id)]
    assert diag["excluded"]["no_common_language"] == 1
    assert any(h["code"] == "no_speaker_in_range" and h["params"]["language"] == "ti"
               for h in diag["hints"])


def test_two_runs_for_one_programme_cannot_overlap(app, setup):
    from webapp.matches.runs import RunRefused, start_run
    world = setup[0]
    db.session.add(MatchingRun(programme_id=world.prog_a.id, created_by_id=world.coord_a.id,
                               running=1))
    db.session.commit()
    with pytest.raises(RunRefused):
        start_run(world.prog_a, world.coord_a.id)
    # another programme is not blocked
    assert _run(world, world.prog_a2).status == "finished"


def test_failed_run_is_reported_and_can_be_retried(app, setup, monkeypatch, client, login):
    import webapp.matches.runs as runs
    world = setup[0]
    monkeypatch.setattr(runs, "solve", lambda *a, **k: (_ for _ in ()).throw(
        RuntimeError("solver exploded")))
    run = _run(world)
    assert run.status == "failed" and "solver exploded" in run.error and run.running is None
    login(world.coord_a.email)
    page = client.get(f"/runs/{run.id}?lang=en").get_data(as_text=True)
    assert "This run failed" in page and "solver exploded" in page
    monkeypatch.undo()
    resp = client.post(f"/runs/{run.id}/retry")
    assert resp.status_code == 302
    new = db.session.execute(db.select(MatchingRun).order_by(MatchingRun.id.desc())).scalars().first()
    assert new.id != run.id and new.status == "finished"


def _proposal(world, family, volunteer, score=50):
    run = MatchingRun(programme_id=world.prog_a.id, status="finished", running=None,
                      created_by_id=world.coord_a.id)
    db.session.add(run)
    db.session.flush()
    p = Proposal(run_id=run.id, programme_id=world.prog_a.id, family_id=family.id,
                 family_request_id=family.requests[0].id, volunteer_id=volunteer.id,
                 score=score, factors=[{"code": "distance", "points": score, "params": {"km": 1.2}}])
    db.session.add(p)
    db.session.commit()
    return p


def test_approve_creates_match_and_rechecks_capacity(app, setup, client, login):
    world, v1, v2, f1, f2 = setup
    p1, p2 = _proposal(world, f1, v2), _proposal(world, f2, v2)  # v2 takes one family only
    login(world.coord_a.email)
    client.post(f"/proposals/{p1.id}/approve")
    match = db.session.execute(db.select(Match)).scalar_one()
    assert (match.family_id, match.volunteer_id, match.status) == (f1.id, v2.id, "approved")
    assert db.session.get(FamilyRequest, f1.requests[0].id).status == "matched"
    page = client.post(f"/proposals/{p2.id}/approve", follow_redirects=True).get_data(as_text=True)
    db.session.expire_all()
    p2 = db.session.get(Proposal, p2.id)
    assert p2.status == "stale" and p2.stale_reason == "volunteer_full"
    assert "no longer holds" in client.get(f"/runs/{p2.run_id}?status=stale&lang=en").get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Match.id))).scalar() == 1


def test_approval_refused_after_consent_withdrawn(app, setup):
    from webapp.families.services import withdraw_consent
    from webapp.matches.approval import Refused, approve
    world, v1, v2, f1, f2 = setup
    p = _proposal(world, f1, v1)
    other = _proposal(world, f2, v1)
    withdraw_consent(f1, world.coord_a)
    # the open proposal no longer holds, at once
    assert db.session.get(Proposal, p.id).status == "stale"
    assert db.session.get(Proposal, p.id).stale_reason == "no_consent"
    with pytest.raises(Refused):
        approve(p.id, world.coord_a.id)
    # and a proposal approved in the same moment is re-checked in the transaction
    f2.consents[-1].withdrawn_at = f2.consents[-1].recorded_at
    db.session.commit()
    with pytest.raises(Refused) as exc:
        approve(other.id, world.coord_a.id)
    assert exc.value.params["reason"] == "no_consent"
    assert db.session.execute(db.select(db.func.count(Match.id))).scalar() == 0


def test_family_overload_cap_counts_all_programmes(app, setup):
    from webapp.matches.approval import Refused, approve
    world, v1, v2, f1, f2 = setup
    f1.max_volunteers = 1
    other = make_volunteer(make_user("v3@example.org"), [world.prog_a2])
    db.session.add(Match(programme_id=world.prog_a2.id, family_id=f1.id, volunteer_id=other.id))
    db.session.commit()
    p = _proposal(world, f1, v1)
    with pytest.raises(Refused) as exc:
        approve(p.id, world.coord_a.id)
    assert exc.value.params["reason"] == "family_overload"


def test_rejection_is_remembered_by_the_next_run(app, setup, client, login):
    world, v1, v2, f1, f2 = setup
    run = _run(world)
    p = db.session.execute(db.select(Proposal).filter_by(run_id=run.id, family_id=f1.id)).scalar_one()
    login(world.coord_a.email)
    client.post(f"/proposals/{p.id}/reject", data={"reason": "personality", "note": "clash"})
    rej = db.session.execute(db.select(Rejection)).scalar_one()
    assert (rej.family_id, rej.volunteer_id, rej.reason, rej.note) == (f1.id, p.volunteer_id,
                                                                       "personality", "clash")
    again = _run(world)
    pairs = {(q.family_id, q.volunteer_id) for q in db.session.execute(
        db.select(Proposal).filter_by(run_id=again.id)).scalars()}
    assert (f1.id, p.volunteer_id) not in pairs


def test_reject_needs_a_reason_from_the_list(app, setup, client, login):
    world, v1, v2, f1, f2 = setup
    p = _proposal(world, f1, v1)
    login(world.coord_a.email)
    client.post(f"/proposals/{p.id}/reject", data={"reason": "because"})
    assert db.session.get(Proposal, p.id).status == "proposed"
    assert db.session.execute(db.select(db.func.count(Rejection.id))).scalar() == 0


def test_swap_offers_ranked_shortlist(app, setup, client, login):
    world, v1, v2, f1, f2 = setup
    p = _proposal(world, f1, v1)
    login(world.coord_a.email)
    page = client.get(f"/proposals/{p.id}/swap?lang=en").get_data(as_text=True)
    assert "Second Volunteer" in page
    client.post(f"/proposals/{p.id}/swap", data={"volunteer_id": v2.id})
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).status == "replaced"
    new = db.session.execute(db.select(Proposal).filter_by(status="proposed")).scalar_one()
    assert new.volunteer_id == v2.id and new.family_id == f1.id and new.factors


def test_approve_all_shown(app, setup, client, login):
    world, v1, v2, f1, f2 = setup
    run = _run(world)
    ids = [p.id for p in db.session.execute(db.select(Proposal).filter_by(run_id=run.id)).scalars()]
    login(world.coord_a.email)
    client.post(f"/runs/{run.id}/approve-shown", data={"proposal_id": ids})
    assert db.session.execute(db.select(db.func.count(Match.id))).scalar() == 2


def test_manual_match_override_needs_reason_and_is_audited(app, setup, client, login):
    world, v1, v2, f1, f2 = setup
    far = make_volunteer(make_user("far@example.org", name="Far Away"), [world.prog_a],
                         pc4="1011", travel_km=5)
    login(world.coord_a.email)
    data = {"request_id": f1.requests[0].id, "volunteer_id": far.id}
    page = client.post(f"/programmes/{world.prog_a.id}/manual-match?lang=en",
                       data=data).get_data(as_text=True)
    assert "breaks a rule" in page and "lives too far away" in page
    assert db.session.execute(db.select(db.func.count(Match.id))).scalar() == 0
    data["override_reason"] = "She moves to Leiden next month; the family agreed."
    resp = client.post(f"/programmes/{world.prog_a.id}/manual-match", data=data)
    assert resp.status_code == 302
    match = db.session.execute(db.select(Match)).scalar_one()
    assert match.override_reason.startswith("She moves")
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="override")).scalar_one()
    assert entry.object_id == str(match.id) and "too_far" in entry.fields
    assert entry.reason == "override_reason"  # a code: the text is kept on the match only


def test_manual_match_cannot_override_consent(app, setup):
    from webapp.families.services import withdraw_consent
    from webapp.matches.approval import Refused, manual_match
    world, v1, v2, f1, f2 = setup
    withdraw_consent(f1, world.coord_a)
    with pytest.raises(Refused) as exc:
        manual_match(f1.requests[0], v1, world.coord_a.id, "a long enough reason here")
    assert exc.value.code == "rule" and "no_consent" in exc.value.params["rules"]


def test_lifecycle_and_illegal_transitions(app, setup, client, login):
    from webapp.matches.approval import Refused, approve
    from webapp.matches import lifecycle
    world, v1, v2, f1, f2 = setup
    p = _proposal(world, f1, v2)
    match = approve(p.id, world.coord_a.id)[0]
    with pytest.raises(Refused):
        lifecycle.activate(match, world.coord_a.id)  # approved → active skips the introduction
    lifecycle.mark_introduced(match, world.coord_a.id)
    lifecycle.activate(match, world.coord_a.id)
    with pytest.raises(Refused):
        lifecycle.mark_introduced(match, world.coord_a.id)
    # ending frees the volunteer's capacity at once: v2 (max 1) can be approved for f2
    login(world.coord_a.email)
    client.post(f"/matches/{match.id}", data={"reason": "mismatch", "needs_more": "auto",
                                              "evaluation": "did not click"})
    db.session.expire_all()
    assert match.status == "ended" and match.end_reason == "mismatch"
    assert match.evaluation_coordinator == "did not click"
    assert db.session.get(FamilyRequest, f1.requests[0].id).status == "waiting"  # back in line
    assert approve(_proposal(world, f2, v2).id, world.coord_a.id)
    assert [e.to_status for e in match.events] == ["introduced", "active", "ended"]


def test_volunteer_sees_only_own_match_and_reports(app, setup, client, login):
    from webapp.matches.approval import approve
    from webapp.matches import lifecycle
    from webapp.models.matches import Concern, ContactMoment
    world, v1, v2, f1, f2 = setup
    mine = approve(_proposal(world, f1, v1).id, world.coord_a.id)[0]
    theirs = approve(_proposal(world, f2, v2).id, world.coord_a.id)[0]
    lifecycle.mark_introduced(mine, world.coord_a.id)
    login(world.volunteer.email)
    page = client.get(f"/my/matches/{mine.id}?lang=en").get_data(as_text=True)
    assert "Rasha" in page and "Kooilaan" not in page  # no address before the first visit
    assert client.get(f"/my/matches/{theirs.id}").status_code == 404
    assert client.get(f"/matches/{mine.id}").status_code == 403
    future = (date.today() + timedelta(days=2)).isoformat()
    client.post(f"/my/matches/{mine.id}", data={"c-happened_on": future, "c-minutes": "60",
                                                "c-submit": "1"})
    assert db.session.execute(db.select(db.func.count(ContactMoment.id))).scalar() == 0
    client.post(f"/my/matches/{mine.id}", data={"c-happened_on": date.today().isoformat(),
                                                "c-minutes": "90", "c-themes": ["school"],
                                                "c-submit": "1"})
    moment = db.session.execute(db.select(ContactMoment)).scalar_one()
    assert (moment.minutes, moment.themes) == (90, ["school"])
    client.post(f"/my/matches/{mine.id}", data={"w-text": "The boy seems afraid",
                                                "w-urgent": "y", "w-submit": "1"})
    concern = db.session.execute(db.select(Concern)).scalar_one()
    assert concern.urgent and concern.text == "The boy seems afraid"


@pytest.mark.parametrize("who,status", [("coord_a", 200), ("coord_b", 404), ("volunteer", 403)])
def test_run_and_proposal_pages_are_scoped(app, setup, client, login, who, status):
    world, v1, v2, f1, f2 = setup
    p = _proposal(world, f1, v1)
    login(getattr(world, who).email)
    assert client.get(f"/runs/{p.run_id}").status_code == status
    assert client.get(f"/programmes/{world.prog_a.id}/matching").status_code == status
    if status != 200:
        client.post(f"/proposals/{p.id}/approve")
        assert db.session.get(Proposal, p.id).status == "proposed"


# --- PostgreSQL ---------------------------------------------------------------------------

@pytest.mark.postgres
def test_run_end_to_end_on_postgresql(pg_app):
    from tests.factories import build_world
    world = build_world()
    v = make_volunteer(world.volunteer, [world.prog_a])
    ready_records(v, date.today() - timedelta(days=30))
    fam = make_family(world.prog_a, world.coord_a)
    run = _run(world)
    assert run.status == "finished"
    p = db.session.execute(db.select(Proposal)).scalar_one()
    assert (p.family_id, p.volunteer_id) == (fam.id, v.id)


@pytest.mark.postgres
def test_concurrent_approvals_cannot_both_succeed_on_postgresql(pg_app, monkeypatch):
    """Two coordinators approve two proposals for the same volunteer (room for one family)
    at the same moment, on two real connections: exactly one wins."""
    import webapp.matches.approval as approval
    from tests.factories import build_world
    world = build_world()
    vol = make_volunteer(world.volunteer, [world.prog_a], max_families=1)
    f1, f2 = make_family(world.prog_a, world.coord_a), make_family(world.prog_a, world.coord_a)
    ids = [_proposal(world, f1, vol).id, _proposal(world, f2, vol).id]
    user_id = world.coord_a.id
    db.session.remove()
    original = approval.capacity_problem
    barrier = threading.Barrier(2)

    def slow_check(*args, **kwargs):  # widen the race window between check and commit
        result = original(*args, **kwargs)
        threading.Event().wait(0.5)
        return result
    monkeypatch.setattr(approval, "capacity_problem", slow_check)
    outcome = {}

    def work(pid):
        with pg_app.app_context():
            barrier.wait()
            try:
                approval.approve(pid, user_id)
                outcome[pid] = "approved"
            except approval.Refused as exc:
                outcome[pid] = exc.params.get("reason", exc.code)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=work, args=(pid,)) for pid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcome.values()) == ["approved", "volunteer_full"]
    assert db.session.execute(db.select(db.func.count(Match.id))).scalar() == 1


def test_trio_run_proposes_and_approves_trios(app, world):
    """A trio programme: nieuwkomer family + oudkomer (shares the family's language) + Dutch
    volunteer; approving creates two matches that count two toward the family's cap."""
    from webapp.demo import ensure_programme_types
    from webapp.matches.approval import approve
    from webapp.models import Programme
    trio_type = ensure_programme_types()["trio"]
    prog = Programme(organisation=world.org_a, type=trio_type, name="Trio Leiden",
                     municipality="Leiden", rules={"requirements": {"required": []}})
    db.session.add(prog)
    world.coord_a.programmes.append(prog)
    db.session.commit()
    oud = make_volunteer(world.volunteer, [prog], refugee_background=True, origin_country="SY",
                         languages={"ar": "native"}, dutch_level="B2", pc4="2316", travel_km=10)
    dutch = make_volunteer(make_user("nl@example.org", name="Dutch Volunteer"), [prog],
                           languages={"nl": "native"}, dutch_level="native", pc4="2312",
                           travel_km=10)
    for v in (oud, dutch):
        ready_records(v, date.today() - timedelta(days=30))
    # the Dutch volunteer follows the normal rules: the family wants to practise Dutch (A2)
    fam = make_family(prog, world.coord_a, max_volunteers=2, pref_language="dutch", parents=[{
        "name": "Rasha", "gender": "f", "languages": [{"code": "ar", "level": "native"}],
        "dutch_level": "A2", "can_read": "yes"}])
    run = _run(world, prog)
    assert run.status == "finished", run.error
    p = db.session.execute(db.select(Proposal).filter_by(run_id=run.id)).scalar_one()
    assert (p.family_id, p.volunteer_id, p.volunteer2_id) == (fam.id, oud.id, dutch.id)
    assert any(f["code"] == "trio_pair" for f in p.factors)
    matches = approve(p.id, world.coord_a.id)
    assert len(matches) == 2 and matches[0].trio_key == matches[1].trio_key
    from webapp.families.services import remaining_capacity
    assert remaining_capacity(fam) == 0


def test_volunteer_origin_is_used_only_with_its_own_consent(app, world):
    """'Not someone from our own community': the volunteer's country of origin counts only
    when the volunteer agreed separately that matching may use it."""
    from webapp.matches.inputs import build_inputs
    from matching.scoring import Scorer
    vol = make_volunteer(world.volunteer, [world.prog_a], refugee_background=True,
                         origin_country="SY", origin_for_matching=False)
    ready_records(vol, date.today() - timedelta(days=30))
    make_family(world.prog_a, world.coord_a, special="use", country_of_origin="SY",
                pref_not_own_community=True)

    def excluded():
        inputs = build_inputs(world.prog_a, {}, date.today())
        scorer = Scorer(inputs.volunteers, {inputs.programme_code: inputs.rules}, date.today())
        return scorer.exclusions(inputs.requests[0]).excluded.get("own_community", 0)
    assert excluded() == 0
    vol.origin_for_matching = True
    db.session.commit()
    assert excluded() == 1
