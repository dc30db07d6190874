"""Family intake, list, page, edit, enrolment and status: happy and unhappy paths."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from webapp.extensions import db
from webapp.models import AuditEntry, Consent, Family, FamilyRequest


def intake_form(programme_id: int, **overrides) -> dict:
    """Valid intake form data (what a coordinator types), with ``overrides``."""
    housed = date.today() - timedelta(days=120)
    data = {
        "programme_id": str(programme_id), "referral_source": "vluchtelingenwerk",
        "consent_asked_on": (date.today() - timedelta(days=2)).isoformat(),
        "consent_language": "ar", "consent_explained_by": "interpreter",
        "consent_matching": "y", "consent_share_profile": "y",
        "special_category": "none",
        "housed_on": housed.isoformat(), "postcode": "2316 AB", "address": "Kooilaan 12",
        "parents-0-name": "Rasha", "parents-0-gender": "f", "parents-0-lang1": "ar",
        "parents-0-level1": "native", "parents-0-lang2": "en", "parents-0-level2": "basic",
        "parents-0-dutch_level": "A1", "parents-0-can_read": "yes",
        "parents-1-name": "", "parents-1-level1": "native", "parents-1-level2": "basic",
        "parents-1-dutch_level": "A0", "parents-1-can_read": "yes",
        "children-0-birth_year": str(date.today().year - 4), "children-0-birth_month": "3",
        "children-0-gender": "m",
        "needs": ["school", "practise_dutch"], "needs_note": "Wil graag Nederlands oefenen",
        "pref_volunteer_gender": "f", "pref_language": "dutch",
        "groups_to_avoid": "Groep A\nGroep B", "preferred_dagdelen": ["tue_pm", "thu_am"],
        "support_social_worker": "vluchtelingenwerk", "support_other_programmes": "0",
        "max_volunteers": "2", "contact_person": "Mira, VluchtelingenWerk",
        "message_channel": "whatsapp", "contact_detail": "06 1234 5678",
        "message_language": "ar", "urgency": "1", "submit": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}




from tests.factories import make_family  # noqa: E402,F401


@pytest.fixture
def coord_a(world, login):
    login(world.coord_a.email)
    return world.coord_a


# --- intake ---------------------------------------------------------------------------

def test_intake_records_family_consent_and_waiting_request(client, world, coord_a):
    resp = client.post("/families/new", data=intake_form(world.prog_a.id))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    family = db.session.execute(db.select(Family)).scalar_one()
    assert resp.headers["Location"].endswith(f"/families/{family.id}")
    assert [p.name for p in family.parents] == ["Rasha"]
    assert family.parents[0].languages == [{"code": "ar", "level": "native"},
                                           {"code": "en", "level": "basic"}]
    assert family.children[0].birth_month == 3 and family.pc4 == "2316"
    assert family.postcode_letters == "AB" and family.contact_detail == "+31612345678"
    # free-text groups are kept as "other: …" (listed ones become codes: test_safety_wishes)
    assert family.groups_to_avoid_list == ["other:Groep A", "other:Groep B"]
    assert family.not_before == family.housed_on + timedelta(weeks=8)  # the default
    assert family.consent.purpose_matching and family.consent.explained_by == "interpreter"
    assert not family.consent.purpose_contact_school
    req = family.requests[0]
    assert (req.programme_id, req.status, req.priority) == (world.prog_a.id, "waiting", 1)
    assert [e.to_status for e in req.events] == ["waiting"]
    entry = db.session.execute(db.select(AuditEntry).filter_by(
        object_type="family", action="create")).scalar_one()
    assert entry.user_id == world.coord_a.id and "address" in entry.fields
    assert "Kooilaan" not in str(entry.fields)  # names of fields, never values


def test_intake_form_renders_accessibly(client, world, coord_a):
    page = client.get("/families/new").get_data(as_text=True)
    assert "<legend" in page and 'for="referral_source"' in page
    assert "<script>" not in page and "onclick" not in page
    assert "opvoedsteun" not in page.lower()


def test_not_before_can_be_overridden(client, world, coord_a):
    when = (date.today() + timedelta(days=30)).isoformat()
    client.post("/families/new", data=intake_form(world.prog_a.id, not_before=when))
    assert db.session.execute(db.select(Family.not_before)).scalar_one().isoformat() == when


def test_referral_only_without_consent(client, world, coord_a):
    data = {"programme_id": str(world.prog_a.id), "referral_source": "school",
            "max_volunteers": "2", "urgency": "0", "submit": "1"}
    resp = client.post("/families/new", data=data, follow_redirects=True)
    assert resp.status_code == 200
    family = db.session.execute(db.select(Family)).scalar_one()
    assert family.consent is None and family.parents == [] and family.address is None
    assert family.referral_source == "school"


@pytest.mark.parametrize("overrides,field_id,message", [
    ({"children-0-birth_year": str(date.today().year + 1)}, "children-0-birth_year",
     "A child cannot be born after today."),
    ({"housed_on": (date.today() + timedelta(days=3)).isoformat()}, "housed_on",
     "The housing date cannot be in the future."),
    ({"postcode": "23166"}, "postcode", "Enter a Dutch postcode, e.g. 2312 AB."),
    ({"postcode": "0123 AB"}, "postcode", "Enter a Dutch postcode, e.g. 2312 AB."),
    ({"postcode": "2319 AB"}, "postcode", "This postcode does not exist."),
    ({"contact_detail": "071 512 3456"}, "contact_detail", "For SMS or WhatsApp, enter a mobile"),
    ({"message_channel": "sms", "contact_detail": "hello"}, "contact_detail",
     "For SMS or WhatsApp, enter a mobile"),
    ({"message_channel": "email", "contact_detail": "not-an-address"}, "contact_detail",
     "Enter a valid e-mail address."),
    ({"consent_asked_on": None}, "consent_asked_on", "Record consent before storing"),
    ({"country_of_origin": "SY"}, "country_of_origin", "Without consent for this"),
    ({"consent_asked_on": (date.today() + timedelta(days=1)).isoformat()}, "consent_asked_on",
     "This date is in the future."),
    ({"children-0-birth_month": ""}, "children-0-birth_month", "Enter both the year and"),
    ({"max_volunteers": "0"}, "max_volunteers", "Number must be between 1 and 6."),
    ({"parents-0-name": ""}, "parents-0-name", "Enter at least one parent."),
])
def test_bad_input_is_refused_clearly_and_nothing_is_stored(client, world, coord_a, overrides,
                                                            field_id, message):
    resp = client.post("/families/new?lang=en", data=intake_form(world.prog_a.id, **overrides))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in page
    assert f'id="{field_id}-error"' in page or f'id="{field_id}"' in page
    assert db.session.execute(db.select(db.func.count(Family.id))).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count(AuditEntry.id)).filter_by(
        object_type="family")).scalar_one() == 0
    # nothing typed is lost
    assert 'value="Rasha"' in page or overrides.get("parents-0-name") == ""
    assert "Wil graag Nederlands oefenen" in page


def test_error_message_is_translated(client, world, coord_a):
    data = intake_form(world.prog_a.id, housed_on=(date.today() + timedelta(days=3)).isoformat())
    nl = client.post("/families/new?lang=nl", data=data).get_data(as_text=True)
    en = client.post("/families/new?lang=en", data=data).get_data(as_text=True)
    assert "The housing date cannot be in the future." in en
    assert '<html lang="nl"' in nl  # the Dutch page (catalog: see the report)


@pytest.mark.parametrize("number,expected", [
    ("06 1234 5678", "+31612345678"), ("+31 6 12345678", "+31612345678"),
    ("0031612345678", "+31612345678"), ("+32 470 12 34 56", "+32470123456"),
    ("071-5123456", None), ("+31 71 5123456", None), ("12345", None), ("", None),
])
def test_mobile_numbers(number, expected):
    from webapp.families.forms import normalise_mobile
    assert normalise_mobile(number) == expected


def test_add_child_row_keeps_everything_typed(client, world, coord_a):
    data = intake_form(world.prog_a.id, add_child="1")
    data.pop("submit")
    resp = client.post("/families/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="children-3-birth_year"' in page
    assert 'value="Rasha"' in page and "Groep A" in page
    assert db.session.execute(db.select(db.func.count(Family.id))).scalar_one() == 0


def test_html_in_free_text_is_escaped(client, world, coord_a):
    evil = '<script>alert("x")</script><b>bold</b>'
    resp = client.post("/families/new", data=intake_form(
        world.prog_a.id, needs_note=evil, contact_person=evil, **{"parents-0-name": "<i>R</i>"}))
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert evil not in page and "<i>R</i>" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;i&gt;R&lt;/i&gt;" in page
    listing = client.get("/families").get_data(as_text=True)
    assert "<i>R</i>" not in listing and "&lt;i&gt;R&lt;/i&gt;" in listing


def test_special_category_needs_its_own_consent(client, world, coord_a):
    resp = client.post("/families/new", data=intake_form(
        world.prog_a.id, special_category="store", country_of_origin="SY",
        community="alawite"))
    assert resp.status_code == 302
    family = db.session.execute(db.select(Family)).scalar_one()
    assert family.country_of_origin == "SY" and family.community == "alawite"
    assert not family.special_category_use  # stored, but ignored by matching


def test_intake_into_programme_of_someone_else_is_403(client, world, coord_a):
    resp = client.post("/families/new", data=intake_form(world.prog_b.id))
    assert resp.status_code == 403
    assert db.session.execute(db.select(db.func.count(Family.id))).scalar_one() == 0


def test_volunteer_cannot_open_families(client, world, login):
    login(world.volunteer.email)
    assert client.get("/families").status_code == 403
    assert client.get("/families/new").status_code == 403


# --- list -------------------------------------------------------------------------------

def test_list_filters_and_search(client, world, coord_a):
    f1 = make_family(world.prog_a, world.coord_a, needs=["school"])
    f2 = make_family(world.prog_a, world.coord_a, needs=["leisure"], parents=[
        {"name": "Selam", "gender": "f", "languages": [{"code": "ti", "level": "native"}],
         "dutch_level": "A0", "can_read": "limited"}])
    f3 = make_family(world.prog_b, world.coord_b)  # another organisation: never listed
    old = db.session.execute(db.select(FamilyRequest).filter_by(family_id=f1.id)).scalar_one()
    from webapp.models.base import utcnow
    old.waiting_since = utcnow() - timedelta(weeks=10)
    db.session.commit()

    def refs(query=""):
        page = client.get("/families" + query).get_data(as_text=True)
        return {f.reference for f in (f1, f2, f3) if f'href="/families/{f.id}"' in page}

    assert refs() == {f1.reference, f2.reference}
    assert refs("?language=ti") == {f2.reference}
    assert refs("?need=school") == {f1.reference}
    assert refs("?waited=8") == {f1.reference}
    assert refs("?q=selam") == {f2.reference}
    assert refs(f"?q={f1.reference}") == {f1.reference}
    assert refs(f"?q={f3.reference}") == set()
    assert refs("?status=matched") == set()
    assert refs(f"?programme={world.prog_b.id}") == set()


def test_list_paginates(app, client, world, coord_a):
    app.config["PAGE_SIZE"] = 2
    for _ in range(3):
        make_family(world.prog_a, world.coord_a)
    assert "Page 1 of 2" in client.get("/families?lang=en").get_data(as_text=True)
    assert client.get("/families?page=2").status_code == 200
    assert client.get("/families?page=9").status_code == 404


def _rows(page: str) -> list[str]:
    return page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]


def test_list_rows_show_what_the_family_record_says_in_list_order(app, client, world, coord_a):
    from webapp.models.base import utcnow
    year = date.today().year
    old = make_family(world.prog_a, world.coord_a, needs=["school", "leisure", "digital",
                                                        "puberty"], parents=[
        {"name": "Amal", "gender": "f", "languages": [{"code": "ar", "level": "native"},
                                                       {"code": "nl", "level": "basic"}],
         "dutch_level": "A1", "can_read": "yes"},
        {"name": "Yusuf", "gender": "m", "languages": [{"code": "ku", "level": "native"}],
         "dutch_level": "A0", "can_read": "no"}],
        children=[{"birth_year": year - 2, "birth_month": 1, "gender": "f"},
                  {"birth_year": year - 9, "birth_month": 1, "gender": "m"}])
    urgent = make_family(world.prog_a, world.coord_a, urgency=2, matching=False)
    new = make_family(world.prog_a, world.coord_a, children=[])
    for family, weeks in ((old, 20), (urgent, 1), (new, 2)):
        family.requests[0].waiting_since = utcnow() - timedelta(weeks=weeks)
    db.session.commit()
    rows = _rows(client.get("/families?lang=en").get_data(as_text=True))
    # urgent first, then the longest waiting
    assert [next(f.reference for f in (old, urgent, new) if f.reference in r) for r in rows] \
        == [urgent.reference, old.reference, new.reference]
    first, second, third = rows
    assert "Urgent" in first and "Given" not in first  # no consent for matching
    assert "Amal, Yusuf" in second and "9, 2" in second  # parents in order, oldest child first
    assert "Arabic, Dutch, Kurdish" in second
    assert "(+1)" in second and "Waiting" in second and "4 months" in second
    assert "Given" in second
    assert "—" in third and "2 weeks" in third


def test_list_labels_follow_the_language_of_each_request(client, world, coord_a):
    make_family(world.prog_a, world.coord_a)
    english = client.get("/families?lang=en").get_data(as_text=True)
    arabic = client.get("/families?lang=ar").get_data(as_text=True)
    assert "Waiting" in _rows(english)[0] and "Arabic" in _rows(english)[0]
    assert "Waiting" not in _rows(arabic)[0] and "Arabic" not in _rows(arabic)[0]
    assert 'dir="rtl"' in arabic and "Any language" not in arabic
    assert "Any language" in client.get("/families?lang=en").get_data(as_text=True)


def test_lists_on_arabic_pages_use_the_arabic_comma(client, world, coord_a):
    make_family(world.prog_a, world.coord_a, parents=[
        {"name": "Amal", "gender": "f", "languages": [{"code": "ar", "level": "native"},
                                                       {"code": "ku", "level": "good"}],
         "dutch_level": "A1", "can_read": "yes"},
        {"name": "Yusuf", "gender": "m", "languages": [], "dutch_level": "A0",
         "can_read": "no"}])
    assert "Amal، Yusuf" in _rows(client.get("/families?lang=ar").get_data(as_text=True))[0]
    assert "Amal, Yusuf" in _rows(client.get("/families?lang=en").get_data(as_text=True))[0]


def test_list_second_page_continues_where_the_first_ended(app, client, world, coord_a):
    app.config["PAGE_SIZE"] = 2
    families = [make_family(world.prog_a, world.coord_a) for _ in range(5)]
    seen = []
    for n in (1, 2, 3):
        page = client.get(f"/families?page={n}&lang=en").get_data(as_text=True)
        assert f"Page {n} of 3" in page
        seen += [f.reference for r in _rows(page) for f in families if f.reference in r]
    assert sorted(seen) == sorted(f.reference for f in families) and len(set(seen)) == 5
    assert client.get("/families?page=4").status_code == 404
    assert client.get("/families?page=0").status_code == 200  # read as the first page


def test_fast_select_renders_what_wtforms_renders():
    from markupsafe import Markup
    from wtforms import Form, SelectField
    from wtforms.widgets import Select

    from webapp.widgets import FastSelect

    class Plain(Form):
        pick = SelectField(choices=[("", "Any"), ("a&b", "<A & B>"), ("c", "C")])

    class Fast(Form):
        pick = SelectField(choices=[("", "Any"), ("a&b", "<A & B>"), ("c", "C")],
                           widget=FastSelect())

    def options(html):
        import re
        return sorted(re.findall(r"<option([^>]*)>([^<]*)</option>", str(html)))

    from werkzeug.datastructures import MultiDict
    for data in ({}, {"pick": "a&b"}, {"pick": "c"}):
        plain, fast = Plain(MultiDict(data)), Fast(MultiDict(data))
        assert isinstance(fast.pick(), Markup)
        assert [(sorted(a.split()), label) for a, label in options(plain.pick())] == \
            [(sorted(a.split()), label) for a, label in options(fast.pick())]
        assert "&lt;A &amp; B&gt;" in fast.pick() and 'value="a&amp;b"' in fast.pick()
    assert Select.render_option is not FastSelect.render_option


# --- page, edit, enrolment, status --------------------------------------------------------

def test_family_page_shows_history_and_is_audited(client, world, coord_a):
    family = make_family(world.prog_a, world.coord_a)
    page = client.get(f"/families/{family.id}?lang=en").get_data(as_text=True)
    assert "Rasha" in page and "Referral recorded" in page and "Kooilaan 1" in page
    entry = db.session.execute(db.select(AuditEntry).filter_by(
        action="read", object_type="family")).scalar_one()
    assert entry.object_id == str(family.id) and entry.user_id == world.coord_a.id


def test_edit_records_changed_field_names_only(client, world, coord_a):
    resp = client.post("/families/new", data=intake_form(world.prog_a.id))
    family = db.session.execute(db.select(Family)).scalar_one()
    form = client.get(f"/families/{family.id}/edit").get_data(as_text=True)
    assert 'value="Rasha"' in form and "Groep A" in form
    data = intake_form(world.prog_a.id, address="Haagweg 4", needs=["school", "leisure"])
    data.pop("programme_id")
    resp = client.post(f"/families/{family.id}/edit", data=data)
    assert resp.status_code == 302
    db.session.expire_all()
    assert family.address == "Haagweg 4" and len(family.consents) == 1  # consent unchanged
    entry = db.session.execute(db.select(AuditEntry).filter_by(
        action="update", object_type="family")).scalar_one()
    assert entry.fields == ["address", "needs"]


def test_enrol_in_own_second_programme(client, world, coord_a):
    world.coord_a.programmes = [world.prog_a, world.prog_a2]
    db.session.commit()
    family = make_family(world.prog_a, world.coord_a)
    resp = client.post(f"/families/{family.id}/enrol", data={"programme_id": world.prog_a2.id})
    assert resp.status_code == 302
    assert {r.programme_id for r in family.requests} == {world.prog_a.id, world.prog_a2.id}
    again = client.post(f"/families/{family.id}/enrol", data={"programme_id": world.prog_a2.id},
                        follow_redirects=True)
    assert "already enrolled" in again.get_data(as_text=True) or again.status_code == 200
    assert len(family.requests) == 2


def test_enrol_into_programme_not_coordinated_is_403_and_changes_nothing(client, world,
                                                                         coord_a):
    family = make_family(world.prog_a, world.coord_a)
    before = db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one()
    for pid in (world.prog_b.id, world.prog_a2.id, 99999):
        resp = client.post(f"/families/{family.id}/enrol", data={"programme_id": pid})
        assert resp.status_code == 403
    db.session.expire_all()
    assert [r.programme_id for r in family.requests] == [world.prog_a.id]
    assert db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one() == before


def test_status_changes_are_recorded_in_history(client, world, coord_a):
    family = make_family(world.prog_a, world.coord_a)
    req = family.requests[0]
    client.post(f"/families/{family.id}/requests/{req.id}",
                data={f"r{req.id}-status": "matched", f"r{req.id}-note": "intro on Tuesday"})
    db.session.expire_all()
    assert req.status == "matched" and req.note == "intro on Tuesday"
    assert [(e.from_status, e.to_status) for e in req.events] == [(None, "waiting"),
                                                                  ("waiting", "matched")]
    resp = client.post(f"/families/{family.id}/requests/{req.id}",
                       data={f"r{req.id}-status": "ended"})
    db.session.expire_all()
    assert req.status == "ended"
    assert resp.headers["Location"].endswith("/families")
    # ended in the coordinator's only programme: the family is out of sight now
    assert client.get(f"/families/{family.id}").status_code == 404


def test_request_of_another_family_is_404(client, world, coord_a):
    f1 = make_family(world.prog_a, world.coord_a)
    f2 = make_family(world.prog_a, world.coord_a)
    resp = client.post(f"/families/{f1.id}/requests/{f2.requests[0].id}",
                       data={f"r{f2.requests[0].id}-status": "ended"})
    assert resp.status_code == 404
    db.session.expire_all()
    assert f2.requests[0].status == "waiting"


def test_withdraw_consent(client, world, coord_a):
    family = make_family(world.prog_a, world.coord_a)
    page = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "data-confirm=" in page  # asks first
    client.post(f"/families/{family.id}/consent/withdraw")
    db.session.expire_all()
    assert family.consent.withdrawn_at is not None and not family.may_match
    assert not family.may_message
    entry = db.session.execute(db.select(AuditEntry).filter_by(
        reason="consent_withdrawn")).scalar_one()
    assert entry.fields == ["consent.withdrawn_at"] and entry.user_id == world.coord_a.id
    again = client.post(f"/families/{family.id}/consent/withdraw", follow_redirects=True)
    assert again.status_code == 200
    assert db.session.execute(db.select(db.func.count(Consent.id))).scalar_one() == 1


def test_delete_family(client, world, coord_a):
    family = make_family(world.prog_a, world.coord_a)
    fid = family.id
    resp = client.post(f"/families/{fid}/delete")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Family, fid) is None
    assert db.session.execute(db.select(db.func.count(Consent.id))).scalar_one() == 0
    assert db.session.execute(db.select(AuditEntry).filter_by(
        action="delete", object_id=str(fid))).scalar_one()


def test_delete_refused_when_family_is_also_elsewhere(client, world, coord_a):
    from webapp.families import services
    family = make_family(world.prog_a, world.coord_a)
    services.enrol(family, world.prog_b, world.coord_b)
    assert client.post(f"/families/{family.id}/delete").status_code == 403
    assert db.session.get(Family, family.id) is not None


def test_ended_requests_are_listed_without_personal_details(client, world, coord_a):
    family = make_family(world.prog_a, world.coord_a)
    family.requests[0].move_to("ended", world.coord_a.id)
    db.session.commit()
    page = client.get("/families?status=ended").get_data(as_text=True)
    assert family.reference in page and "Rasha" not in page
    assert f'href="/families/{family.id}"' not in page
