"""Composing one message: find the template, fill it in, shape it for its channel, and say
plainly what stops it from being sent (no template in that language, no contact detail for
the channel). Nothing here writes to the database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..vocab import LANGUAGES
from . import channels, templating
from .store import available_languages, find_template

# Babel has no "prs" (Dari); Afghan Persian is "fa_AF".
_BABEL_LOCALES = {"prs": "fa_AF"}


def babel_locale(language: str) -> str:
    code = _BABEL_LOCALES.get(language, language)
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return "en"
    return code


def format_when(value: datetime | date | None, language: str) -> str:
    """A day (and time) written out in ``language``, e.g. 'dinsdag 1 december 2026, 10:00'."""
    if value is None:
        return ""
    loc = babel_locale(language)
    text = format_date(value, "full", locale=loc)
    if isinstance(value, datetime):
        text += ", " + format_time(value, "HH:mm", locale=loc)
    return text


def language_name(code: str) -> str:
    return str(LANGUAGES.get(code, code))


@dataclass
class PreparedMessage:
    """One message as it will arrive, or the reasons it cannot be sent yet."""

    kind: str
    audience: str
    channel: str
    language: str
    recipient: str | None = None
    recipient_name: str | None = None
    subject: str = ""
    text: str = ""  # exactly what the SMS / WhatsApp / e-mail text part carries
    html: str | None = None  # the e-mail's HTML part
    text_nl: str | None = None  # Dutch subject + text, for the back of a letter
    whatsapp_url: str | None = None
    problems: list[str] = field(default_factory=list)  # block sending
    notes: list[str] = field(default_factory=list)  # worth knowing, do not block
    missing_language: str | None = None
    fallback_languages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def dir(self) -> str:
        return channels.direction(self.language)

    @property
    def paragraphs(self) -> list[list[str]]:
        return channels.paragraphs(self.text)

    @property
    def script(self) -> dict:
        """A call script's rows, the family's language beside the Dutch (see
        :func:`.channels.script_layout`)."""
        return channels.script_layout(subject=self.subject, text=self.text,
                                      language=self.language, text_nl=self.text_nl)


# Where a coordinator fills in a value that a message needs (the rest: "where it is recorded").
_WHERE = {
    "contact_phone": _l("Fill in your phone number under My account → My details, or the "
                        "point of contact's phone number on the family's details."),
    "coordinator_phone": _l("Fill in your phone number under My account → My details."),
    "contact_name": _l("Fill in the family's point of contact on the family's details."),
    "coordinator_email": _l("Fill in your e-mail address under My account → My details."),
    "meeting_place": _l("Fill in where the meeting is, on the group's meeting."),
}


def missing_value_problem(name: str) -> str:
    """A sentence naming an empty value that the text would show, and where to fill it in."""
    variable = templating.VARIABLES.get(name)
    what = str(variable.description) if variable else name
    where = _WHERE.get(name) or _l("Fill it in where it is recorded, or ask an admin to "
                                   "change the text so it does not need it.")
    return _("This message needs “%(what)s”, which is empty, so it cannot be sent. %(where)s",
             what=what, where=str(where))


def check_contact(channel: str, contact: str | None) -> tuple[str | None, str | None]:
    """(usable contact, problem) for the channel; a problem suggests a printed letter."""
    if channel == "letter":
        return None, None
    if channel == "call":  # said on the phone or at the door: the family's number if known
        digits = channels.normalise_phone(contact)
        return ("+" + digits if digits else None), None
    if channel == "email":
        value = (contact or "").strip()
        if not value:
            return None, _("There is no e-mail address for this message. Add it to the "
                           "details, or choose a printed letter instead.")
        if not channels.valid_email(value):
            return None, _("“%(value)s” is not a usable e-mail address. Correct it, or choose "
                           "a printed letter instead.", value=channels.one_line(value, 80))
        return value, None
    if channel in ("sms", "whatsapp"):
        if not (contact or "").strip():
            return None, _("There is no phone number for this message. Add it to the "
                           "details, or choose a printed letter instead.")
        digits = channels.normalise_phone(contact)
        if not digits:
            return None, _("“%(value)s” is not a usable phone number. Correct it, or choose a "
                           "printed letter instead.", value=channels.one_line(contact, 40))
        return ("+" + digits), None
    return None, _("Unknown channel.")


def compose(*, kind: str, audience: str, channel: str, language: str, contact: str | None,
            recipient_name: str | None, values_for, programme_id: int | None = None,
            programme_type: str | None = None, fallback_language: str | None = None,
            auto_fallback: str | None = None, with_dutch: bool = False) -> PreparedMessage:
    """Fill in the template of ``kind`` for one recipient.

    ``values_for(language)`` returns the variables written in that language (dates, labels).
    When there is no template in ``language``: ``fallback_language`` (the coordinator's
    explicit choice) or ``auto_fallback`` is used with a note; otherwise a problem says which
    languages exist."""
    msg = PreparedMessage(kind=kind, audience=audience, channel=channel, language=language,
                          recipient_name=recipient_name)
    msg.recipient, problem = check_contact(channel, contact)
    if problem:
        msg.problems.append(problem)
    if channel == "call" and not msg.recipient:
        msg.notes.append(_("There is no phone number of the family: say the call script in "
                           "person, or through someone who can reach them."))
    source = find_template(kind, language, programme_id=programme_id,
                           programme_type=programme_type)
    chosen = fallback_language or auto_fallback
    if source is None:
        msg.missing_language = language
        msg.fallback_languages = available_languages(kind, programme_id=programme_id,
                                                     programme_type=programme_type)
        if chosen and chosen != language:
            source = find_template(kind, chosen, programme_id=programme_id,
                                   programme_type=programme_type)
        if source is None:
            msg.problems.append(_(
                "There is no text in %(language)s yet. Choose another language to send it "
                "in, or ask an admin to write one.", language=language_name(language)))
            return msg
        msg.language = chosen
        msg.notes.append(_("There is no text in %(missing)s: this message is in %(used)s.",
                           missing=language_name(language), used=language_name(chosen)))
    try:
        rendered = templating.render(kind, source.subject, source.body,
                                     values_for(msg.language))
    except templating.TemplateProblem as exc:
        msg.problems.append(_("The text for this message has an error (%(error)s). Ask an "
                              "admin to correct it.", error=str(exc)))
        return msg
    for name in sorted(rendered.missing):
        msg.problems.append(missing_value_problem(name))
    msg.subject = rendered.subject
    msg.text = channels.plain_text(rendered.text, msg.language)
    if channel == "email":
        msg.html = channels.email_html(rendered.subject, rendered.text, msg.language)
    if channel == "whatsapp" and msg.recipient:
        msg.whatsapp_url = channels.whatsapp_link(msg.recipient, msg.text)
    if with_dutch and msg.language != "nl":
        dutch = find_template(kind, "nl", programme_id=programme_id,
                              programme_type=programme_type)
        if dutch:
            try:
                nl = templating.render(kind, dutch.subject, dutch.body, values_for("nl"))
                msg.text_nl = f"{nl.subject}\n\n{nl.text}"
            except templating.TemplateProblem:
                msg.notes.append(_("The Dutch text for the back of the letter has an error; "
                                   "the letter has no Dutch side."))
    return msg
