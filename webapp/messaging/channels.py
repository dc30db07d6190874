"""What a message looks like in each channel: e-mail (text + HTML), SMS text, WhatsApp
click-to-chat link, printed letter, call script (said by a coordinator or a sleutelpersoon to
a family whose parents do not read). Sending lives in :mod:`.gateways`.

Right-to-left everywhere: the HTML of an e-mail and the letter carry ``dir="rtl"`` and
``lang``; plain text (SMS, WhatsApp, the e-mail's text part) starts every line with a
RIGHT-TO-LEFT MARK, because phones and mail programs choose a paragraph's direction from its
first strong character, which may be a Latin name ("Sara komt …" would turn the line around).

Headers are safe against injection: every header value is one line (line breaks and other
control characters become spaces), names are encoded by :mod:`email.headerregistry`, and the
recipient address must be one plain address.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import UTC
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote

from flask import current_app, render_template

from ..vocab import RTL_LANGUAGES

RLM = "\u200f"
CHANNELS = ("email", "sms", "whatsapp", "letter", "call")
AUTOMATIC_CHANNELS = ("email", "sms")  # delivered by a worker
# delivered by the coordinator; "call" is chosen per introduction, never a family's channel
MANUAL_CHANNELS = ("whatsapp", "letter", "call")

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                    r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def direction(language: str) -> str:
    """'rtl' for right-to-left languages (including Dari, which Babel does not know)."""
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def one_line(value: object, limit: int = 300) -> str:
    """A header-safe value: control characters (CR, LF, …) become spaces, runs collapse."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
                   for ch in str(value or ""))
    return " ".join(text.split())[:limit]


def valid_email(address: str | None) -> bool:
    """One plain address, no display name, no line breaks, no second recipient."""
    return bool(address) and len(address) <= 254 and bool(_EMAIL.match(address))


def normalise_phone(value: str | None, country_code: str = "31") -> str | None:
    """International digits for a phone number ('06 1234 5678' → '31612345678'), or None.

    Accepts +, 00 and a national leading 0 (Dutch by default); refuses letters."""
    if not value:
        return None
    raw = value.strip()
    if re.search(r"[^\d\s()+./-]", raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        pass
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = country_code + digits[1:]
    return digits if 8 <= len(digits) <= 15 else None


def plain_text(text: str, language: str) -> str:
    """The text as it goes into SMS, WhatsApp and the e-mail's text part."""
    if direction(language) != "rtl":
        return text
    return "\n".join(RLM + line if line and not line.startswith(RLM) else line
                     for line in text.split("\n"))


def strip_marks(text: str) -> str:
    """The text without direction marks (for the HTML, where ``dir`` does the work)."""
    return text.replace(RLM, "")


def paragraphs(text: str) -> list[list[str]]:
    """Paragraphs (split on blank lines), each a list of lines."""
    blocks = [b for b in strip_marks(text).split("\n\n") if b.strip()]
    return [b.split("\n") for b in blocks]


def email_html(subject: str, text: str, language: str) -> str:
    """The HTML part: the same text, escaped, in paragraphs, with ``lang`` and ``dir``."""
    return render_template("messaging/email.html", subject=subject, language=language,
                           dir=direction(language), paragraphs=paragraphs(text))


def build_email(*, key: str, recipient: str, recipient_name: str | None, subject: str,
                text: str, html: str | None, language: str, sender: str | None = None
                ) -> EmailMessage:
    """A MIME message (multipart/alternative when there is HTML) ready for SMTP."""
    if not valid_email(recipient):
        raise ValueError("not a single plain e-mail address")
    cfg = current_app.config
    mime = EmailMessage()
    sender = one_line(sender or cfg["MAIL_DEFAULT_SENDER"])
    mime["From"] = sender
    user, _at, domain = recipient.rpartition("@")
    mime["To"] = Address(display_name=one_line(recipient_name or "", 80), username=user,
                         domain=domain)
    mime["Subject"] = one_line(subject, 200)
    mime["Date"] = format_datetime(_now_aware())
    mime["Message-ID"] = message_id(key)
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(text)
    if html:
        mime.add_alternative(html, subtype="html")
    if language:  # after set_content, which drops every Content-* header
        mime["Content-Language"] = one_line(language, 8)
    return mime


def message_id(key: str) -> str:
    """The Message-ID derived from the idempotency key (the same on every attempt)."""
    return f"<{re.sub(r'[^A-Za-z0-9]', '', key)[:64]}@koppel.local>"


def _now_aware():
    from datetime import datetime
    return datetime.now(UTC)


def whatsapp_link(phone: str, text: str) -> str | None:
    """A click-to-chat link (``https://wa.me/<digits>?text=…``) the coordinator opens on their
    phone; Koppel never loads it. None when the number is not usable."""
    digits = normalise_phone(phone)
    if not digits:
        return None
    return f"https://wa.me/{digits}?text={quote(text, safe='')}"


def letter_pages(message) -> list[dict]:
    """The pages of a printed letter: the family's language first, the Dutch text on the back
    (unless the letter is in Dutch already)."""
    pages = [{"language": message.language, "dir": direction(message.language),
              "subject": strip_marks(message.subject),
              "paragraphs": _printed(paragraphs(message.body_text), message.language),
              "helper": False}]
    dutch = _dutch_side(message.language, message.body_text_nl)
    if dutch:
        subject_nl, body_nl = dutch
        pages.append({"language": "nl", "dir": "ltr", "subject": subject_nl,
                      "paragraphs": paragraphs(body_nl), "helper": True})
    return pages


# A phone number or another run of digits with spaces, dots, dashes or brackets between them.
_NUMBER_RUN = re.compile(r"\+?\d[\d ()./-]*\d")
LRI, PDI = "\u2066", "\u2069"


def isolate_numbers(line: str) -> str:
    """Digit runs (phone numbers) kept left to right, and on one line, inside right-to-left
    text: in an Arabic line "071 512 34 56" would otherwise be shown as "56 34 512 071".
    For printed pages (the stored text is not changed)."""
    return _NUMBER_RUN.sub(lambda m: LRI + m.group(0).replace(" ", "\u00a0") + PDI, line)


def _printed(paras: list[list[str]], language: str) -> list[list[str]]:
    if direction(language) != "rtl":
        return paras
    return [[isolate_numbers(line) for line in para] for para in paras]


def _dutch_side(language: str, text_nl: str | None) -> tuple[str, str] | None:
    """(subject, text) of the stored Dutch version, or None (Dutch already, or none kept)."""
    if language == "nl" or not text_nl:
        return None
    subject_nl, _sep, body_nl = text_nl.partition("\n\n")
    return subject_nl, body_nl


def script_layout(*, subject: str, text: str, language: str, text_nl: str | None) -> dict:
    """A call script laid out for the caller: one row per paragraph, the family's language
    beside the Dutch text (the shipped scripts keep the same paragraphs in every language;
    an admin's text that does not is still shown whole, the rows just stop lining up)."""
    own = _printed(paragraphs(text), language)
    dutch = _dutch_side(language, text_nl)
    dutch_paras = paragraphs(dutch[1]) if dutch else []
    rows = [{"own": own[i] if i < len(own) else [],
             "dutch": dutch_paras[i] if i < len(dutch_paras) else []}
            for i in range(max(len(own), len(dutch_paras)))]
    return {"language": language, "dir": direction(language), "subject": strip_marks(subject),
            "subject_nl": dutch[0] if dutch else None, "rows": rows, "with_dutch": bool(dutch)}


def script_rows(message) -> dict:
    """:func:`script_layout` of a stored message."""
    return script_layout(subject=message.subject, text=message.body_text,
                         language=message.language, text_nl=message.body_text_nl)
