"""The one upload limit, and what a person sees when an upload is over it.

``MAX_UPLOAD_MB`` (config) is the limit forms state and services check; a request may be
1 MB larger (``MAX_CONTENT_LENGTH``, for the form's other fields). Above that Werkzeug
refuses the request (413) before the form can be read. Instead of a bare error page, the
upload form is shown again with a message at its file field: a view registers the page to
show with :func:`too_large_page`, and the app's 413 handler asks :func:`form_again`. What
else was typed in the same multipart request cannot be recovered (the body is not read).
"""
from __future__ import annotations

from typing import Callable

from flask import current_app, request
from flask_babel import gettext as _

_PAGES: dict[str, Callable] = {}


def limit_mb() -> int:
    """The upload limit in MB, as forms state it."""
    return int(current_app.config["MAX_UPLOAD_MB"])


def limit_bytes() -> int:
    return limit_mb() * 1024 * 1024


def too_large_message() -> str:
    return _("The file is larger than %(mb)s MB. Please choose a smaller file.", mb=limit_mb())


def too_large_page(endpoint: str):
    """Decorator: ``view`` (with the route's own access decorators, taking no form data)
    renders the upload form of ``endpoint`` again after a 413."""
    def wrap(view):
        _PAGES[endpoint] = view
        return view
    return wrap


def form_again():
    """The registered form page for this request's endpoint, or None (no such page)."""
    view = _PAGES.get(request.endpoint or "")
    if view is None or request.method != "POST":
        return None
    return view(**(request.view_args or {}))
