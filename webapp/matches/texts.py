"""Plain-language texts for matching's codes (score factors, hard rules, hints, refusals),
in the reader's language. ``matching/`` returns codes and parameters; only this module words
them."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..vocab import LANGUAGES, THEMES

RULES = {
    "no_consent": _l("no consent for matching"),
    "not_before": _l("the family's start date has not come yet"),
    "child_age": _l("children's ages do not fit the programme"),
    "not_ready": _l("training or VOG not complete"),
    "programme_gender": _l("the programme asks for a woman"),
    "family_gender": _l("the family asked for a volunteer of another gender"),
    "no_common_language": _l("no shared language"),
    "too_far": _l("lives too far away"),
    "no_common_days": _l("no shared days"),
    "own_community": _l("the family asked for someone outside their own community"),
    "avoided_group": _l("belongs to a group the family wants to avoid"),
    "rejected_before": _l("rejected before for this family"),
}

BOTTLENECKS = {
    "training": _l("training"), "language": _l("language"), "distance": _l("distance"),
    "gender": _l("gender"), "child_age": _l("children's ages"), "days": _l("days"),
    "community": _l("community"), "rejected_before": _l("earlier rejections"),
    "consent": _l("consent"), "not_before": _l("start date"), "capacity": _l("capacity"),
    "trio": _l("no complete trio"), "multiple": _l("several reasons together"),
}

REFUSALS = {
    "not_found": _l("This proposal does not exist any more."),
    "not_open": _l("This proposal was already handled."),
    "no_consent": _l("The family has not given (or has withdrawn) consent for matching."),
    "volunteer_unavailable": _l("The volunteer is paused or has stopped."),
    "request_not_waiting": _l("The family is no longer waiting for this programme."),
    "already_matched": _l("This volunteer is already matched with this family."),
    "volunteer_full": _l("The volunteer has no room for another family."),
    "volunteer_hours": _l("This would take more hours than the volunteer has."),
    "family_overload": _l("The family would get more volunteers than they want at once."),
    "bad_reason": _l("Please choose a reason from the list."),
    "not_a_candidate": _l("This volunteer is not a candidate for this family."),
    "illegal_transition": _l("This step is not possible for the match in its current state."),
    "match_not_running": _l("This match is not running."),
    "future_date": _l("The date cannot be in the future."),
    "bad_minutes": _l("Please give the duration in minutes (1 to 1440)."),
    "bad_theme": _l("Please choose themes from the list."),
    "run_busy": _l("A matching run for this programme is already under way."),
    "concern_already_read": _l("This concern was already marked as read."),
    "concern_closed": _l("This concern was already closed."),
    "empty_concern": _l("Please describe your concern."),
    "empty_note": _l("Please write what was done."),
}

END_REASON_LABELS = {
    "goals_reached": _l("Goals reached"), "family_moved": _l("Family moved"),
    "volunteer_stopped": _l("Volunteer stopped"), "mismatch": _l("Not a good match"),
    "consent_withdrawn": _l("Consent withdrawn"), "other": _l("Other reason"),
}
REJECTION_LABELS = {
    "language": _l("Language does not fit"), "distance": _l("Too far away"),
    "personality": _l("Personality or background does not fit"),
    "family_preference": _l("The family prefers otherwise"),
    "volunteer_preference": _l("The volunteer prefers otherwise"),
    "timing": _l("Timing or days do not fit"), "safety": _l("Safety concern"),
    "other": _l("Other reason"),
}
STATUS_LABELS = {
    "proposed": _l("Proposed"), "approved": _l("Approved"), "rejected": _l("Rejected"),
    "stale": _l("No longer valid"), "replaced": _l("Replaced"), "introduced": _l("Introduced"),
    "active": _l("Active"), "paused": _l("Paused"), "ended": _l("Ended"), "queued": _l("Waiting to start"),
    "running": _l("Running"), "finished": _l("Finished"), "failed": _l("Failed"),
}
STAGES = {"building": _l("Building candidates…"), "solving": _l("Finding the best matches…"),
          "explaining": _l("Explaining the proposals…"), "queued": _l("Waiting to start…"),
          "finished": _l("Finished"), "failed": _l("Failed")}


def language(code: str) -> str:
    return str(LANGUAGES.get(code, code))


# Explanation lines that are warnings for the coordinator, not points (matching.scoring.FLAGS).
FLAGS = frozenset({"origin_unknown"})


def factor_text(code: str, params: dict) -> str:
    """One line of a score explanation, without the points."""
    if code == "shared_native_language":
        return _("speaks %(langs)s (native)", langs=", ".join(
            language(c) for c in params.get("languages", [])))
    if code == "shared_language":
        return _("speaks %(langs)s", langs=", ".join(
            language(c) for c in params.get("languages", [])))
    if code == "dutch_practice":
        return _("native Dutch speaker: the family wants to practise Dutch")
    if code == "distance":
        return _("%(km)s km away", km=params.get("km"))
    if code == "themes":
        return _("confident about %(themes)s", themes=", ".join(
            str(THEMES.get(t, t)) for t in params.get("themes", [])))
    if code == "parenting_experience":
        return _("experience with children aged %(bands)s", bands=", ".join(
            params.get("age_bands", [])))
    if code == "origin_unknown":
        if params.get("side") == "family":
            return _("the family's own community is not recorded for matching — ask before "
                     "introducing")
        return _("origin unknown — ask before introducing")
    if code == "religion":
        return _("same religion (both agreed to use this)")
    if code == "trio_pair":
        return _("the two volunteers live near each other and share a language")
    if code == "waiting_time":
        months = int(params.get("months", 0))
        return ngettext("family waiting %(num)s month", "family waiting %(num)s months", months)
    return code


def rule_text(code: str) -> str:
    return str(RULES.get(code, code))


def hint_text(hint: dict) -> str:
    code, count, params = hint["code"], int(hint.get("count", 0)), hint.get("params", {})
    if code == "after_training":
        items = ", ".join(_training_item(i) for i in params.get("missing", []))
        return ngettext("%(num)s volunteer would qualify after: %(items)s",
                        "%(num)s volunteers would qualify after: %(items)s", count, items=items)
    if code == "lift_rule":
        return ngettext("%(num)s volunteer is excluded only because: %(rule)s",
                        "%(num)s volunteers are excluded only because: %(rule)s", count,
                        rule=rule_text(params.get("rule", "")))
    if code == "no_speaker_in_range":
        return _("no volunteer who speaks %(lang)s within %(km)s km",
                 lang=language(params.get("language", "")), km=params.get("km"))
    if code == "text_too_long":
        return _("Please keep it to %(max)s characters.", max=params.get("max", 4000))
    if code == "capacity":
        return ngettext("%(num)s suitable volunteer, but already proposed to another family",
                        "%(num)s suitable volunteers, but all proposed to other families", count)
    if code == "no_room":
        return ngettext("%(num)s suitable volunteer, but without room for another family",
                        "%(num)s suitable volunteers, but none has room for another family",
                        count)
    if code == "family_full":
        return _("The family already has as many volunteers as they want at once.")
    if code == "no_trio":
        oud, dutch = int(params.get("oudkomers", 0)), int(params.get("dutch", 0))
        if not oud:
            return _("No suitable oudkomer who speaks the family's language.")
        if not dutch:
            return _("No suitable Dutch volunteer.")
        return _("Suitable oudkomers: %(oud)s, suitable Dutch volunteers: %(dutch)s; but no "
                 "oudkomer and Dutch volunteer among them who share a language and live near "
                 "each other.", oud=oud, dutch=dutch)
    return code


def _training_item(code: str) -> str:
    from ..training_catalogue import catalogue
    item = catalogue().get(code)
    if item is None:
        return code
    from flask_babel import get_locale
    return item.title_nl if str(get_locale()) == "nl" else item.title_en


def refusal_text(code: str, params: dict | None = None) -> str:
    params = params or {}
    if code == "stale":
        return _("This proposal no longer holds: %(why)s",
                 why=str(REFUSALS.get(params.get("reason"), params.get("reason"))))
    if code in ("override_needed", "rule"):
        rules = "; ".join(rule_text(r) for r in params.get("rules", []))
        if code == "rule":
            return _("This match is not allowed: %(rules)s", rules=rules)
        return _("This match breaks a rule (%(rules)s). Write down why you match them anyway "
                 "(at least 10 characters).", rules=rules)
    if code == "text_too_long":
        return _("Please keep it to %(max)s characters.", max=params.get("max", 4000))
    if code == "capacity":
        return str(REFUSALS.get(params.get("reason"), params.get("reason")))
    return str(REFUSALS.get(code, code))
