"""Locale selection and text direction.

Order: the logged-in user's saved choice → a ``?lang=`` switch (remembered in the session, and
saved to the user's profile when logged in) → the browser's ``Accept-Language`` → Dutch.
"""
from __future__ import annotations

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_login import current_user

from .extensions import db


def supported() -> tuple[str, ...]:
    return current_app.config["LANGUAGES"]


def remember_switch() -> None:
    """Before each request: a valid ``?lang=`` becomes the session's and the user's choice."""
    lang = request.args.get("lang")
    if not lang or lang not in supported():
        return
    session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        current_user.locale = lang
        db.session.commit()


def select_locale() -> str:
    if not has_request_context():  # command line: English messages
        return "en"
    if current_user and current_user.is_authenticated and current_user.locale in supported():
        return current_user.locale
    lang = request.args.get("lang")
    if lang in supported():
        return lang
    if session.get("lang") in supported():
        return session["lang"]
    return request.accept_languages.best_match(supported()) or "nl"


def text_direction(lang: str) -> str:
    """'rtl' or 'ltr', from Babel's locale data."""
    try:
        return Locale.parse(lang).text_direction
    except Exception:  # unknown code: left to right is the safe default
        return "ltr"


_PER_LANGUAGE: dict[tuple, object] = {}


def per_language(key: tuple, build):
    """``build()``, made once per ``key`` and language and kept: for labels, badges and
    menus that are the same for everyone reading that language (every page shows some of
    them many times). ``key`` must name what ``build`` makes from code only, never data."""
    from flask_babel import get_locale
    full = (*key, str(get_locale() or ""))
    try:
        return _PER_LANGUAGE[full]
    except KeyError:
        value = _PER_LANGUAGE[full] = build()
        return value


def install_template_gettext(app) -> None:
    """Templates translate through the request's catalogue, looked up once per request
    (and again only if the locale changes), instead of through Flask-Babel's full lookup
    on every string: a list page translates a few hundred strings."""
    from flask import g
    from flask_babel import get_locale, get_translations

    def catalogue():
        locale = get_locale()
        cached = g.get("_koppel_catalogue")
        if cached is None or cached[0] is not locale:
            cached = g._koppel_catalogue = (locale, get_translations())
        return cached[1]

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True)
