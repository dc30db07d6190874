"""Finding and saving message templates: the admin's rows first, then the shipped defaults.

Look-up order for (kind, language): the programme's own row → the programme type's row → the
generic row (``*``) → the shipped default for the programme type → the shipped generic
default. Saving validates first (nothing is stored when a problem is found), refuses a save
based on an older version, and writes an audit entry.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ..audit import record
from ..extensions import db
from ..models import GENERIC_SCOPE, MessageTemplate
from . import templating


@dataclass(frozen=True)
class TemplateSource:
    """The template text to use, and where it came from (for the admin and the preview)."""

    kind: str
    language: str
    subject: str
    body: str
    origin: str  # "custom" or "shipped"
    scope: str
    version: int = 0


def scope_for(programme_id: int | None = None, programme_type: str | None = None) -> str:
    if programme_id:
        return f"programme:{programme_id}"
    if programme_type:
        return f"type:{programme_type}"
    return GENERIC_SCOPE


def _scopes(programme_id, programme_type) -> list[str]:
    scopes = []
    if programme_id:
        scopes.append(f"programme:{programme_id}")
    if programme_type:
        scopes.append(f"type:{programme_type}")
    return scopes + [GENERIC_SCOPE]


def custom_row(kind: str, language: str, scope: str) -> MessageTemplate | None:
    return db.session.execute(db.select(MessageTemplate).filter_by(
        kind=kind, language=language, scope=scope)).scalar_one_or_none()


def find_template(kind: str, language: str, *, programme_id: int | None = None,
                  programme_type: str | None = None) -> TemplateSource | None:
    """The template for ``kind`` in ``language``, or None when there is none at all."""
    rows = {r.scope: r for r in db.session.execute(db.select(MessageTemplate).where(
        MessageTemplate.kind == kind, MessageTemplate.language == language,
        MessageTemplate.scope.in_(_scopes(programme_id, programme_type)))).scalars()}
    for scope in _scopes(programme_id, programme_type):
        if scope in rows:
            r = rows[scope]
            return TemplateSource(kind, language, r.subject, r.body, "custom", scope, r.version)
    shipped = templating.load_default(kind, programme_type, language)
    if shipped:
        return TemplateSource(kind, language, shipped[0], shipped[1], "shipped",
                              scope_for(programme_type=programme_type))
    return None


def template_for_scope(kind: str, language: str, scope: str) -> TemplateSource | None:
    """What the admin sees when opening (kind, language, scope): the row, or what applies."""
    row = custom_row(kind, language, scope)
    if row:
        return TemplateSource(kind, language, row.subject, row.body, "custom", scope,
                              row.version)
    programme_type = scope[5:] if scope.startswith("type:") else None
    shipped = templating.load_default(kind, programme_type, language)
    if shipped:
        return TemplateSource(kind, language, shipped[0], shipped[1], "shipped", scope)
    return None


def available_languages(kind: str, *, programme_id=None, programme_type=None) -> list[str]:
    """Languages in which a template of ``kind`` exists for this programme."""
    from ..vocab import MESSAGE_LANGUAGES
    langs = set(templating.shipped_languages(kind))
    langs |= set(db.session.execute(db.select(MessageTemplate.language).where(
        MessageTemplate.kind == kind,
        MessageTemplate.scope.in_(_scopes(programme_id, programme_type)))).scalars())
    order = {code: i for i, code in enumerate(MESSAGE_LANGUAGES)}
    return sorted(langs, key=lambda c: (order.get(c, 99), c))


class VersionConflict(Exception):
    """Someone saved this template after the editor opened it."""


def save_template(*, kind: str, language: str, scope: str, subject: str, body: str,
                  base_version: int, user_id: int | None) -> MessageTemplate:
    """Validate and store; raises ``TemplateProblem`` (first problem) or ``VersionConflict``.
    The caller commits."""
    problems = templating.validate(kind, subject, body)
    if problems:
        raise problems[0]
    row = custom_row(kind, language, scope)
    current = row.version if row else 0
    if base_version != current:
        raise VersionConflict(_("Someone else saved this text in the meantime. Your text is "
                                "still in the form: compare it with the saved one and save "
                                "again."))
    if row is None:
        row = MessageTemplate(kind=kind, language=language, scope=scope, version=0,
                              programme_type_code=scope[5:] if scope.startswith("type:")
                              else None,
                              programme_id=int(scope[10:]) if scope.startswith("programme:")
                              else None)
        db.session.add(row)
    row.subject, row.body = subject.strip(), body.replace("\r\n", "\n").strip() + "\n"
    row.version = current + 1
    row.updated_by_id = user_id
    db.session.flush()
    record("update" if current else "create", "message_template", row.id,
           fields=["subject", "body"], user_id=user_id)
    return row


def reset_template(kind: str, language: str, scope: str, user_id: int | None) -> bool:
    """Remove the admin's version, so the shipped default applies again. Caller commits."""
    row = custom_row(kind, language, scope)
    if row is None:
        return False
    record("delete", "message_template", row.id, user_id=user_id)
    db.session.delete(row)
    return True
