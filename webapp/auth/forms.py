"""Forms for logging in, resetting a password and one's own details."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Please fill in your e-mail address.")),
        Length(max=254)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Please fill in your password.")), Length(max=1000)])
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Please fill in your e-mail address.")),
        Email(message=_l("This is not a valid e-mail address.")), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Please choose a password.")), Length(max=1000)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(message=_l("Please repeat the password.")),
        EqualTo("password", message=_l("The two passwords are not the same."))])
    submit = SubmitField(_l("Save new password"))


class CodeForm(FlaskForm):
    """The second step of logging in: a code from the app, or a recovery code."""
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Please fill in the code.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off",
                   "spellcheck": "false"})
    submit = SubmitField(_l("Confirm"))


class TotpSetupForm(FlaskForm):
    code = StringField(_l("The 6-digit code your app shows now"), validators=[
        DataRequired(message=_l("Please fill in the code.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Switch on"))


class TotpConfirmForm(FlaskForm):
    """Switching the second factor off, or making new recovery codes: password and code."""
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Please fill in your password.")), Length(max=1000)])
    code = StringField(_l("Code from your app"), validators=[
        DataRequired(message=_l("Please fill in the code.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code"})
    submit = SubmitField(_l("Confirm"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Please fill in your password.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Please choose a password.")), Length(max=1000)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(message=_l("Please repeat the password.")),
        EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Save new password"))


class DetailsForm(FlaskForm):
    """Name and phone number of a staff member (e-mail is the login and shown only)."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)],
                       description=_l("As families and volunteers will read it, e.g. "
                                      "'Mira Haddad'."))
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40)],
                        description=_l("Introductions give this number to the family and the "
                                       "volunteer, so they can call you."))

    def validate_phone(self, field):
        from ..messaging.channels import normalise_phone
        if field.data and field.data.strip() and normalise_phone(field.data) is None:
            raise ValidationError(_l("Enter a phone number with digits only, e.g. "
                                     "071 123 45 67."))
