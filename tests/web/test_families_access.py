"""Who sees which family: every role, allowed and forbidden, including id guessing."""
from __future__ import annotations

import pytest

from tests.factories import make_family
from webapp.extensions import db
from webapp.models import AuditEntry, FamilyRequest


@pytest.fixture
def families(world):
    """One family in Leiden (org A, prog_a), one in Utrecht (org B)."""
    return {"a": make_family(world.prog_a, world.coord_a),
            "b": make_family(world.prog_b, world.coord_b)}


def _urls(fid: int, rid: int) -> list[tuple[str, str]]:
    return [("get", f"/families/{fid}"), ("get", f"/families/{fid}/edit"),
            ("post", f"/families/{fid}/edit"), ("post", f"/families/{fid}/consent/withdraw"),
            ("post", f"/families/{fid}/requests/{rid}"), ("post", f"/families/{fid}/delete"),
            ("post", f"/families/{fid}/enrol")]


@pytest.mark.parametrize("who,own,other", [
    ("coord_a", "a", "b"),
    ("coord_b", "b", "a"),
    ("org_admin", "a", "b"),   # an organisation's admin: its own programmes only
])
def test_staff_see_only_families_of_their_programmes(client, world, login, families, who,
                                                     own, other):
    login(getattr(world, who).email)
    mine, theirs = families[own], families[other]
    assert client.get(f"/families/{mine.id}").status_code == 200
    listing = client.get("/families").get_data(as_text=True)
    assert f'href="/families/{mine.id}"' in listing
    assert f'href="/families/{theirs.id}"' not in listing
    for method, url in _urls(theirs.id, theirs.requests[0].id):
        assert getattr(client, method)(url).status_code == 404, url
    for method, url in _urls(99999, 99999):  # guessing an id that does not exist: the same
        assert getattr(client, method)(url).status_code == 404, url
    db.session.expire_all()
    assert theirs.consent.withdrawn_at is None and theirs.requests[0].status == "waiting"
    reads = db.session.execute(db.select(AuditEntry.object_id).filter_by(
        action="read", object_type="family")).scalars().all()
    # the family page and the list read their own family; refused requests read nothing
    assert set(reads) == {str(mine.id)}


def test_installation_admin_sees_all_programmes(client, world, login, families):
    login(world.admin.email)
    for f in families.values():
        assert client.get(f"/families/{f.id}").status_code == 200


def test_volunteer_gets_no_family_page(client, world, login, families):
    login(world.volunteer.email)
    for f in families.values():
        for method, url in _urls(f.id, f.requests[0].id):
            assert getattr(client, method)(url).status_code == 403, url
    assert client.get("/admin/audit").status_code == 403


def test_anonymous_is_sent_to_login(client, families):
    resp = client.get(f"/families/{families['a'].id}")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_coordinator_of_other_programme_in_same_organisation_sees_nothing(
        client, world, login, families):
    from webapp.accounts import create_user
    mim = create_user(email="mim@example.org", name="MIM coordinator", role="coordinator",
                      organisation_name=world.org_a.name, password=world.password,
                      check_password=False)
    mim.programmes = [world.prog_a2]
    db.session.commit()
    login(mim.email)
    assert client.get(f"/families/{families['a'].id}").status_code == 404


def test_family_is_visible_only_while_enrolled(client, world, login, families):
    login(world.coord_a.email)
    fam = families["a"]
    req = fam.requests[0]
    req.move_to("ended", None)
    db.session.commit()
    assert client.get(f"/families/{fam.id}").status_code == 404
    req.move_to("waiting", None)
    db.session.commit()
    assert client.get(f"/families/{fam.id}").status_code == 200


def test_across_programmes_only_count_and_point_of_contact(client, world, login, families):
    """Coordinator B sees that the family has volunteers elsewhere, and the point of contact,
    but not A's programme, its status or its note."""
    from webapp.families import services
    fam = families["a"]
    req_a = fam.requests[0]
    req_a.note = "SECRET-NOTE-OF-A"
    req_a.move_to("matched", world.coord_a.id)
    fam.contact_person = "Mira, VluchtelingenWerk"
    from tests.factories import make_volunteer
    from webapp.models.matches import Match
    vol = make_volunteer(world.volunteer, [world.prog_a])
    db.session.add(Match(programme_id=world.prog_a.id, family_id=fam.id, volunteer_id=vol.id,
                         family_request_id=req_a.id))
    db.session.commit()
    services.enrol(fam, world.prog_b, world.coord_b)
    login(world.coord_b.email)
    page = client.get(f"/families/{fam.id}?lang=en").get_data(as_text=True)
    assert "SECRET-NOTE-OF-A" not in page and world.prog_a.name not in page
    assert "1 through another programme" in page and "Mira, VluchtelingenWerk" in page
    # B cannot change A's request, even knowing its id
    resp = client.post(f"/families/{fam.id}/requests/{req_a.id}",
                       data={f"r{req_a.id}-status": "ended"})
    assert resp.status_code == 404
    assert db.session.get(FamilyRequest, req_a.id).status == "matched"


def test_prefixed_csrf_tokens_are_checked(app, client, world, login):
    """Forms with a prefix (several per page) send ``r<id>-csrf_token``; the dynamic scan
    cannot see that as a token, but the app checks it: a wrong one is refused, the right
    one works."""
    import re

    from webapp.models.families import FamilyRequest
    fam = make_family(world.prog_a, world.coord_a)
    req = fam.requests[0]
    login(world.coord_a.email)
    app.config["WTF_CSRF_ENABLED"] = True
    bad = client.post(f"/families/{fam.id}/requests/{req.id}",
                      data={f"r{req.id}-csrf_token": "forged", f"r{req.id}-status": "ended"})
    assert bad.status_code == 400
    assert db.session.get(FamilyRequest, req.id).status == "waiting"
    page = client.get(f"/families/{fam.id}").get_data(as_text=True)
    token = re.search(rf'name="r{req.id}-csrf_token" type="hidden" value="([^"]+)"', page) \
        or re.search(rf'id="r{req.id}-csrf_token" name="r{req.id}-csrf_token" type="hidden" '
                     r'value="([^"]+)"', page)
    assert token, "the form carries its token"
    ok = client.post(f"/families/{fam.id}/requests/{req.id}",
                     data={f"r{req.id}-csrf_token": token.group(1), f"r{req.id}-status": "ended"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(FamilyRequest, req.id).status == "ended"
