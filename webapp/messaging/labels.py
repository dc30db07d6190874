"""Translated labels for statuses, channels and kinds of message (codes are stored)."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "queued": _l("Queued"),
    "sending": _l("Being sent"),
    "retrying": _l("Will try again"),
    "sent": _l("Sent"),
    "local": _l("In the local outbox (not sent)"),
    "manual": _l("To print or send yourself"),
    "failed": _l("Failed"),
    "uncertain": _l("Unknown whether it arrived"),
    "cancelled": _l("Cancelled"),
}
# Bootstrap colour per status; the label text always says it too (never colour alone).
STATUS_STYLES = {"sent": "success", "local": "secondary", "failed": "danger",
                 "uncertain": "warning", "retrying": "warning", "cancelled": "secondary",
                 "manual": "info", "queued": "light", "sending": "light"}

CHANNEL_LABELS = {"email": _l("E-mail"), "sms": _l("SMS"), "whatsapp": _l("WhatsApp"),
                  "letter": _l("Printed letter"), "call": _l("Phone call (call script)")}

KIND_LABELS = {
    "family_intro": _l("Introduction to the family"),
    "family_call_script": _l("Call script for the family"),
    "volunteer_intro": _l("Introduction to the volunteer"),
    "group_invitation": _l("Invitation to a parent group"),
    "group_reminder": _l("Reminder of a parent-group meeting"),
    "password_reset": _l("Password reset"),
    "confirm_email": _l("E-mail confirmation"),
    "staff_invite": _l("Invitation to Koppel"),
    "concern_urgent": _l("Urgent concern: notice to the coordinator"),
    "match_paused": _l("Match paused: notice to the volunteer"),
    "match_resumed": _l("Match continues: notice to the volunteer"),
}

# Why a message was cancelled before it went out (the code is stored in ``last_error``;
# "consent withdrawn" is how rows cancelled before these codes say it).
CANCEL_REASONS = {
    "consent_withdrawn": _l("The family withdrew consent: this message was not sent."),
    "consent withdrawn": _l("The family withdrew consent: this message was not sent."),
}

OUTCOME_LABELS = {
    "started": _l("Started"), "sent": _l("Sent"), "temporary": _l("Temporary failure"),
    "permanent": _l("Permanent failure"), "cancelled": _l("Cancelled"),
    "uncertain": _l("Interrupted: unknown whether it arrived"), "local": _l("Kept locally"),
    "handed_over": _l("Handed over by a coordinator"),
}

# Bodies of these carry login links: never shown, never resent, never exported. The one
# definition (the admin outbox and the privacy export import it from here); the only
# exception is the admin's local outbox of a development instance (login_links_shown).
HIDDEN_KINDS = frozenset({"password_reset", "confirm_email", "staff_invite"})
RESENDABLE_STATUSES = ("sent", "local", "failed", "uncertain", "cancelled")


def printable(message) -> bool:
    """A family message has a printed copy, whatever its channel (a letter, the page for a
    call script, or a copy of an SMS, WhatsApp or e-mail text); not once cancelled, and
    never a message with a login link."""
    return ((message.party_type == "family" or message.channel == "letter")
            and message.kind not in HIDDEN_KINDS and message.status != "cancelled")


def login_links_shown(config) -> bool:
    """Whether the admin's local outbox shows the text (with the login link) of the
    ``HIDDEN_KINDS``: only on a development instance (``make run``, ``KOPPEL_ENV=development``)
    without ``MAIL_SERVER``, where those e-mails can reach nobody else. Never in production,
    never in tests, never when a mail server delivers them."""
    from ..links import run_mode
    return run_mode(config) == "development" and not config.get("MAIL_SERVER")


def template_context() -> dict:
    """The labels the message templates (``messaging/_status.html``) use."""
    from ..vocab import LANGUAGES
    return {"status_labels": STATUS_LABELS, "status_styles": STATUS_STYLES,
            "channel_labels": CHANNEL_LABELS, "kind_labels": KIND_LABELS,
            "outcome_labels": OUTCOME_LABELS, "hidden_kinds": HIDDEN_KINDS,
            "language_labels": LANGUAGES, "cancel_reasons": CANCEL_REASONS}


def failure_in_words(message) -> str:
    """Why ``message`` did not arrive, in words a coordinator can act on (the technical
    answer of the other side stays in ``last_error``, shown next to it for the record)."""
    from flask_babel import gettext as _
    error = (message.last_error or "").strip().lower()
    code = error[:3] if error[:3].isdigit() else ""
    if message.channel == "email" or code:
        if "invalid e-mail address" in error:
            return _("The e-mail address is not a valid address. Correct it in the profile; "
                     "until then, reach them another way.")
        if "no mail server configured" in error:
            return _("No mail server is set up, so the e-mail could not be sent.")
        if any(s in error for s in ("5.1.1", "5.1.0", "no such user", "user unknown",
                                    "does not exist", "unknown recipient")):
            return _("The mail server of the recipient says this e-mail address does not "
                     "exist. Check the address with them; sending again goes to the same "
                     "address, so if it was wrong, reach them another way.")
        if "5.2.2" in error or code == "552" or "mailbox full" in error:
            return _("The recipient's mailbox is full. Try again in a few days, or reach "
                     "them another way.")
        if code.startswith("5"):
            return _("The mail server refused this message for good: sending it again "
                     "unchanged will not help. Check the address, or reach them another way.")
        return _("The mail server could not be reached, or asked to try later, too many "
                 "times. Sending again may work now.")
    if "invalid phone number" in error:
        return _("The phone number is not a valid number. Correct it in the profile; until "
                 "then, reach them another way.")
    if error.startswith("http 4") and not error.startswith("http 429"):
        return _("The SMS service refused this message (for example, an unknown number). "
                 "Check the number, or reach them another way.")
    if message.channel == "sms":
        return _("The SMS service could not be reached, too many times. Sending again may "
                 "work now.")
    return _("The message could not be delivered.")
