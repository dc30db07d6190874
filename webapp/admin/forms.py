"""Admin forms: an organisation, a new programme, a programme's area, rules and coordinators;
inviting a coordinator or admin, and a user's role and programmes; an item of the training
catalogue.

The forms check what one field (or two together) can tell; the ranges come from
``webapp.programme_types``. The services (``webapp.admin.services``) store the result.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .. import programme_types as pt
from ..families.forms import MultiCheckboxField

MAX_AREA_ITEMS = 60
_WHOLE = _l("Give a whole number, for example 36.")
_PC4 = re.compile(r"^[1-9][0-9]{3}$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{8,20}$")
_RANGE = _l("Give a number from %(min)s to %(max)s.")


def split_list(text: str | None) -> list[str]:
    """Items typed one per line or separated by commas (or semicolons), trimmed, without
    duplicates (the first spelling wins), in the order typed."""
    seen: dict[str, str] = {}
    for item in re.split(r"[\n,;]+", text or ""):
        item = " ".join(item.split())
        if item and item.lower() not in seen:
            seen[item.lower()] = item
    return list(seen.values())


def _check_municipalities(form, field):
    items = split_list(field.data)
    if len(items) > MAX_AREA_ITEMS:
        raise ValidationError(_l("Give at most %(n)s municipalities.", n=MAX_AREA_ITEMS))
    if any(len(item) > 120 for item in items):
        raise ValidationError(_l("A municipality's name has at most 120 characters."))


def _check_postcode_areas(form, field):
    items = split_list(field.data)
    wrong = [item for item in items if not _PC4.match(item)]
    if wrong:
        raise ValidationError(_l("These are not 4-digit postcode areas: %(items)s. Give the "
                                 "four digits only, for example 2312.", items=", ".join(wrong)))
    if len(items) > MAX_AREA_ITEMS:
        raise ValidationError(_l("Give at most %(n)s postcode areas.", n=MAX_AREA_ITEMS))


def _check_phone(form, field):
    if field.data and not _PHONE.match(field.data.strip()):
        raise ValidationError(_l("Give a phone number in digits, for example 071 512 34 56."))


class WholeNumberField(IntegerField):
    """An integer field whose "not a number" message is ours (translated); an empty value is
    None. What was typed is shown again."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(str(_WHOLE)) from None


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        InputRequired(message=_l("Please give the organisation's name.")), Length(max=200)])
    municipalities = TextAreaField(_l("Municipalities served"),
                                   validators=[_check_municipalities])
    postal_address = TextAreaField(_l("Postal address (printed in letters)"),
                                   validators=[Length(max=500)])
    phone = StringField(_l("Phone number (printed in letters)"),
                        validators=[Optional(), Length(max=40), _check_phone])
    email = StringField(_l("E-mail address (printed in letters)"), validators=[
        Optional(), Length(max=254),
        Email(message=_l("This is not an e-mail address. Please check it."))])
    logo = FileField(_l("Logo (optional: PNG or JPEG, at most 1 MB)"))
    submit = SubmitField(_l("Save"))

    def to_data(self) -> dict:
        return {"name": " ".join(self.name.data.split()),
                "municipalities": split_list(self.municipalities.data),
                "postal_address": (self.postal_address.data or "").strip() or None,
                "phone": (self.phone.data or "").strip() or None,
                "email": (self.email.data or "").strip() or None}


class AreaMixin:
    """A programme's name and area (municipalities and/or postcode areas)."""

    name = StringField(_l("Name"), validators=[
        InputRequired(message=_l("Please give the programme's name.")), Length(max=200)])
    municipalities = TextAreaField(_l("Municipalities"), validators=[_check_municipalities])
    postcode_areas = TextAreaField(_l("Postcode areas (4 digits)"),
                                   validators=[_check_postcode_areas])

    def validate_postcode_areas(self, field):
        if not split_list(self.municipalities.data) and not split_list(field.data):
            raise ValidationError(_l("Give at least one municipality or postcode area."))

    def area_data(self) -> dict:
        return {"name": " ".join(self.name.data.split()),
                "municipalities": split_list(self.municipalities.data),
                "postcode_areas": split_list(self.postcode_areas.data)}


class ProgrammeNewForm(AreaMixin, FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[
        InputRequired(message=_l("Please choose an organisation."))])
    type_code = SelectField(_l("Kind of programme"), validators=[
        InputRequired(message=_l("Please choose the kind of programme."))])
    submit = SubmitField(_l("Create the programme"))


class ProgrammeForm(AreaMixin, FlaskForm):
    """A programme's name, area, rules (starting from its type's defaults) and coordinators."""

    volunteer_gender = SelectField(_l("Volunteers"), choices=[
        ("", _l("Women and men")), ("f", _l("Women only")), ("m", _l("Men only"))])
    age_from = IntegerField(_l("Children's age from (years)"), validators=[
        Optional(), NumberRange(*pt.AGE_YEARS_RANGE, message=_RANGE)])
    age_to = IntegerField(_l("Children's age up to (years)"), validators=[
        Optional(), NumberRange(*pt.AGE_YEARS_RANGE, message=_RANGE)])
    hours_per_match = DecimalField(_l("Hours per week a match takes"), places=None, validators=[
        InputRequired(message=_l("Please give the hours (0 if they are not counted).")),
        NumberRange(*pt.HOURS_PER_MATCH_RANGE, message=_RANGE)])
    volunteers_per_family = IntegerField(_l("Volunteers per family"), validators=[
        InputRequired(message=_l("Please give the number of volunteers per family.")),
        NumberRange(*pt.VOLUNTEERS_PER_FAMILY_RANGE, message=_RANGE)])
    trios = BooleanField(_l("Trios: a family, a volunteer who arrived earlier (oudkomer) and "
                            "a Dutch volunteer"))
    fixed_days = BooleanField(_l("Volunteer and family must share a half-day of the week"))
    min_common_level = SelectField(_l("Shared language at least"), choices=[
        ("basic", _l("Basic")), ("good", _l("Good")), ("native", _l("Native"))])
    required_training = MultiCheckboxField(_l("Required training"))
    recommended_training = MultiCheckboxField(_l("Recommended training"))
    renewal_window_days = WholeNumberField(
        _l("Remind to renew from this many days before a training expires"), validators=[
            InputRequired(message=_l("Please give the renewal window in days (0: none).")),
            NumberRange(*pt.RENEWAL_WINDOW_DAYS_RANGE, message=_RANGE)])
    grace_days = WholeNumberField(
        _l("Grace period: an expired training still counts for this many days"), validators=[
            InputRequired(message=_l("Please give the grace period in days (0: none).")),
            NumberRange(*pt.GRACE_DAYS_RANGE, message=_RANGE)])
    vog_required = BooleanField(_l("A VOG (certificate of conduct) is required"))
    vog_renewal_months = WholeNumberField(
        _l("A VOG is valid for (months; empty: does not expire)"),
        validators=[Optional(), NumberRange(*pt.VOG_RENEWAL_MONTHS_RANGE, message=_RANGE)])
    vog_profiles = MultiCheckboxField(_l("Screening profiles accepted (none ticked: any "
                                         "profile)"))
    additional_check_required = BooleanField(_l("An additional check (references or an "
                                                "interview), for every volunteer of this "
                                                "programme alike"))
    coordinators = MultiCheckboxField(_l("Coordinators of this programme"), coerce=int)
    submit = SubmitField(_l("Save"))

    def fill_choices(self, training_choices, coordinator_choices) -> None:
        from ..volunteers.forms import SCREENING_PROFILES
        self.required_training.choices = training_choices
        self.recommended_training.choices = training_choices
        self.coordinators.choices = coordinator_choices
        self.vog_profiles.choices = [(code, label) for code, label in SCREENING_PROFILES.items()
                                     if code != "other"]

    @classmethod
    def for_items(cls, items) -> type[ProgrammeForm]:
        """This form with one validity field (months; empty: does not expire) per training
        item in ``items`` (pairs of code and title; ``programme_types.validity_field``)."""
        fields = {pt.validity_field(code): WholeNumberField(title, validators=[
            Optional(), NumberRange(*pt.VALIDITY_MONTHS_RANGE, message=_RANGE)])
            for code, title in items}
        return type("ProgrammeFormWithItems", (cls,), fields)

    def validity_fields(self) -> list:
        return [field for name, field in self._fields.items()
                if name.startswith(pt.VALIDITY_PREFIX)]

    def validate_age_to(self, field):
        if (self.age_from.data is None) != (field.data is None):
            raise ValidationError(_l("Give both ages, or neither for no age limit."))
        if field.data is not None and self.age_from.data is not None \
                and field.data < self.age_from.data:
            raise ValidationError(_l("The upper age is lower than the lower age."))

    def validate_volunteers_per_family(self, field):
        if self.trios.data and field.data is not None and field.data != pt.TRIO_VOLUNTEERS:
            raise ValidationError(_l("A trio has %(n)s volunteers per family. Set %(n)s, or "
                                     "switch trios off.", n=pt.TRIO_VOLUNTEERS))

    def validate_recommended_training(self, field):
        both = set(field.data or ()) & set(self.required_training.data or ())
        if both:
            labels = dict(self.required_training.choices)
            raise ValidationError(_l("Training cannot be both required and recommended: "
                                     "%(items)s.", items=", ".join(
                                         str(labels.get(c, c)) for c in sorted(both))))

    def rule_values(self) -> dict:
        values = {name: getattr(self, name).data for name in pt.RULE_FIELDS}
        values["volunteer_gender"] = values["volunteer_gender"] or ""
        values.update({field.name: field.data for field in self.validity_fields()})
        return values

    def set_rule_values(self, values: dict) -> None:
        for name in pt.RULE_FIELDS:
            getattr(self, name).data = values.get(name)


# --- users ---------------------------------------------------------------------------------

ROLE_CHOICES = [("coordinator", _l("Coordinator")), ("admin", _l("Administrator"))]


def _check_staff_phone(form, field):
    """The same rule as a staff member's own details page (introductions give the number)."""
    from ..messaging.channels import normalise_phone
    if field.data and field.data.strip() and normalise_phone(field.data) is None:
        raise ValidationError(_l("Enter a phone number with digits only, e.g. 071 123 45 67."))


class UserInviteForm(FlaskForm):
    """Invite a coordinator or an admin. ``organisation_id`` and ``locale`` get their choices
    in the view: an organisation's admin has only their own organisation; the installation
    admin also "none" (an installation-wide admin), as the value ""."""

    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Please give the person's name.")), Length(max=200)],
        description=_l("As families and volunteers will read it, e.g. 'Mira Haddad'."))
    email = StringField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Please give the e-mail address the invitation goes to.")),
        Length(max=254), Email(message=_l("This is not an e-mail address. Please check it."))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "dir": "ltr"})
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40),
                                                        _check_staff_phone])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[
        InputRequired(message=_l("Please choose a role."))])
    organisation_id = SelectField(_l("Organisation"))
    locale = SelectField(_l("Language of the invitation"))
    submit = SubmitField(_l("Send the invitation"))

    def to_data(self) -> dict:
        value = self.organisation_id.data
        return {"name": " ".join(self.name.data.split()), "email": self.email.data.strip(),
                "phone": (self.phone.data or "").strip() or None, "role": self.role.data,
                "organisation_id": int(value) if value else None,
                "locale": self.locale.data or None}


class UserEditForm(FlaskForm):
    """A staff member's role and, for a coordinator, the programmes they run (choices from
    ``services.assignable_programmes``)."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[
        InputRequired(message=_l("Please choose a role."))])
    programmes = MultiCheckboxField(_l("Programmes this coordinator runs"), coerce=int)
    submit = SubmitField(_l("Save"))


def show_error(form, exc) -> None:
    """Put a service's refusal (``AdminError``) on its form field, or on the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


# --- the training catalogue ----------------------------------------------------------------

def _check_url(form, field):
    value = (field.data or "").strip()
    if value and not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
        raise ValidationError(_l("Give a web address starting with https:// or http://."))


class CatalogueItemEditForm(FlaskForm):
    """What can change about an item: titles, provider, link and default validity."""

    title_nl = StringField(_l("Title in Dutch"), validators=[
        InputRequired(message=_l("Please give the Dutch title.")), Length(max=300)])
    title_en = StringField(_l("Title in English"), validators=[
        InputRequired(message=_l("Please give the English title.")), Length(max=300)])
    provider = StringField(_l("Provider (optional)"), validators=[Optional(), Length(max=200)])
    url = StringField(_l("Web address (optional)"), validators=[
        Optional(), Length(max=500), _check_url], render_kw={"dir": "ltr"})
    validity_months = WholeNumberField(
        _l("Valid for (months; empty: does not expire)"),
        validators=[Optional(), NumberRange(*pt.VALIDITY_MONTHS_RANGE, message=_RANGE)])
    submit = SubmitField(_l("Save"))

    def to_data(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("title_nl", "title_en", "provider", "url", "validity_months")}


class CatalogueItemForm(CatalogueItemEditForm):
    """A new item: also its code (kept for good) and kind."""

    code = StringField(_l("Code"), validators=[
        InputRequired(message=_l("Please give a code.")), Length(max=60)],
        description=_l("Lower-case letters, digits and underscores, e.g. eerste_hulp. It "
                       "cannot be changed later."),
        render_kw={"dir": "ltr", "spellcheck": "false", "autocomplete": "off"})
    kind = SelectField(_l("Kind"), choices=[
        ("course", _l("Course or training")), ("session", _l("Session or meeting")),
        ("elearning", _l("E-learning"))], validators=[
        InputRequired(message=_l("Please choose the kind of training."))])
    submit = SubmitField(_l("Add to the catalogue"))

    def validate_code(self, field):
        from ..training_catalogue import CODE_PATTERN
        if field.data and not CODE_PATTERN.match(field.data.strip()):
            raise ValidationError(_l("Use 2 to 60 lower-case letters, digits and underscores, "
                                     "starting with a letter, for example eerste_hulp."))

    def to_data(self) -> dict:
        return {**super().to_data(), "code": (self.code.data or "").strip(),
                "kind": self.kind.data}
