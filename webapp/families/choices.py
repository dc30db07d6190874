"""Labels (translated at display time) for the codes the families area stores."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

REFERRAL_SOURCES = {
    "jgz": _l("JGZ / GGD (youth health care)"),
    "vluchtelingenwerk": _l("VluchtelingenWerk or Humanitas"),
    "school": _l("School or nieuwkomersklas"),
    "brede_intake": _l("Municipality (Brede Intake / PIP)"),
    "wijkteam": _l("Wijkteam"),
    "self": _l("The family itself"),
    "other": _l("Other"),
}
CHANNELS = {
    "letter": _l("Letter, handed over"),
    "sms": _l("SMS text message"),
    "whatsapp": _l("WhatsApp message"),
    "email": _l("E-mail"),
}
EXPLAINED_BY = {
    "coordinator": _l("The coordinator, in a language the parents understand"),
    "interpreter": _l("An interpreter"),
    "sleutelpersoon": _l("A sleutelpersoon"),
}
SPECIAL_CATEGORY = {
    "none": _l("No: do not store country of origin, community or religion"),
    "store": _l("Store them, but do not use them for matching"),
    "use": _l("Store them and use them for matching"),
}
VOLUNTEER_GENDER = {"any": _l("No preference"), "f": _l("A woman"), "m": _l("A man")}
LANGUAGE_PREFERENCE = {
    "own": _l("Someone who speaks our own language"),
    "dutch": _l("A Dutch speaker, to practise Dutch"),
    "none": _l("No preference"),
}
CAN_READ = {"yes": _l("Yes"), "limited": _l("A little"), "no": _l("No")}
SOCIAL_WORKER = {
    "": _l("No"),
    "vluchtelingenwerk": _l("Yes, from VluchtelingenWerk"),
    "humanitas": _l("Yes, from Humanitas"),
    "other": _l("Yes, from another organisation"),
}
URGENCY = {0: _l("Normal"), 1: _l("High"), 2: _l("Urgent")}
STATUSES = {"waiting": _l("Waiting"), "matched": _l("Matched"), "ended": _l("Ended")}
MONTHS = {1: _l("January"), 2: _l("February"), 3: _l("March"), 4: _l("April"), 5: _l("May"),
          6: _l("June"), 7: _l("July"), 8: _l("August"), 9: _l("September"),
          10: _l("October"), 11: _l("November"), 12: _l("December")}
