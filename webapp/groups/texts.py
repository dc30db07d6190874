"""Translated labels and refusal sentences of the groups area (codes are stored)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..vocab import LANGUAGES, dagdeel_label

ANSWERS = {"none": _l("No answer yet"), "yes": _l("Yes"), "maybe": _l("Maybe"),
           "no": _l("No")}
ROLES = {"trainer": _l("Trainer"), "sleutelpersoon": _l("Sleutelpersoon"),
         "interpreter": _l("Interpreter")}
FAMILY_WISHES = {"any": _l("No preference"),
                 "together": _l("Together with the other parent (same time and place)"),
                 "apart": _l("Not at the same time as the other parent")}
FOLLOW_UP_CHANNELS = {"letter": _l("Letter"), "phone": _l("Phone call"),
                      "whatsapp": _l("WhatsApp"), "visit": _l("Home visit")}
GENDER_GROUPS = {"f": _l("Mothers"), "m": _l("Fathers")}
STATUSES = {"proposed": _l("Proposed"), "approved": _l("Approved")}
# The standard themes (seed 001) plus the parents' own questions.
MEETING_THEMES = {
    "school_system": _l("The Dutch school system"),
    "health": _l("Children's health and a healthy lifestyle"),
    "two_cultures": _l("Raising children in two cultures"),
    "worries": _l("What to do when you worry about your child"),
    "own_questions": _l("The parents' own questions, review and evaluation"),
}
PARTNERS = {"": _l("No guest speaker"), "ggd_jgz": _l("GGD / youth health care (JGZ)"),
            "wijkteam": _l("Wijkteam"), "veilig_thuis": _l("Veilig Thuis"),
            "school": _l("School with a schakelklas"), "youth_work": _l("Youth workers"),
            "municipality": _l("Municipality"), "other": _l("Other partner")}
USEFUL = {"yes": _l("Yes, useful"), "partly": _l("Partly"), "no": _l("Not useful")}
# The seed's follow-up wishes.
WISHES = {"followup_sessions": _l("Follow-up sessions on specific questions"),
          "parents_network": _l("A network of parents to share experiences"),
          "culture_guide": _l("A guide or workshops on Dutch culture and parenting"),
          "cultural_exchange": _l("Cultural exchange activities"),
          "more_support": _l("Support at home from an informal programme")}
REASONS = {
    "no_slot": _l("not free at any time the place is available"),
    "too_far": _l("lives too far from the meeting place"),
    "no_staff": _l("no trainer, sleutelpersoon or interpreter for their language then"),
    "family": _l("the family's wish (together or apart) keeps them out"),
    "too_few": _l("too few parents like them for a group yet"),
    "staff_busy": _l("enough parents, but the staff who could lead it are all taken"),
}


def language_names(codes) -> str:
    return " / ".join(str(LANGUAGES.get(c, c)) for c in codes)


def slot_label(code: str) -> str:
    try:
        return dagdeel_label(code)
    except (KeyError, ValueError):
        return code


def shortage_text(item: dict) -> str:
    """'7 Dari-speaking mothers — 5 short of a group'."""
    if item["gender"] == "f":
        return _("%(n)s %(language)s-speaking mothers — %(short)s short of a group",
                 n=item["count"], language=language_names([item["language"]]),
                 short=item["short_by"])
    return _("%(n)s %(language)s-speaking fathers — %(short)s short of a group",
             n=item["count"], language=language_names([item["language"]]),
             short=item["short_by"])


def refusal_text(code: str, params: dict | None = None) -> str:
    """A clear sentence for each refusal code."""
    p = params or {}
    texts = {
        "below_minimum": _("The group has %(size)s parents, fewer than the minimum of "
                           "%(min)s.", **p) if "size" in p else "",
        "above_maximum": _("The group has more parents than the maximum."),
        "no_trainer": _("The group has no trainer."),
        "no_support": _("The group has no sleutelpersoon or interpreter."),
        "support_language": _("The sleutelpersoon or interpreter does not speak the group's "
                              "language."),
        "trainer_slot": _("The trainer is not available at the group's time."),
        "support_slot": _("The sleutelpersoon or interpreter is not available at the group's "
                          "time."),
        "staff_gender": _("A staff member does not lead groups of this kind."),
        "meeting_slot": _("The meeting is outside the staff's availability."),
        "not_approved": _("Approve the group first."),
        "no_consent": _("This family has not given consent (or withdrew it): nothing is "
                        "sent or recorded for it."),
        "already_enrolled": _("The family is already on this programme's list."),
        "no_parents": _("No parent has said yes or maybe yet."),
        "bad_link": _("This is not a WhatsApp group link (it starts with "
                      "https://chat.whatsapp.com/)."),
        "too_early": _("The evaluation is possible after the last meeting."),
        "in_past": past_meeting_text(),
        "not_yet": _("This meeting has not taken place yet: attendance can be recorded "
                     "once it has started."),
    }
    return texts.get(code) or _("This is not possible.")


def past_meeting_text() -> str:
    return _("A meeting cannot be in the past. Please choose a day and time from now on.")


def override_note() -> str:
    return _("You can still go ahead: write down why. Your reason is kept with the group; "
             "the audit log records that a rule was overridden.")


def theme_label(code: str) -> str:
    from ..vocab import THEMES
    return str(THEMES.get(code, code))


# Native-speaker review of the shipped group texts (group_invitation, group_reminder,
# group_cancel), as recorded in webapp/messaging/defaults/README.md: language -> "who, when".
# Dutch and English need no native-speaker check; every other language shows the coordinator
# a notice and the Dutch text beside it until a reviewer is entered here and in the README.
NATIVE_REVIEW: dict[str, str | None] = {
    "ar": None, "ti": None, "prs": None, "so": None, "uk": None, "tr": None,
}


def needs_review(language: str) -> bool:
    """Has the shipped group text in ``language`` not been checked by a native speaker?"""
    return language not in ("nl", "en") and not NATIVE_REVIEW.get(language)


def send_summary(result) -> tuple[str, str]:
    """One flash (text, category) for a :class:`~.invitations.SendResult`: how many were
    sent, and who could not be invited and why."""
    sent = len(result.sent)
    if not result.problems:
        return _("%(n)s invitations sent.", n=sent), "success"
    who = "; ".join(f"{inv.parent.name} ({inv.family.reference}): {' '.join(problems)}"
                    for inv, problems in result.problems)
    return _("%(n)s invitations sent; %(p)s parents could not be invited: %(who)s",
             n=sent, p=len(result.problems), who=who), "warning"
