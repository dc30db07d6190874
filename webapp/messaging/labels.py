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
                  "letter": _l("Printed letter")}

KIND_LABELS = {
    "family_intro": _l("Introduction to the family"),
    "volunteer_intro": _l("Introduction to the volunteer"),
    "group_invitation": _l("Invitation to a parent group"),
    "group_reminder": _l("Reminder of a parent-group meeting"),
    "password_reset": _l("Password reset"),
    "confirm_email": _l("E-mail confirmation"),
}

OUTCOME_LABELS = {
    "started": _l("Started"), "sent": _l("Sent"), "temporary": _l("Temporary failure"),
    "permanent": _l("Permanent failure"), "cancelled": _l("Cancelled"),
    "uncertain": _l("Interrupted: unknown whether it arrived"), "local": _l("Kept locally"),
    "handed_over": _l("Handed over by a coordinator"),
}

# Bodies of these carry login links: never shown, never resent.
HIDDEN_KINDS = frozenset({"password_reset", "confirm_email"})
RESENDABLE_STATUSES = ("sent", "local", "failed", "uncertain", "cancelled")
