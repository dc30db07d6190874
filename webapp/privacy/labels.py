"""Translatable labels for the privacy pages (codes are stored, labels shown)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ERASURE_REASON_LABELS = {
    "subject_request": _l("The person asked for it"),
    "representative_request": _l("Someone on the person's behalf asked for it"),
    "consent_withdrawn": _l("Consent was withdrawn and the data is no longer needed"),
    "recorded_by_mistake": _l("Recorded by mistake"),
    "other": _l("Other legal ground for erasure"),
}
OUTCOME_LABELS = {
    "done": _l("Anonymised"),
    "refused_hold": _l("Refused: legal hold"),
    "refused_scope": _l("Refused: also enrolled elsewhere"),
}
HOLD_LABELS = {"veilig_thuis": _l("Open report to Veilig Thuis")}
FINDING_LABELS = {
    "burst": _l("Many records read in a short time"),
    "exports": _l("Many exports"),
    "night": _l("Reads at night (22:00–06:00)"),
}
RECORD_LABELS = {"family": _l("families"), "volunteer": _l("volunteers")}

# Sections and fields of a subject access export (keys of webapp.privacy.export).
EXPORT_LABELS = {
    "family": _l("Family"), "anonymised_facts": _l("Facts kept after anonymisation"),
    "parents": _l("Parents"), "children": _l("Children"), "consents": _l("Consent"),
    "requests": _l("Enrolments"), "other_programmes": _l("Enrolments in other programmes"),
    "matches": _l("Matches"), "contact_moments": _l("Contact moments"),
    "concerns": _l("Concerns"), "messages": _l("Messages"), "legal_holds": _l("Legal holds"),
    "erasure_requests": _l("Erasure requests"),
    "audit": _l("Who read or changed this data (audit log)"),
    "account": _l("Account"), "profile": _l("Profile"), "programmes": _l("Programmes"),
    "training": _l("Training"), "vogs": _l("VOG"), "additional_checks": _l("Additional checks"),
    "sessions": _l("Themabijeenkomsten"), "reminders": _l("Reminders sent"),
}
EXPORT_LABELS.update({
    "created_at": _l("Recorded on"), "anonymised_at": _l("Anonymised on"),
    "referral_source": _l("Referred by"), "country_of_origin": _l("Country of origin"),
    "community": _l("Community"), "religion": _l("Religion"), "housed_on": _l("Housed on"),
    "pc4": _l("Postcode (digits)"), "postcode_letters": _l("Postcode (letters)"),
    "address": _l("Address"), "max_volunteers": _l("Most volunteers at a time"),
    "existing_support_counts": _l("Existing support counts"),
    "support_social_worker": _l("Social counsellor"),
    "support_other_programmes": _l("Other programmes"),
    "support_formal_care": _l("Professional care"), "contact_person": _l("Point of contact"),
    "contact_phone": _l("Phone number of the point of contact"),
    "message_channel": _l("Messages through"), "contact_detail": _l("Contact detail"),
    "message_language": _l("Language of messages"),
    "pref_volunteer_gender": _l("Preferred volunteer"), "pref_language": _l("Language wish"),
    "pref_not_own_community": _l("Not someone from their own community"),
    "groups_to_avoid": _l("Groups to avoid"), "preferred_dagdelen": _l("Preferred half-days"),
    "needs": _l("Needs"), "needs_note": _l("Note on needs"), "urgency": _l("Urgency"),
    "not_before": _l("Not before"), "name": _l("Name"), "gender": _l("Gender"),
    "languages": _l("Languages"), "dutch_level": _l("Dutch level"),
    "can_read": _l("Reads"), "birth_year": _l("Birth year"), "birth_month": _l("Birth month"),
    "asked_on": _l("Asked on"), "language": _l("Language"), "explained_by": _l("Explained by"),
    "purpose_matching": _l("Consent: matching"),
    "purpose_share_profile": _l("Consent: share profile with the volunteer"),
    "purpose_contact_school": _l("Consent: contact the school"),
    "special_category": _l("Origin and religion"), "recorded_at": _l("Recorded at"),
    "withdrawn_at": _l("Withdrawn on"), "programme": _l("Programme"), "status": _l("Status"),
    "waiting_since": _l("Waiting since"), "ended_at": _l("Ended on"), "note": _l("Note"),
    "history": _l("History"), "volunteer": _l("Volunteer"), "approved_at": _l("Approved on"),
    "end_reason": _l("Reason for ending"), "hours_per_week": _l("Hours per week"),
    "evaluation_coordinator": _l("Evaluation by the coordinator"),
    "evaluation_volunteer": _l("Evaluation by the volunteer"), "match": _l("Match"),
    "happened_on": _l("Date"), "minutes": _l("Minutes"), "themes": _l("Themes"),
    "urgent": _l("Urgent"), "text": _l("Text"), "handled_at": _l("Handled on"),
    "kind": _l("Kind"), "channel": _l("Channel"), "sent_at": _l("Sent on"),
    "recipient": _l("Recipient"), "subject": _l("Subject"), "body_text": _l("Text"),
    "reported_on": _l("Reported on"), "released_at": _l("Closed on"), "at": _l("When (UTC)"),
    "reason": _l("Reason"), "outcome": _l("Outcome"), "who": _l("Who"), "role": _l("Role"),
    "action": _l("Action"), "record": _l("Record"), "fields": _l("Fields"),
    "email": _l("E-mail address"), "locale": _l("Language of the website"),
    "active": _l("Active"), "email_confirmed_at": _l("E-mail confirmed on"),
    "phone": _l("Phone"), "travel_km": _l("Travel distance (km)"),
    "refugee_background": _l("Refugee background"), "origin_country": _l("Country of origin"),
    "origin_region": _l("Region of origin"),
    "arrival_year": _l("Year of arrival"), "religion_for_matching": _l("Religion used in matching"),
    "parenting_experience": _l("Parenting experience"), "occupation": _l("Occupation"),
    "dagdelen": _l("Half-days available"), "max_families": _l("Most families at a time"),
    "motivation": _l("Motivation"), "notes": _l("Notes by the coordinator"),
    "paused_until": _l("Paused until"), "left_at": _l("Left on"),
    "consent_at": _l("Consent given on"), "consent_version": _l("Consent version"),
    "source": _l("Source"), "item": _l("Training"), "part": _l("Part"),
    "completed_on": _l("Completed on"), "state": _l("Checked"),
    "rejection_reason": _l("Reason not accepted"), "certificate": _l("Certificate"),
    "issued_on": _l("Issued on"), "screening_profile": _l("Screening profile"),
    "free_vog_scheme": _l("Free VOG scheme"), "original_seen": _l("Original seen"),
    "done_on": _l("Done on"), "session": _l("Session"), "starts_at": _l("Starts at"),
    "attended": _l("Attended"), "sent_on": _l("Sent on"),
    "id": _l("Number"),
})
