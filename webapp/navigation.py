"""The main menu: which areas each role finds there, in one place.

The labels are translated once per role and language (every page shows the menu)."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from .i18n import per_language

STAFF = ("coordinator", "admin")
# (endpoint, icon, label, roles); an item shows only where its endpoint exists.
MENU = (
    ("volunteers.volunteer_list", "bi-person-heart", _l("Volunteers"), STAFF),
    ("families.family_list", "bi-house-heart", _l("Families"), STAFF),
    ("matches.match_list", "bi-link-45deg", _l("Matches"), STAFF),
    ("matches.concern_list", "bi-exclamation-octagon", _l("Concerns"), STAFF),
    ("matches.my_matches", "bi-house-heart", _l("My families"), ("volunteer",)),
    ("messaging.outbox", "bi-envelope", _l("Messages"), STAFF),
    ("messaging.templates", "bi-file-text", _l("Message texts"), ("admin",)),
    ("admin.organisations", "bi-building", _l("Organisations"), ("admin",)),
    ("groups.index", "bi-people", _l("Parent groups"), STAFF),
    ("privacy.index", "bi-shield-lock", _l("Privacy"), STAFF),
    ("volunteers.my_training", "bi-mortarboard", _l("My training"), ("volunteer",)),
    ("volunteers.sessions", "bi-calendar-event", _l("Themabijeenkomsten"),
     ("volunteer", "coordinator", "admin")),
    ("volunteers.my_profile", "bi-person-circle", _l("My profile"), ("volunteer",)),
)


def main_menu(role: str) -> list[tuple[str, str, str]]:
    """(endpoint, icon, label) of the menu items ``role`` sees, labels translated."""
    def build():
        views = current_app.view_functions
        return [(endpoint, icon, str(label)) for endpoint, icon, label, roles in MENU
                if role in roles and endpoint in views]
    return per_language(("main_menu", current_app.name, role), build)
