"""Input hygiene for every request, in one place.

* A NUL character in any query-string or form value (or name), or in a URL part, is refused
  with a translated 400 page before a view sees it: PostgreSQL cannot store or compare text
  with NUL, and no form of Koppel has a use for it.
* Numbers in URLs (``<int:...>``) and id filters are limited to what a database ``INTEGER``
  holds, so ``/families/99999999999999999999`` is a 404, not an overflow in the driver.
* :func:`url_with_args` builds a link to a page with the current query string (pagers, the
  audit log's export link) without passing query parameters as ``url_for`` keywords, so
  ``?endpoint=x`` or ``?_external=1`` stay plain parameters.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest value of an SQL INTEGER column (PostgreSQL int4)


def to_id(value) -> int:
    """A database id from text; ``ValueError`` unless 1 … MAX_ID. Use as
    ``request.args.get("programme", type=to_id)`` (which then gives the default)."""
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("not a database id")
    return number


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: at most MAX_ID, so a longer number matches no route."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _has_nul(values: MultiDict | dict | None) -> bool:
    if not values:
        return False
    items = values.items(multi=True) if isinstance(values, MultiDict) else values.items()
    return any("\x00" in str(k) or "\x00" in str(v) for k, v in items)


def refuse_nul():
    """Before each request: a NUL anywhere in the input gives a 400 page, nothing else runs."""
    if "\x00" in request.path or _has_nul(request.args) or _has_nul(request.view_args) \
            or (request.method in ("POST", "PUT", "PATCH", "DELETE") and _has_nul(request.form)):
        return render_template(
            "errors/error.html", code=400, title=_("Something is wrong with this request"),
            text=_("The request contains a character that is not allowed (a NUL character). "
                   "Please go back, check what you typed and try again.")), 400
    return None


def url_with_args(endpoint: str, **params) -> str:
    """The URL of ``endpoint`` with the current request's query string, every value kept;
    ``params`` replace parameters of the same name (``None`` removes one). The view's own
    URL arguments are used when ``endpoint`` is the current page."""
    args = MultiDict(request.args)
    for name, value in params.items():
        args.poplist(name)
        if value is not None:
            args[name] = value
    view_args = (request.view_args or {}) if endpoint == request.endpoint else {}
    url = url_for(endpoint, **view_args)
    query = urlencode(list(args.items(multi=True)))
    return f"{url}?{query}" if query else url


def init_app(app: Flask) -> None:
    """Install the converter, the NUL check (first of the before-request hooks) and
    ``url_with_args`` for templates. Call before blueprints are registered."""
    app.url_map.converters["int"] = IdConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul)
    app.add_template_global(url_with_args)
