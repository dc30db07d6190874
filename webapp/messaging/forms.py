"""Forms of the messaging pages (labels translated lazily)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class TemplateForm(FlaskForm):
    """Edit one message template; ``version`` guards against overwriting someone's save."""

    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=10_000)],
                         render_kw={"rows": 22, "spellcheck": "true"})
    version = IntegerField(widget=HiddenField.widget, default=0)
    preview = SubmitField(_l("Show preview"))
    save = SubmitField(_l("Save"))


class ConfirmForm(FlaskForm):
    """A confirmation button (resend on purpose, handed over, back to the shipped text)."""

    submit = SubmitField(_l("Yes, do it"))
