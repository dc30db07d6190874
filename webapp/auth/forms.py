"""Forms for logging in and resetting a password."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length


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
