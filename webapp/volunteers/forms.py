"""Forms of the volunteers area. Choices are filled from :mod:`webapp.vocab` at run time so
their labels follow the user's language."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from .. import uploads, vocab
from ..vocab_fields import fill_vocab, vocab_answer, vocab_choices

AGE_BANDS = {"0-3": _l("Children aged 0 to 3"), "4-11": _l("Children aged 4 to 11"),
             "12-17": _l("Teenagers aged 12 to 17")}
LEVEL_CHOICES = [("", _l("— choose —"))]
CONSENT_VERSION = "2026-11"


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (the ``field`` macro renders it as a list)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        values = dict(self.choices or []) if not callable(self.choices) else {}
        for value in self.data or ():
            if value not in values:
                raise ValidationError(_l("Please choose from the list."))


class LanguageRow(Form):
    """One language the volunteer speaks, with a level."""

    code = SelectField(_l("Language"), validators=[Optional()])
    level = SelectField(_l("Level"), validators=[Optional()])


def _year_now() -> int:
    return date.today().year


class ProfileFieldsMixin:
    """Fields shared by the registration form and the profile form."""

    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), Length(max=30)])
    birth_year = IntegerField(_l("Year of birth"), validators=[
        InputRequired(message=_l("Please fill in your year of birth.")),
        NumberRange(min=1920, max=2010, message=_l("Please give a year between 1920 and 2010."))])
    gender = RadioField(_l("Gender"), validators=[
        InputRequired(message=_l("Please choose one."))])
    postcode = StringField(_l("Postcode"), validators=[
        DataRequired(message=_l("Please fill in your postcode.")), Length(max=10)])
    travel_km = IntegerField(_l("How far will you travel? (km)"), default=5, validators=[
        InputRequired(message=_l("Please fill in a distance.")),
        NumberRange(min=0, max=100, message=_l("Please give a number from 0 to 100."))])
    dutch_level = SelectField(_l("Your Dutch"), validators=[
        DataRequired(message=_l("Please choose your level of Dutch."))])
    languages = FieldList(FormField(LanguageRow), min_entries=3, max_entries=3)
    refugee_background = RadioField(_l("Do you have a refugee background yourself?"),
                                    choices=[("no", _l("No")), ("yes", _l("Yes"))],
                                    default="no", validators=[InputRequired()])
    origin_country = SelectField(_l("Country of origin"), validators=[Optional()])
    arrival_year = IntegerField(_l("Year you came to the Netherlands"), validators=[
        Optional(), NumberRange(min=1950, max=2100,
                                message=_l("Please give a year from 1950 on."))])
    origin_region = SelectField(_l("Region of origin (optional)"), validators=[Optional()])
    origin_region_other = StringField(_l("Other region"),
                                      validators=[Optional(), Length(max=100)])
    community = SelectField(_l("Community (optional)"), validators=[Optional()])
    community_other = StringField(_l("Other community"),
                                  validators=[Optional(), Length(max=100)])
    origin_for_matching = BooleanField(
        _l("Koppel may use my country of origin, region and community when looking for a "
           "family for me (for example for families who ask for someone from outside their "
           "own community)"))
    religion = SelectField(_l("Religion (optional)"), validators=[Optional()])
    religion_other = StringField(_l("Other religion"), validators=[Optional(), Length(max=100)])
    religion_for_matching = BooleanField(
        _l("Koppel may use my religion when looking for a family for me"))
    parenting_experience = MultiCheckboxField(_l("Experience with children of your own or "
                                                 "in your family"))
    occupation = StringField(_l("Occupation or education (optional)"),
                             validators=[Optional(), Length(max=200)])
    dagdelen = MultiCheckboxField(_l("When are you available?"))
    max_families = IntegerField(_l("How many families at the same time?"), default=1,
                                validators=[InputRequired(message=_l("Please fill in a number.")),
                                            NumberRange(min=1, max=5, message=_l(
                                                "Please give a number from 1 to 5."))])
    hours_per_week = IntegerField(_l("Hours per week"), default=2, validators=[
        InputRequired(message=_l("Please fill in a number.")),
        NumberRange(min=1, max=40, message=_l("Please give a number from 1 to 40."))])
    programmes = MultiCheckboxField(_l("Which programmes interest you?"), coerce=int)
    themes = MultiCheckboxField(_l("Topics you feel confident talking about"))
    motivation = TextAreaField(_l("Why do you want to be a volunteer? (a few sentences)"),
                               validators=[Optional(), Length(max=2000, message=_l(
                                   "Please keep it under 2000 characters."))])

    def fill_choices(self, programme_choices: list[tuple[int, str]]) -> None:
        """Set the choices in the user's language (call after creating the form)."""
        self.gender.choices = list(vocab.GENDERS.items())
        self.dutch_level.choices = [("", _l("— choose —")), ("native", _l("Native language"))] \
            + [(c, c) for c in reversed(vocab.CEFR_LEVELS)]
        lang_choices = [("", _l("— none —"))] + sorted(
            ((c, str(n)) for c, n in vocab.LANGUAGES.items() if c != "nl"), key=lambda x: x[1])
        level_choices = [("", _l("— choose —"))] + list(vocab.LANGUAGE_LEVELS.items())
        for row in self.languages:
            row.code.choices = lang_choices
            row.level.choices = level_choices
        self.origin_country.choices = [("", _l("— choose —"))] + [
            (c, n) for c, n in vocab.COUNTRIES.items() if c != "NL"]
        self.origin_region.choices = vocab_choices("REGIONS", _l("— not given —"))
        self.community.choices = vocab_choices("COMMUNITIES", _l("— not given —"))
        self.religion.choices = vocab_choices("RELIGIONS", _l("— not given —"))
        self.parenting_experience.choices = list(AGE_BANDS.items())
        self.dagdelen.choices = [(d, vocab.dagdeel_label(d)) for d in vocab.DAGDELEN]
        self.programmes.choices = programme_choices
        self.themes.choices = list(vocab.THEMES.items())

    def validate_postcode(self, field):
        parsed = vocab.parse_postcode(field.data or "")
        if parsed is None:
            raise ValidationError(_l("Please give a Dutch postcode, such as 2312 AB."))
        from matching.geo import default_table
        if parsed[0] not in default_table():
            raise ValidationError(_l("We do not know this postcode. Please check it."))

    def validate(self, extra_validators=None):
        """Field checks, then the ones that depend on the refugee-background answer (run
        here because an empty optional field stops its own validator chain)."""
        ok = super().validate(extra_validators)
        self._answers: dict[str, str | None] = {}
        for select, other, name in (
                (self.origin_region, self.origin_region_other, "REGIONS"),
                (self.community, self.community_other, "COMMUNITIES"),
                (self.religion, self.religion_other, "RELIGIONS")):
            value, problem = vocab_answer(select, other, name)
            if problem:
                other.errors = list(other.errors) + [problem]
                ok = False
            self._answers[select.name] = value
        if self.refugee_background.data != "yes":
            return ok
        if not self.origin_country.data:
            self.origin_country.errors = list(self.origin_country.errors) + [
                _l("Please choose your country of origin.")]
            ok = False
        year = self.arrival_year.data
        problem = None
        if year is None and not self.arrival_year.errors:
            problem = _l("Please fill in the year you came to the Netherlands.")
        elif year is not None and year > _year_now():
            problem = _l("This year has not begun yet.")
        elif year is not None and self.birth_year.data and year < self.birth_year.data:
            problem = _l("This is before your year of birth.")
        if problem:
            self.arrival_year.errors = list(self.arrival_year.errors) + [problem]
            ok = False
        return ok

    def validate_languages(self, field):
        seen = set()
        for row in field:
            code, level = row.code.data, row.level.data
            if code and not level:
                row.level.errors = list(row.level.errors) + [_l("Please choose a level.")]
                raise ValidationError(_l("Please choose a level for each language."))
            if code in seen:
                raise ValidationError(_l("You chose the same language twice."))
            if code:
                seen.add(code)

    def profile_data(self) -> dict:
        """The profile values in stored form (codes), for the services layer."""
        pc4, letters = vocab.parse_postcode(self.postcode.data)
        languages = {r.code.data: r.level.data for r in self.languages
                     if r.code.data and r.level.data}
        refugee = self.refugee_background.data == "yes"
        answers = getattr(self, "_answers", {})
        return {
            "phone": (self.phone.data or "").strip() or None,
            "birth_year": self.birth_year.data,
            "gender": self.gender.data,
            "pc4": pc4, "postcode_letters": letters,
            "travel_km": self.travel_km.data,
            "dutch_level": self.dutch_level.data,
            "languages": languages,
            "refugee_background": refugee,
            "origin_country": self.origin_country.data if refugee else None,
            "origin_region": answers.get("origin_region") if refugee else None,
            "community": answers.get("community"),
            "arrival_year": self.arrival_year.data if refugee else None,
            "religion": answers.get("religion"),
            "religion_for_matching": bool(self.religion_for_matching.data),
            "origin_for_matching": bool(self.origin_for_matching.data),
            "parenting_experience": list(self.parenting_experience.data or []),
            "occupation": (self.occupation.data or "").strip() or None,
            "dagdelen": list(self.dagdelen.data or []),
            "max_families": self.max_families.data,
            "hours_per_week": self.hours_per_week.data,
            "programme_ids": list(self.programmes.data or []),
            "themes": list(self.themes.data or []),
            "motivation": (self.motivation.data or "").strip() or None,
        }

    def load(self, volunteer) -> None:
        """Fill the form from a stored profile (GET of the profile page)."""
        v = volunteer
        self.phone.data = v.phone
        self.birth_year.data = v.birth_year
        self.gender.data = v.gender
        self.postcode.data = v.postcode
        self.travel_km.data = v.travel_km
        self.dutch_level.data = v.dutch_level
        others = [(c, lvl) for c, lvl in (v.languages or {}).items() if c != "nl"]
        for row, (code, level) in zip(self.languages, others):
            row.code.data, row.level.data = code, level
        self.refugee_background.data = "yes" if v.refugee_background else "no"
        self.origin_country.data = v.origin_country
        self.arrival_year.data = v.arrival_year
        fill_vocab(self.religion, self.religion_other, vocab.code_for_text("RELIGIONS", v.religion))
        fill_vocab(self.community, self.community_other,
                   vocab.code_for_text("COMMUNITIES", v.community))
        fill_vocab(self.origin_region, self.origin_region_other,
                   vocab.code_for_text("REGIONS", v.origin_region))
        self.religion_for_matching.data = v.religion_for_matching
        self.origin_for_matching.data = v.origin_for_matching
        self.parenting_experience.data = list(v.parenting_experience or [])
        self.occupation.data = v.occupation
        self.dagdelen.data = list(v.dagdelen or [])
        self.max_families.data = v.max_families
        self.hours_per_week.data = v.hours_per_week
        self.programmes.data = [p.id for p in v.programmes]
        self.themes.data = list(v.themes or [])
        self.motivation.data = v.motivation


class RegistrationForm(ProfileFieldsMixin, FlaskForm):
    name = StringField(_l("Your name"), validators=[
        DataRequired(message=_l("Please fill in your name.")), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Please fill in your e-mail address.")),
        Email(message=_l("This is not a valid e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Choose a password"), validators=[
        DataRequired(message=_l("Please choose a password.")), Length(max=1000)])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(message=_l("Please repeat the password.")),
        EqualTo("password", message=_l("The two passwords are not the same."))])
    consent = BooleanField(_l("I agree that Koppel stores and uses these details as described "
                              "above."), validators=[DataRequired(message=_l(
                                  "We can only register you when you agree."))])
    consent_version = HiddenField(default=CONSENT_VERSION)


class ProfileForm(ProfileFieldsMixin, FlaskForm):
    pass


class TypedDateField(DateField):
    """A date field whose message for a date that cannot be read is the house's (and
    translated); what was typed stays in the field (``_value`` shows the raw input)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Please give a valid date, such as 2026-03-14.")) from None


class StatusForm(FlaskForm):
    action = SelectField(choices=[("pause", "pause"), ("resume", "resume"), ("leave", "leave")])
    paused_until = TypedDateField(_l("Not available until"), validators=[Optional()])


PART_WHOLE = "__all__"


class CompletionForm(FlaskForm):
    """A volunteer logs a completion (with an optional certificate)."""

    item = SelectField(_l("Training"), validators=[DataRequired(message=_l(
        "Please choose a training."))])
    part = SelectField(_l("Part"), validators=[Optional()])
    completed_on = DateField(_l("Date you completed it"), validators=[
        InputRequired(message=_l("Please fill in a date, such as 2026-03-14."))])
    certificate = FileField(_l("Certificate (optional: PDF, PNG or JPEG)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the limit the app applies (config MAX_UPLOAD_MB), not a number of its own
        self.certificate.label.text = _l(
            "Certificate (optional: PDF, PNG or JPEG, at most %(mb)s MB)", mb=uploads.limit_mb())


class ReviewForm(FlaskForm):
    decision = SelectField(choices=[("verify", "verify"), ("reject", "reject")])
    reason = TextAreaField(_l("Reason (shown to the volunteer)"),
                           validators=[Optional(), Length(max=500)])

    def validate_reason(self, field):
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_l("Please say why, so the volunteer knows what to do."))


SCREENING_PROFILES = {
    "84": _l("Profile 84: working with children (individual screening area)"),
    "45": _l("Profile 45: general screening, working with minors"),
    "other": _l("Other screening profile"),
}


class VogForm(FlaskForm):
    issued_on = DateField(_l("Date of issue"), validators=[
        InputRequired(message=_l("Please fill in a date, such as 2026-03-14."))])
    screening_profile = SelectField(_l("Screening profile asked for"),
                                    choices=list(SCREENING_PROFILES.items()), default="84")
    free_vog_scheme = BooleanField(_l("Requested through the free-VOG scheme for volunteers"))
    original_seen = BooleanField(_l("I have seen the original"))


CHECK_KINDS = {"references": _l("References"), "interview": _l("Interview"),
               "other": _l("Other check")}


class CheckForm(FlaskForm):
    done_on = DateField(_l("Date"), validators=[
        InputRequired(message=_l("Please fill in a date, such as 2026-03-14."))])
    kind = SelectField(_l("Kind of check"), choices=list(CHECK_KINDS.items()))
    note = TextAreaField(_l("Note (optional, only what the work needs)"),
                         validators=[Optional(), Length(max=1000)])


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), default="Themabijeenkomst rond vluchtelinggezinnen",
                        validators=[DataRequired(message=_l("Please fill in a title.")),
                                    Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[
        InputRequired(message=_l("Please fill in the date and time."))])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[
        InputRequired(message=_l("Please fill in the date and time."))])
    place = StringField(_l("Place (address)"), validators=[Optional(), Length(max=300)])
    online_url = URLField(_l("Or: online link"), validators=[
        Optional(), Length(max=500), URL(message=_l("This is not a valid web address."))])
    language = SelectField(_l("Language of the session"))
    capacity = IntegerField(_l("Number of places"), default=15, validators=[
        InputRequired(message=_l("Please fill in a number.")),
        NumberRange(min=1, max=500, message=_l("Please give a number from 1 to 500."))])
    programmes = MultiCheckboxField(_l("Invite the volunteers of"), coerce=int, validators=[
        DataRequired(message=_l("Please choose at least one programme."))])

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not (self.place.data or "").strip() and not (self.online_url.data or "").strip():
            self.place.errors = list(self.place.errors) + [
                _l("Please give a place or an online link.")]
            ok = False
        return ok

    def validate_online_url(self, field):
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("This is not a valid web address."))


class ImportForm(FlaskForm):
    file = FileField(_l("File (CSV or Excel .xlsx)"))
    programme = SelectField(_l("Add the volunteers to programme"), coerce=int)
