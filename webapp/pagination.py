"""Pagination of list pages, one helper for all of them."""
from __future__ import annotations

from flask import current_app, request

from .extensions import db


def paginate(query):
    """Paginate a ``select`` by ``?page=``; out-of-range pages give 404."""
    page = request.args.get("page", 1, type=int)
    return db.paginate(query, page=max(page, 1), per_page=current_app.config["PAGE_SIZE"],
                       error_out=True)
