"""The intake form: referral, consent, parents, children, needs, preferences, support, contact.

The form turns what was typed into plain data (:meth:`FamilyForm.to_data`); the services
store it. Cross-field rules (consent before details, special-category data only with its own
consent, a mobile number when SMS is chosen, no impossible dates) live in ``validate``.
"""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import vocab
from ..messaging.channels import normalise_phone
from ..vocab_fields import fill_vocab, vocab_answer, vocab_choices
from ..widgets import FastSelect
from . import choices
from .listing import Filters

MAX_CHILD_AGE_YEARS = 25
NOTE_MAX = 2000


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes; rendered inside a fieldset with a legend."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


_MOBILE_NL = re.compile(r"^(?:\+31|0031|0)6(\d{8})$")
_E164 = re.compile(r"^(?:\+|00)([1-9]\d{7,14})$")


def normalise_mobile(value: str) -> str | None:
    """A Dutch or international mobile number in E.164 form (``+316…``), or ``None``.

    Dutch numbers must be mobile (06…); a Dutch landline cannot receive an SMS. Other
    countries' numbers are accepted in international form (+ and 8–15 digits).
    """
    raw = re.sub(r"[\s\-().]", "", value or "")
    m = _MOBILE_NL.match(raw)
    if m:
        return "+316" + m.group(1)
    m = _E164.match(raw)
    if m and not m.group(1).startswith("31"):
        return "+" + m.group(1)
    return None


def _lang_choices(blank):
    return [("", blank)] + [(code, label) for code, label in vocab.LANGUAGES.items()]


class ParentForm(Form):
    """One parent (sub-form: no CSRF token of its own)."""

    name = StringField(_l("First name or initials"), validators=[Optional(), Length(max=40)],
                       description=_l("Only a first name or initials; no family name."))
    gender = SelectField(_l("Gender"), choices=[("", _l("—"))] + list(vocab.GENDERS.items()),
                         validators=[Optional()])
    lang1 = SelectField(_l("Language"), choices=_lang_choices(_l("— choose —")),
                        validators=[Optional()])
    level1 = SelectField(_l("Level"), choices=list(vocab.LANGUAGE_LEVELS.items()),
                         default="native")
    lang2 = SelectField(_l("Second language"), choices=_lang_choices(_l("— none —")),
                        validators=[Optional()])
    level2 = SelectField(_l("Level of the second language"),
                         choices=list(vocab.LANGUAGE_LEVELS.items()), default="basic")
    dutch_level = SelectField(_l("Level of Dutch"),
                              choices=[(c, c) for c in vocab.CEFR_LEVELS], default="A0")
    can_read = RadioField(_l("Can read"), choices=list(choices.CAN_READ.items()), default="yes")

    def is_empty(self) -> bool:
        return not (self.name.data or "").strip()


class ChildForm(Form):
    """One child: year and month of birth and gender, no name."""

    birth_year = IntegerField(_l("Year of birth"), validators=[Optional()])
    birth_month = SelectField(_l("Month of birth"),
                              choices=[("", _l("—"))] + [(str(k), v) for k, v in
                                                         choices.MONTHS.items()],
                              validators=[Optional()])
    gender = SelectField(_l("Gender"), choices=[("", _l("—"))] + list(vocab.GENDERS.items()),
                         validators=[Optional()])

    def is_empty(self) -> bool:
        return self.birth_year.data is None and not self.birth_month.data


class FamilyForm(FlaskForm):
    """Intake and edit of a family (``programme_id`` only at intake)."""

    programme_id = SelectField(_l("Programme"), coerce=int, validators=[InputRequired()])
    referral_source = SelectField(_l("Referred by"), choices=list(choices.REFERRAL_SOURCES.items()),
                                  validators=[InputRequired()])

    consent_asked_on = DateField(_l("Date consent was asked"), validators=[Optional()])
    consent_language = SelectField(_l("Language of the conversation"),
                                   choices=_lang_choices(_l("— choose —")),
                                   validators=[Optional()])
    consent_explained_by = RadioField(_l("Who explained it"),
                                      choices=list(choices.EXPLAINED_BY.items()),
                                      default="coordinator")
    consent_matching = BooleanField(_l("Looking for a volunteer (matching)"))
    consent_share_profile = BooleanField(
        _l("Sharing a short profile with the volunteer (first names, children's ages, "
           "languages, neighbourhood, needs)"))
    consent_contact_school = BooleanField(_l("Contacting the children's school"))
    special_category = RadioField(_l("Country of origin, community and religion"),
                                  choices=list(choices.SPECIAL_CATEGORY.items()), default="none")

    country_of_origin = SelectField(_l("Country of origin"),
                                    choices=[("", _l("— not recorded —"))]
                                    + list(vocab.COUNTRIES.items()),
                                    validators=[Optional()])
    community = SelectField(_l("Community"),
                            choices=vocab_choices("COMMUNITIES", _l("— not recorded —")),
                            validators=[Optional()])
    community_other = StringField(_l("Other community"), validators=[Optional(),
                                                                      Length(max=120)])
    religion = SelectField(_l("Religion"),
                           choices=vocab_choices("RELIGIONS", _l("— not recorded —")),
                           validators=[Optional()])
    religion_other = StringField(_l("Other religion"), validators=[Optional(),
                                                                    Length(max=120)])

    housed_on = DateField(_l("Date housed in the municipality"), validators=[Optional()])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=10)],
                           description=_l("For example 2312 AB. Volunteers see only the "
                                          "first four digits and the place."))
    address = StringField(_l("Street and house number"), validators=[Optional(),
                                                                       Length(max=200)])

    parents = FieldList(FormField(ParentForm), min_entries=2, max_entries=6)
    children = FieldList(FormField(ChildForm), min_entries=3, max_entries=12)

    needs = MultiCheckboxField(_l("What would the family like tips and advice about?"),
                               choices=list(vocab.THEMES.items()))
    needs_note = TextAreaField(_l("Note about the family's wishes"),
                               validators=[Optional(), Length(max=NOTE_MAX)])

    pref_volunteer_gender = RadioField(_l("Volunteer"), choices=list(
        choices.VOLUNTEER_GENDER.items()), default="any")
    pref_language = RadioField(_l("Language of the volunteer"),
                               choices=list(choices.LANGUAGE_PREFERENCE.items()), default="none")
    pref_not_own_community = BooleanField(_l("Not someone from our own community"))
    avoid_groups = SelectMultipleField(_l("Groups to avoid (kept confidential)"),
                                       choices=[], validators=[Optional()])
    groups_to_avoid = TextAreaField(_l("Other groups to avoid (one per line)"),
                                    validators=[Optional(), Length(max=NOTE_MAX)])
    preferred_dagdelen = MultiCheckboxField(
        _l("Preferred days"), choices=[(d, vocab.dagdeel_label(d)) for d in vocab.DAGDELEN])

    support_social_worker = SelectField(_l("Social counsellor (maatschappelijk begeleider)"),
                                        choices=list(choices.SOCIAL_WORKER.items()),
                                        validators=[Optional()])
    support_other_programmes = IntegerField(_l("Number of other programmes or volunteers"),
                                            default=0,
                                            validators=[Optional(), NumberRange(0, 10)])
    support_formal_care = BooleanField(_l("The family receives formal care (e.g. wijkteam, "
                                          "youth care)"))
    max_volunteers = IntegerField(_l("Most volunteers the family wants at the same time"),
                                  default=2, validators=[InputRequired(), NumberRange(1, 6)])
    existing_support_counts = BooleanField(_l("Existing support counts toward this number"))

    contact_person = StringField(_l("The family's one point of contact"),
                                 validators=[Optional(), Length(max=200)],
                                 description=_l("Name and organisation, e.g. 'Mira, "
                                                "VluchtelingenWerk'. Empty: the "
                                                "coordinator who introduces the match."))
    contact_phone = StringField(_l("Phone number of the point of contact"),
                                validators=[Optional(), Length(max=40)],
                                description=_l("The introduction gives the family this number."))
    message_channel = RadioField(_l("How the introduction message reaches the family"),
                                 choices=list(choices.CHANNELS.items()), default="letter")
    contact_detail = StringField(_l("Mobile number or e-mail address"),
                                 validators=[Optional(), Length(max=200)],
                                 description=_l("Needed for SMS, WhatsApp or e-mail. For SMS "
                                                "and WhatsApp: a mobile number, e.g. "
                                                "06 12345678 or +32 470 12 34 56."))
    message_language = SelectField(_l("Language for messages"),
                                   choices=[(c, vocab.LANGUAGES[c])
                                            for c in vocab.MESSAGE_LANGUAGES],
                                   default="nl")

    urgency = SelectField(_l("Urgency"), coerce=int, choices=list(choices.URGENCY.items()),
                          default=0)
    not_before = DateField(_l("Not before"), validators=[Optional()],
                           description=_l("Support does not start right after arrival. Left "
                                          "empty: 8 weeks after the housing date."))
    programme_note = TextAreaField(_l("Note for this programme only"),
                                   validators=[Optional(), Length(max=NOTE_MAX)])

    add_parent = SubmitField(_l("Add a parent"))
    add_child = SubmitField(_l("Add a child"))
    submit = SubmitField(_l("Save"))

    DETAIL_FIELDS = ("housed_on", "postcode", "address", "needs_note", "groups_to_avoid",
                     "contact_person", "contact_phone", "contact_detail", "country_of_origin",
                     "community", "community_other", "religion", "religion_other")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.avoid_groups.choices = vocab.group_choices()
        self._answers: dict[str, str | None] = {}

    # --- validation ----------------------------------------------------------------------

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        today = date.today()
        self._normalised_phone = None
        self._pc = None
        if not self.has_consent() and self.has_details():
            self.consent_asked_on.errors.append(
                _l("Record consent before storing anything about the family beyond the "
                   "referral. Fill in the date consent was asked, or clear the details."))
            ok = False
        if self.has_consent():
            if self.consent_asked_on.data > today:
                self.consent_asked_on.errors.append(_l("This date is in the future."))
                ok = False
            if not self.consent_language.data:
                self.consent_language.errors.append(
                    _l("Choose the language in which consent was asked."))
                ok = False
        if self.special_category.data == "none":
            for f in (self.country_of_origin, self.community, self.community_other,
                      self.religion, self.religion_other):
                if f.data:
                    f.errors.append(_l("Without consent for this, country of origin, "
                                       "community and religion are not stored. Clear this "
                                       "field or record that consent."))
                    ok = False
        if self.housed_on.data and self.housed_on.data > today:
            self.housed_on.errors.append(_l("The housing date cannot be in the future."))
            ok = False
        if self.postcode.data and self.postcode.data.strip():
            pc = vocab.parse_postcode(self.postcode.data)
            if pc is None:
                self.postcode.errors.append(_l("Enter a Dutch postcode, e.g. 2312 AB."))
                ok = False
            else:
                from matching.geo import default_table
                if pc[0] not in default_table():
                    self.postcode.errors.append(_l("This postcode does not exist."))
                    ok = False
                self._pc = pc
        self._answers = {}
        for select, other, name in ((self.community, self.community_other, "COMMUNITIES"),
                                    (self.religion, self.religion_other, "RELIGIONS")):
            value, problem = vocab_answer(select, other, name)
            if problem:
                other.errors.append(problem)
                ok = False
            self._answers[select.name] = value
        ok = self._validate_contact() and ok
        ok = self._validate_people(today) and ok
        return ok

    def _validate_contact(self) -> bool:
        phone = (self.contact_phone.data or "").strip()
        if phone and normalise_phone(phone) is None:
            self.contact_phone.errors.append(
                _l("Enter a phone number with digits only, e.g. 071 123 45 67."))
            return self._validate_channel() and False
        return self._validate_channel()

    def _validate_channel(self) -> bool:
        channel = self.message_channel.data
        detail = (self.contact_detail.data or "").strip()
        if not self.has_consent():
            return True
        if channel in ("sms", "whatsapp"):
            phone = normalise_mobile(detail)
            if phone is None:
                self.contact_detail.errors.append(
                    _l("For SMS or WhatsApp, enter a mobile number (06… or +country code)."))
                return False
            self._normalised_phone = phone
        elif channel == "email":
            try:
                Email()(self, self.contact_detail)
            except ValidationError:
                self.contact_detail.errors.append(_l("Enter a valid e-mail address."))
                return False
        return True

    def _validate_people(self, today: date) -> bool:
        ok = True
        for entry in self.parents:
            p = entry.form
            if p.is_empty() and (p.lang1.data or p.lang2.data or p.gender.data):
                p.name.errors.append(_l("Enter a first name or initials for this parent."))
                ok = False
        if self.has_consent() and all(e.form.is_empty() for e in self.parents):
            self.parents[0].form.name.errors.append(_l("Enter at least one parent."))
            ok = False
        for entry in self.children:
            c = entry.form
            if c.is_empty():
                continue
            if c.birth_year.data is None or not c.birth_month.data:
                (c.birth_year if c.birth_year.data is None else c.birth_month).errors.append(
                    _l("Enter both the year and the month of birth."))
                ok = False
                continue
            y, m = c.birth_year.data, int(c.birth_month.data)
            if (y, m) > (today.year, today.month):
                c.birth_year.errors.append(_l("A child cannot be born after today."))
                ok = False
            elif y < today.year - MAX_CHILD_AGE_YEARS:
                c.birth_year.errors.append(_l("Check the year of birth: that is more than "
                                              "%(n)s years ago.", n=MAX_CHILD_AGE_YEARS))
                ok = False
        return ok

    # --- reading -------------------------------------------------------------------------

    def has_consent(self) -> bool:
        return self.consent_asked_on.data is not None

    def has_details(self) -> bool:
        if any((getattr(self, n).data or "") not in ("", None) for n in self.DETAIL_FIELDS):
            return True
        if self.needs.data or self.preferred_dagdelen.data or self.avoid_groups.data:
            return True
        if any(not e.form.is_empty() for e in self.parents):
            return True
        return any(not e.form.is_empty() for e in self.children)

    def to_data(self) -> dict:
        """Plain data for :func:`webapp.families.services.save_family`."""
        consent = None
        if self.has_consent():
            consent = {
                "asked_on": self.consent_asked_on.data,
                "language": self.consent_language.data,
                "explained_by": self.consent_explained_by.data or "coordinator",
                "purpose_matching": bool(self.consent_matching.data),
                "purpose_share_profile": bool(self.consent_share_profile.data),
                "purpose_contact_school": bool(self.consent_contact_school.data),
                "special_category": self.special_category.data or "none",
            }
        data = {"referral_source": self.referral_source.data, "consent": consent,
                "urgency": self.urgency.data or 0,
                "programme_note": _clean(self.programme_note.data)
                if self.programme_note is not None else None}
        if consent is None:
            return data
        pc4, letters = self._pc if self._pc else (None, None)
        channel = self.message_channel.data or "letter"
        detail = _clean(self.contact_detail.data)
        if channel in ("sms", "whatsapp"):
            detail = self._normalised_phone
        special = consent["special_category"] != "none"
        data.update({
            "country_of_origin": (self.country_of_origin.data or None) if special else None,
            "community": self._answers.get("community") if special else None,
            "religion": self._answers.get("religion") if special else None,
            "housed_on": self.housed_on.data,
            "pc4": pc4, "postcode_letters": letters,
            "address": _clean(self.address.data),
            "max_volunteers": self.max_volunteers.data or 2,
            "existing_support_counts": bool(self.existing_support_counts.data),
            "support_social_worker": self.support_social_worker.data or None,
            "support_other_programmes": self.support_other_programmes.data or 0,
            "support_formal_care": bool(self.support_formal_care.data),
            "contact_person": _clean(self.contact_person.data),
            "contact_phone": _clean(self.contact_phone.data),
            "message_channel": channel,
            "contact_detail": detail,
            "message_language": self.message_language.data or "nl",
            "pref_volunteer_gender": self.pref_volunteer_gender.data or "any",
            "pref_language": self.pref_language.data or "none",
            "pref_not_own_community": bool(self.pref_not_own_community.data),
            "groups_to_avoid": self._groups_to_avoid(),
            "preferred_dagdelen": [d for d in vocab.DAGDELEN
                                   if d in (self.preferred_dagdelen.data or [])],
            "needs": [t for t in vocab.THEMES if t in (self.needs.data or [])],
            "needs_note": _clean(self.needs_note.data),
            "not_before": self.not_before.data,
            "parents": [_parent_data(e.form) for e in self.parents if not e.form.is_empty()],
            "children": [{"birth_year": e.form.birth_year.data,
                          "birth_month": int(e.form.birth_month.data),
                          "gender": e.form.gender.data or None}
                         for e in self.children if not e.form.is_empty()],
        })
        return data

    def _groups_to_avoid(self) -> str | None:
        """The chosen and typed groups to avoid, one group value per line (typed names of
        listed countries, communities or regions become their codes)."""
        groups: list[str] = []
        typed = [vocab.group_for_text(g) for g in (self.groups_to_avoid.data or "").splitlines()]
        for value in [*(self.avoid_groups.data or []), *typed]:
            if value and value not in groups:
                groups.append(value)
        return "\n".join(groups) or None

    def fill_from(self, family, urgency: int = 0) -> None:
        """Pre-fill the form (GET on the edit page) from a family; ``urgency``: that of its
        open requests in the editor's programmes."""
        c = family.consent
        self.referral_source.data = family.referral_source
        if c is not None and c.withdrawn_at is None:
            self.consent_asked_on.data = c.asked_on
            self.consent_language.data = c.language
            self.consent_explained_by.data = c.explained_by
            self.consent_matching.data = c.purpose_matching
            self.consent_share_profile.data = c.purpose_share_profile
            self.consent_contact_school.data = c.purpose_contact_school
            self.special_category.data = c.special_category
        for name in ("country_of_origin", "housed_on", "address",
                     "max_volunteers", "existing_support_counts", "support_other_programmes",
                     "support_formal_care", "contact_person", "contact_phone", "message_channel",
                     "contact_detail", "message_language", "pref_volunteer_gender",
                     "pref_language", "pref_not_own_community",
                     "preferred_dagdelen", "needs", "needs_note", "not_before"):
            value = getattr(family, name)
            if value is not None:
                getattr(self, name).data = value
        self.urgency.data = urgency
        fill_vocab(self.community, self.community_other,
                   vocab.code_for_text("COMMUNITIES", family.community))
        fill_vocab(self.religion, self.religion_other,
                   vocab.code_for_text("RELIGIONS", family.religion))
        groups = [vocab.group_for_text(g) for g in family.groups_to_avoid_list]
        self.avoid_groups.data = [g for g in groups if vocab.other_text(g) is None]
        self.groups_to_avoid.data = "\n".join(
            vocab.other_text(g) for g in groups if vocab.other_text(g) is not None)
        self.support_social_worker.data = family.support_social_worker or ""
        if family.pc4:
            self.postcode.data = f"{family.pc4} {family.postcode_letters or ''}".strip()
        _fill_list(self.parents, [{
            "name": p.name, "gender": p.gender or "",
            "lang1": (p.languages[0]["code"] if len(p.languages) > 0 else ""),
            "level1": (p.languages[0]["level"] if len(p.languages) > 0 else "native"),
            "lang2": (p.languages[1]["code"] if len(p.languages) > 1 else ""),
            "level2": (p.languages[1]["level"] if len(p.languages) > 1 else "basic"),
            "dutch_level": p.dutch_level or "A0", "can_read": p.can_read or "yes"}
            for p in family.parents], 2)
        _fill_list(self.children, [{"birth_year": ch.birth_year,
                                    "birth_month": str(ch.birth_month),
                                    "gender": ch.gender or ""} for ch in family.children], 3)


def _fill_list(field_list, rows: list[dict], minimum: int) -> None:
    while len(field_list):
        field_list.pop_entry()
    for row in rows:
        field_list.append_entry(row)
    while len(field_list) < max(minimum, len(rows) + 1):
        field_list.append_entry()


def _clean(value) -> str | None:
    value = (value or "").strip()
    return value or None


def _parent_data(p: ParentForm) -> dict:
    languages = []
    for code, level in ((p.lang1.data, p.level1.data), (p.lang2.data, p.level2.data)):
        if code and code not in [x["code"] for x in languages]:
            languages.append({"code": code, "level": level or "basic"})
    return {"name": p.name.data.strip(), "gender": p.gender.data or None,
            "languages": languages, "dutch_level": p.dutch_level.data or "A0",
            "can_read": p.can_read.data or "yes"}


class EnrolForm(FlaskForm):
    """Enrol a family into another programme of this coordinator."""

    programme_id = SelectField(_l("Programme"), coerce=int, validators=[InputRequired()])
    submit = SubmitField(_l("Enrol"))


class RequestForm(FlaskForm):
    """Change a request's status and this programme's note."""

    status = SelectField(_l("Status"), choices=list(choices.STATUSES.items()),
                         validators=[InputRequired()])
    note = TextAreaField(_l("Note for this programme only"),
                         validators=[Optional(), Length(max=NOTE_MAX)])
    submit = SubmitField(_l("Save"))


class FamilyFilterForm(FlaskForm):
    """Filters on the family list (GET, no CSRF)."""

    class Meta:
        csrf = False

    # Every select defaults to its "any" choice (""), so an empty query string is valid as
    # it is (and WTForms does not load its message catalogue to word an error it drops).

    q = StringField(_l("Search: reference, first name or postcode"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=[("", _l("All active"))]
                         + list(choices.STATUSES.items()), validators=[Optional()],
                         default="", widget=FastSelect())
    language = SelectField(_l("Language"), choices=_lang_choices(_l("Any language")),
                           validators=[Optional()], default="", widget=FastSelect())
    need = SelectField(_l("Need"), choices=[("", _l("Any need"))] + list(vocab.THEMES.items()),
                       validators=[Optional()], default="", widget=FastSelect())
    waited = SelectField(_l("Waiting for at least"),
                         choices=[("", _l("Any time")), ("4", _l("4 weeks")),
                                  ("8", _l("8 weeks")), ("13", _l("3 months")),
                                  ("26", _l("6 months"))], validators=[Optional()],
                         default="", widget=FastSelect())
    programme = SelectField(_l("Programme"), validators=[Optional()], default="",
                            widget=FastSelect())

    def filters(self):
        """The filters as :class:`~webapp.families.listing.Filters`. A value that is not one
        of the choices still filters (and so finds nothing): a programme of another
        organisation shows no families rather than all of one's own."""
        waited, programme = self.waited.data or "", self.programme.data or ""
        return Filters(status=self.status.data or None, language=self.language.data or None,
                       need=self.need.data or None,
                       waited_weeks=int(waited) if waited.isdigit() else None,
                       programme_id=int(programme) if programme.isdigit() else None,
                       q=self.q.data or None)
