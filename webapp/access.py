"""Access rules, in one place: who may see and change what.

Every view that takes an object id loads it through a ``get_…_or_404`` helper here, which
answers 404 (not 403) for objects of another organisation, so ids cannot be probed.
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .extensions import db
from .models import Job, Programme, Role, User


def roles_required(*roles: str):
    """Decorator: logged in, and one of ``roles`` (403 otherwise)."""
    def wrap(view):
        @wraps(view)
        @login_required
        def inner(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return inner
    return wrap


staff_required = roles_required(Role.coordinator.value, Role.admin.value)
admin_required = roles_required(Role.admin.value)


def visible_programme_ids(user: User) -> set[int]:
    """Programmes whose data ``user`` may see."""
    if user.role == Role.admin.value:
        query = db.select(Programme.id)
        if user.organisation_id is not None:
            query = query.filter_by(organisation_id=user.organisation_id)
        return set(db.session.execute(query).scalars())
    if user.role == Role.coordinator.value:
        return {p.id for p in user.programmes}
    return set()


def visible_programmes(user: User) -> list[Programme]:
    ids = visible_programme_ids(user)
    if not ids:
        return []
    return list(db.session.execute(
        db.select(Programme).where(Programme.id.in_(ids)).order_by(Programme.name)).scalars())


def get_programme_or_404(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None or programme.id not in visible_programme_ids(current_user):
        abort(404)
    return programme


def can_manage_organisation(user: User, organisation_id: int | None) -> bool:
    return user.role == Role.admin.value and (
        user.organisation_id is None or user.organisation_id == organisation_id)


def get_job_or_404(job_id: str) -> Job:
    """Jobs are visible to whoever started them, and to admins."""
    row = db.session.get(Job, job_id)
    if row is None or not (row.created_by_id == current_user.id
                           or current_user.role == Role.admin.value):
        abort(404)
    return row
