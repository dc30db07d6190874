"""Forms of the privacy pages."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ..models.privacy import ERASURE_REASONS
from .labels import ERASURE_REASON_LABELS


class LookupForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Family reference or volunteer number"),
                    validators=[InputRequired()],
                    description=_l("For example G-00012 for a family or V-00034 for a "
                                   "volunteer."))


class ErasureForm(FlaskForm):
    reason = SelectField(_l("Ground for erasure"), validators=[InputRequired()])
    confirm = StringField(_l("Type the reference to confirm"), validators=[InputRequired()])

    def __init__(self, reference: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference
        self.reason.choices = [(c, ERASURE_REASON_LABELS[c]) for c in ERASURE_REASONS]

    def validate_confirm(self, field):
        if (field.data or "").strip().upper() != self.reference:
            raise ValidationError(_l("Type the reference exactly as shown."))


class HoldForm(FlaskForm):
    reported_on = DateField(_l("Date of the report to Veilig Thuis"),
                            validators=[InputRequired()])

    def validate_reported_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("This date is in the future."))


class RetentionForm(FlaskForm):
    family_months = IntegerField(
        _l("Families: months after the last match or enrolment ended"),
        validators=[InputRequired(), NumberRange(min=1, max=120)])
    volunteer_months = IntegerField(
        _l("Volunteers: months after they left"),
        validators=[InputRequired(), NumberRange(min=1, max=120)])


class UnusualAccessForm(FlaskForm):
    class Meta:
        csrf = False

    days = IntegerField(_l("Look back (days)"), default=7,
                        validators=[Optional(), NumberRange(min=1, max=90)])
    window = IntegerField(_l("Time window (minutes)"), default=10,
                          validators=[Optional(), NumberRange(min=1, max=1440)])
    threshold = IntegerField(_l("Records within the window"), default=20,
                             validators=[Optional(), NumberRange(min=2, max=10000)])
