"""Forms of the groups area (labels translated lazily)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..clock import in_the_past
from ..vocab import DAGDELEN, LANGUAGES, THEMES, dagdeel_label
from . import texts


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _dagdelen():
    return [(c, dagdeel_label(c)) for c in DAGDELEN]


class RoundForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[DataRequired(), Length(max=200)])
    municipality = StringField(_l("Municipality"), validators=[Optional(), Length(max=120)])
    settled_since = DateField(_l("Invite families settled since"), validators=[Optional()])
    first_meeting_on = DateTimeLocalField(_l("First meeting (planned)"),
                                          format="%Y-%m-%dT%H:%M",
                                          validators=[InputRequired(
                                              message=_l("Please give a date and time."))])
    place = StringField(_l("Meeting place (name and address)"),
                        validators=[DataRequired(), Length(max=300)])
    pc4 = StringField(_l("Postcode of the meeting place (4 digits)"),
                      validators=[Optional(), Regexp(r"^[1-9][0-9]{3}$", message=_l(
                          "Please give 4 digits, e.g. 2312."))])
    slots = MultiCheckboxField(_l("When the place is available"), choices=_dagdelen,
                               validators=[DataRequired(message=_l(
                                   "Please choose at least one time."))])
    contact_name = StringField(_l("Contact person for the parents"),
                               validators=[DataRequired(), Length(max=200)])
    contact_phone = StringField(_l("Their phone number"),
                                validators=[DataRequired(), Length(max=40)])
    min_size = IntegerField(_l("Smallest group"), default=12,
                            validators=[InputRequired(), NumberRange(min=2, max=40)])
    max_size = IntegerField(_l("Largest group"), default=15,
                            validators=[InputRequired(), NumberRange(min=2, max=40)])
    max_km = IntegerField(_l("Longest distance to the meeting place (km)"), default=10,
                          validators=[InputRequired(), NumberRange(min=1, max=100)])
    submit = SubmitField(_l("Save"))

    def validate_first_meeting_on(self, field):
        if field.data is not None and in_the_past(field.data):
            raise ValidationError(texts.past_meeting_text())

    def validate_max_size(self, field):
        if self.min_size.data and field.data is not None and field.data < self.min_size.data:
            raise ValidationError(_l("The largest group cannot be smaller than the smallest."))


class AnswerForm(FlaskForm):
    answer = RadioField(_l("Answer"), choices=list(texts.ANSWERS.items()),
                        validators=[InputRequired()])
    slots = MultiCheckboxField(_l("When can they come?"), choices=_dagdelen)
    family_wish = RadioField(_l("With the other parent of the family"),
                             choices=list(texts.FAMILY_WISHES.items()), default="any",
                             validators=[InputRequired()])
    submit = SubmitField(_l("Save the answer"))


class FollowUpForm(FlaskForm):
    channel = SelectField(_l("How"), choices=list(texts.FOLLOW_UP_CHANNELS.items()))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=1000)])
    submit_follow_up = SubmitField(_l("Record the follow-up"))


class StaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=list(texts.ROLES.items()))
    languages = MultiCheckboxField(_l("Languages"), choices=lambda: [
        (c, str(v)) for c, v in LANGUAGES.items()])
    slots = MultiCheckboxField(_l("Available"), choices=_dagdelen,
                               validators=[DataRequired(message=_l(
                                   "Please choose at least one time."))])
    genders = MultiCheckboxField(_l("Leads groups of"), choices=list(
        texts.GENDER_GROUPS.items()), default=["f", "m"],
        validators=[DataRequired(message=_l("Please choose mothers, fathers or both."))])
    max_groups = IntegerField(_l("At most this many groups at once"), default=1,
                              validators=[InputRequired(), NumberRange(min=1, max=10)])
    submit = SubmitField(_l("Add"))


class OverrideForm(FlaskForm):
    override_reason = TextAreaField(_l("Why go ahead although a rule says no?"),
                                    validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Approve"))


class PlanMeetingsForm(FlaskForm):
    first = DateTimeLocalField(_l("First meeting"), format="%Y-%m-%dT%H:%M",
                               validators=[InputRequired(message=_l(
                                   "Please give a date and time."))])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=300)])
    override_reason = TextAreaField(_l("Why go ahead although a rule says no?"),
                                    validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Plan five meetings"))


class MeetingForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(message=_l(
                                       "Please give a date and time."))])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=300)])
    theme = SelectField(_l("Theme"), choices=list(texts.MEETING_THEMES.items()))
    guest = SelectField(_l("Guest speaker"), choices=list(texts.PARTNERS.items()))
    guest_name = StringField(_l("Name of the guest speaker (optional)"),
                             validators=[Optional(), Length(max=200)])
    language = SelectField(_l("Language"), choices=lambda: [
        (c, str(v)) for c, v in LANGUAGES.items()])
    override_reason = TextAreaField(_l("Why go ahead although a rule says no?"),
                                    validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class WhatsAppForm(FlaskForm):
    link = StringField(_l("WhatsApp group link"), validators=[Optional(), Length(max=200)])
    submit_link = SubmitField(_l("Save the link"))


class EvaluationForm(FlaskForm):
    useful = RadioField(_l("Was it useful?"), choices=list(texts.USEFUL.items()),
                        validators=[InputRequired(message=_l("Please choose an answer."))])
    wishes = MultiCheckboxField(_l("What would they like next?"),
                                choices=list(texts.WISHES.items()))
    themes = MultiCheckboxField(_l("Themes they want to hear more about"),
                                choices=list(THEMES.items()))
    submit = SubmitField(_l("Save the evaluation"))


class ReferForm(FlaskForm):
    programme_id = SelectField(_l("Programme"), coerce=int, validators=[InputRequired()])
    consent = BooleanField(_l("The parent agreed that we pass their family on to this "
                              "programme"))
    submit = SubmitField(_l("Refer"))
