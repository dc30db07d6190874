"""Pagination of list pages: one page object for all of them, and the helper for ORM queries.

Every list shows the same pager (``pager`` in ``_macros.html``) and answers 404 for a page
past the end. The page number is read in one place (:func:`requested_page`): a number no list
can reach (``?page=99999999999999999999``) is a 404 before the database sees it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask import abort, current_app, request

from .extensions import db

MAX_PAGE = 100_000  # far past the end of any list; larger numbers overflow the OFFSET


def requested_page() -> int:
    """``?page=`` as a page number: 1 when missing or not a number, at least 1, and 404 for a
    page past ``MAX_PAGE``."""
    page = request.args.get("page", 1, type=int)
    if page > MAX_PAGE:
        abort(404)
    return max(page, 1)


def paginate(query):
    """Paginate an ORM ``select`` by ``?page=``; out-of-range pages give 404."""
    return db.paginate(query, page=requested_page(), per_page=current_app.config["PAGE_SIZE"],
                       error_out=True)


def page_start(page: int, per_page: int) -> int:
    """The offset of the first row of ``page`` (pages count from 1)."""
    return (max(1, page) - 1) * per_page


@dataclass
class ListPage:
    """A page of rows read by hand, with the attributes of Flask-SQLAlchemy's pagination."""

    items: list
    page: int
    per_page: int
    total: int

    @classmethod
    def checked(cls, **kwargs) -> ListPage:
        """The page, or 404 when it lies past the end of a non-empty list."""
        obj = cls(**dict(kwargs, page=max(1, kwargs["page"])))
        if obj.page > 1 and not obj.items:
            abort(404)
        return obj

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def __iter__(self):
        return iter(self.items)
