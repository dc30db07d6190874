"""Forms of the matching area."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                ValidationError)
from wtforms.widgets import CheckboxInput, ListWidget

from ..clock import as_local, in_the_past
from ..vocab import THEMES
from .texts import END_REASON_LABELS, REJECTION_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StartRunForm(FlaskForm):
    municipality = StringField(_l("Only families in this municipality (optional)"),
                               validators=[Optional(), Length(max=120)])
    urgent_only = BooleanField(_l("Only families marked urgent or high priority"))
    submit = SubmitField(_l("Start matching"))


class RejectForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=list(REJECTION_LABELS.items()),
                         validators=[DataRequired(message=_l("Please choose a reason."))])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Reject"))


class ManualMatchForm(FlaskForm):
    request_id = SelectField(_l("Family"), coerce=int,
                             validators=[InputRequired(message=_l("Please choose a family."))])
    volunteer_id = SelectField(_l("Volunteer"), coerce=int,
                               validators=[InputRequired(message=_l("Please choose a volunteer."))])
    override_reason = TextAreaField(
        _l("Why do you match them although a rule says no? (only when a rule is broken)"),
        validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Match by hand"))


class EndMatchForm(FlaskForm):
    reason = SelectField(_l("Why does the match end?"), choices=list(END_REASON_LABELS.items()),
                         validators=[DataRequired(message=_l("Please choose a reason."))])
    needs_more = RadioField(_l("Does the family want a new volunteer?"),
                            choices=[("auto", _l("Decide from the reason")),
                                     ("yes", _l("Yes, put them on the waiting list again")),
                                     ("no", _l("No"))], default="auto")
    evaluation = TextAreaField(_l("Short evaluation (optional)"),
                               validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("End the match"))


class ContactMomentForm(FlaskForm):
    happened_on = DateField(_l("Date"), validators=[InputRequired(
        message=_l("Please give a valid date."))])
    minutes = IntegerField(_l("How long (minutes)"), validators=[
        InputRequired(message=_l("Please give the duration in minutes.")),
        NumberRange(min=1, max=1440, message=_l("Please give the duration in minutes (1 to 1440)."))])
    themes = MultiCheckboxField(_l("What did you talk about?"), choices=list(THEMES.items()))
    note = TextAreaField(_l("Note for your coordinator (optional)"),
                         validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class ConcernForm(FlaskForm):
    text = TextAreaField(_l("What worries you?"), validators=[
        DataRequired(message=_l("Please describe your concern.")), Length(max=4000)])
    urgent = BooleanField(_l("This is urgent"))
    submit = SubmitField(_l("Send to my coordinator"))


class IntroduceForm(FlaskForm):
    first_visit_at = StringField(_l("First visit (date and time, optional)"),
                                 validators=[Optional(), Length(max=16)],
                                 render_kw={"type": "datetime-local"})
    address_confirmed = BooleanField(_l("The first visit is confirmed: the volunteer may see "
                                        "the address"))
    family_note = TextAreaField(_l("Personal words to the family (optional)"),
                                validators=[Optional(), Length(max=1000)])
    volunteer_note = TextAreaField(_l("Personal words to the volunteer (optional)"),
                                   validators=[Optional(), Length(max=1000)])
    fallback_language = SelectField(_l("If there is no text in the family's language, use"),
                                    choices=[], validators=[Optional()])
    # Only on the form when no parent of the family can read (the view removes it otherwise).
    family_route = RadioField(_l("How the family hears about the volunteer"),
                              choices=[("call", _l("A call script")),
                                       ("written", _l("A written message"))],
                              default="call")
    preview = SubmitField(_l("Show the messages again"))
    send = SubmitField(_l("Send"))

    def first_visit(self) -> datetime | None:
        """The first visit typed (Amsterdam time), or None when empty or not a date."""
        try:
            return as_local(datetime.fromisoformat(self.first_visit_at.data or ""))
        except ValueError:
            return None

    def validate_first_visit_at(self, field):
        if not field.data:
            return
        when = self.first_visit()
        if when is None:
            raise ValidationError(_l("Please give a valid date and time."))
        if in_the_past(when):
            raise ValidationError(_l("The first visit cannot be in the past. Please choose a "
                                     "day and time from now on, or leave it empty to agree "
                                     "it by phone."))
