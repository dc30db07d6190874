"""Message templates: a sandboxed Jinja environment, a documented whitelist of variables,
validation at save time, and the shipped defaults.

Why a sandbox: admins write templates, and a template must never reach Python objects or the
application's configuration. :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` blocks
``__class__``-style attribute tricks and mutation at render time; on top of that, validation
refuses (with the line number) every name that is not in the kind's whitelist, attributes that
start with ``_``, and tags that reach outside the template (``include``, ``import``, ``extends``,
``macro``). There is no loader and there are no globals, so ``{{ config }}``, ``{{ self }}``,
``{{ range }}`` or ``{{ lipsum }}`` are unknown variables. Undefined values are errors
(``StrictUndefined``), never silently empty.

Templates are plain text (paragraphs separated by a blank line); the HTML of an e-mail and the
printed letter are made from that text by escaping it, so a template cannot inject markup.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
GENERIC = "generic"
MAX_TEMPLATE_CHARS = 10_000
MAX_OUTPUT_CHARS = 20_000


@dataclass(frozen=True)
class Variable:
    """One variable a template may use: what it means and a sample value for previews."""

    name: str
    description: object  # a lazy string
    sample: object


def _v(name, description, sample):
    return Variable(name, description, sample)


# The whitelist. Every name a template may use is here, with what it contains.
VARIABLES: dict[str, Variable] = {v.name: v for v in [
    _v("parent_name", _l("First name of the parent the message is addressed to (may be empty)"),
       "Amina"),
    _v("volunteer_name", _l("First name of the volunteer"), "Sara"),
    _v("programme_name", _l("Name of the programme, e.g. Home-Start Leiden"), "Home-Start Leiden"),
    _v("organisation_name", _l("Name of the organisation"), "Home-Start Leiden"),
    _v("first_visit", _l("Day and time of the first visit, written in the message's language; "
                         "empty when it is still to be agreed"), "2 december 2026, 10:00"),
    _v("contact_name", _l("The family's point of contact (name)"), "Els de Vries"),
    _v("contact_phone", _l("The point of contact's phone number"), "071 123 45 67"),
    _v("personal_note", _l("The coordinator's own words for this message (may be empty)"), ""),
    _v("family_reference", _l("The family's reference, e.g. G-00012 (names no one)"), "G-00012"),
    _v("family_area", _l("Where the family lives, roughly (town and 4-digit postcode)"),
       "Leiden 2312"),
    _v("children_ages", _l("The children's ages in years, e.g. 2, 5"), "2, 5"),
    _v("family_languages", _l("The languages the parents speak"), "Arabisch, Nederlands (A1)"),
    _v("family_needs", _l("What the family would like help with"),
       "Praten met je kind, Contact met Nederlanders"),
    _v("address", _l("The family's address: only filled in once the first visit is confirmed"),
       ""),
    _v("address_confirmed", _l("Yes when the coordinator has confirmed the first visit"), False),
    _v("coordinator_name", _l("The coordinator's name"), "Els de Vries"),
    _v("coordinator_phone", _l("The coordinator's phone number"), "071 123 45 67"),
    _v("coordinator_email", _l("The coordinator's e-mail address"), "els@example.org"),
    _v("group_name", _l("Name of the parent group"), "Moedergroep Leiden-Noord"),
    _v("meeting_date", _l("Day and time of the meeting, written in the message's language"),
       "9 december 2026, 10:00"),
    _v("meeting_place", _l("Where the meeting is"), "Buurthuis De Kooi, Kooilaan 1, Leiden"),
    _v("meeting_topic", _l("The theme of the meeting"), "Het Nederlandse schoolsysteem"),
    _v("language_support", _l("Who translates, e.g. an interpreter for Arabic"),
       "een tolk Arabisch"),
]}


@dataclass(frozen=True)
class Kind:
    """A kind of message: its label, the variables it may use, and who receives it."""

    code: str
    label: object
    variables: tuple[str, ...]
    audience: str  # family / volunteer


_FAMILY = ("parent_name", "volunteer_name", "programme_name", "organisation_name", "first_visit",
           "contact_name", "contact_phone", "personal_note")
_VOLUNTEER = ("volunteer_name", "programme_name", "organisation_name", "parent_name",
              "family_reference", "family_area", "children_ages", "family_languages",
              "family_needs", "first_visit", "address", "address_confirmed", "coordinator_name",
              "coordinator_phone", "coordinator_email", "personal_note")
_GROUP = ("parent_name", "group_name", "programme_name", "organisation_name", "meeting_date",
          "meeting_place", "meeting_topic", "language_support", "contact_name", "contact_phone",
          "personal_note")

KINDS: dict[str, Kind] = {k.code: k for k in [
    Kind("family_intro", _l("Introduction to the family"), _FAMILY, "family"),
    # For families in which no parent reads: said by the coordinator or a sleutelpersoon,
    # printed with the Dutch text beside it (same paragraphs in every language).
    Kind("family_call_script", _l("Call script for the family (said on the phone)"), _FAMILY,
         "family"),
    Kind("volunteer_intro", _l("Introduction to the volunteer"), _VOLUNTEER, "volunteer"),
    Kind("group_invitation", _l("Invitation to a parent group"), _GROUP, "family"),
    Kind("group_reminder", _l("Reminder of a parent-group meeting"), _GROUP, "family"),
    # Sent once when the coordinator cancels an invitation sent by mistake.
    Kind("group_cancel", _l("Apology for an invitation sent by mistake"), _GROUP, "family"),
]}

# Programme types that have their own shipped family introduction.
PROGRAMME_TYPES = ("homestart", "mim", "steunouder", "spelaanhuis", "trio")

_FORBIDDEN_TAGS = {
    nodes.Extends: "extends", nodes.Include: "include", nodes.Import: "import",
    nodes.FromImport: "from … import", nodes.Macro: "macro", nodes.CallBlock: "call",
}


class TemplateProblem(Exception):
    """A template that cannot be used: ``message`` says why (translated), ``line`` where."""

    def __init__(self, message: str, line: int | None = None, field: str = "body"):
        super().__init__(message)
        self.message, self.line, self.field = message, line, field

    def __str__(self) -> str:
        if self.line:
            return _("Line %(line)s: %(message)s", line=self.line, message=self.message)
        return self.message


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                        keep_trailing_newline=False, trim_blocks=True,
                                        lstrip_blocks=True)
    env.globals.clear()  # no range, lipsum, cycler, joiner, namespace, dict
    return env


_ENV = _environment()


def _check_tree(tree, allowed: set[str], field: str) -> list[TemplateProblem]:
    problems: list[TemplateProblem] = []
    stored = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    has_loop = any(True for _n in tree.find_all(nodes.For))
    for node in tree.find_all(tuple(_FORBIDDEN_TAGS)):
        problems.append(TemplateProblem(
            _("The tag “%(tag)s” is not allowed in message templates.",
              tag=_FORBIDDEN_TAGS[type(node)]), node.lineno, field))
    for node in tree.find_all(nodes.Name):
        if node.ctx != "load" or node.name in allowed or node.name in stored:
            continue
        if node.name == "loop" and has_loop:
            continue
        problems.append(TemplateProblem(
            _("“%(name)s” is not a variable you can use here. Choose one from the list.",
              name=node.name), node.lineno, field))
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attr = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", "")
        if isinstance(attr, str) and attr.startswith("_"):
            problems.append(TemplateProblem(
                _("“%(name)s” cannot be used in a message template.", name=attr),
                node.lineno, field))
    return problems


def _template_line(exc: BaseException) -> int | None:
    """The template line of a render-time error, from Jinja's rewritten traceback."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _compile(source: str, allowed: set[str], field: str):
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateProblem(_("The template is too long (at most %(n)s characters).",
                                n=MAX_TEMPLATE_CHARS), None, field)
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(_("The template has a syntax error: %(error)s",
                                error=exc.message or ""), exc.lineno, field) from None
    problems = _check_tree(tree, allowed, field)
    if problems:
        raise problems[0]
    return _ENV.from_string(source)


class _Empty(str):
    """An empty value as the template sees it: false in ``{% if %}``, but printed as a marker
    so that :func:`render` can tell which empty values a message would show."""

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0


_MARK = "\ue000%s\ue001"
_MARK_RE = re.compile("\ue000([A-Za-z_]+)\ue001")


def _render_one(source: str, allowed: set[str], values: dict, field: str,
                missing: set[str] | None = None) -> str:
    """Fill in one template; names of empty values that were printed go into ``missing``
    (printed as nothing)."""
    template = _compile(source, allowed, field)
    values = {k: (_Empty(_MARK % k) if isinstance(v, str) and not v.strip() else v)
              for k, v in values.items() if k in allowed}
    try:
        out = template.render(values)
    except SecurityError as exc:
        raise TemplateProblem(_("The template tries something that is not allowed."),
                              _template_line(exc), field) from None
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateProblem(_("The template cannot be filled in: %(error)s",
                                error=str(exc)[:200]), _template_line(exc), field) from None
    if len(out) > MAX_OUTPUT_CHARS:
        raise TemplateProblem(_("The message is too long."), None, field)
    if missing is not None:
        missing.update(name.lower() for name in _MARK_RE.findall(out))
    return _MARK_RE.sub("", out)


@dataclass(frozen=True)
class Rendered:
    """A filled-in template: subject (one line) and plain-text body."""

    subject: str
    text: str
    missing: frozenset[str] = frozenset()  # empty values the text would show: never send it


def tidy_text(text: str) -> str:
    """Trailing spaces off, at most one blank line in a row, no blank start or end."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def render(kind: str, subject: str, body: str, values: dict) -> Rendered:
    """Fill in a template of ``kind`` with ``values`` (only whitelisted names are passed)."""
    allowed = set(KINDS[kind].variables)
    missing: set[str] = set()
    subj = _render_one(subject, allowed, values, "subject", missing)
    subj = " ".join(subj.split())  # one line, whatever the template did
    text = tidy_text(_render_one(body, allowed, values, "body", missing))
    return Rendered(subj, text, frozenset(missing))


def sample_values(kind: str) -> dict:
    """Sample data for previews and for trying a template at save time."""
    return {name: VARIABLES[name].sample for name in KINDS[kind].variables}


def validate(kind: str, subject: str, body: str) -> list[TemplateProblem]:
    """Every problem that stops this template from being saved (empty list: fine).

    Checks the syntax, the names used against the whitelist, then renders with sample data
    twice (with and without the optional values) so runtime errors surface now, not when a
    coordinator sends."""
    if kind not in KINDS:
        return [TemplateProblem(_("Unknown kind of message."))]
    problems: list[TemplateProblem] = []
    if not (subject or "").strip():
        problems.append(TemplateProblem(_("The subject is empty."), None, "subject"))
    if not (body or "").strip():
        problems.append(TemplateProblem(_("The text is empty."), None, "body"))
    if problems:
        return problems
    samples = sample_values(kind)
    # The same again with every optional value empty and every yes/no flipped, so both sides
    # of each ``{% if %}`` are tried.
    empty = {k: ("" if isinstance(v, str) else (not v if isinstance(v, bool) else v))
             for k, v in samples.items()}
    for values in (samples, {**empty, **{k: samples[k] for k in ("volunteer_name",)
                                          if k in samples}}):
        for field, source in (("subject", subject), ("body", body)):
            try:
                _render_one(source, set(KINDS[kind].variables), values, field)
            except TemplateProblem as exc:
                if not any(p.field == exc.field and p.line == exc.line for p in problems):
                    problems.append(exc)
    return problems


# --- Shipped defaults ------------------------------------------------------------------------

def default_path(kind: str, scope: str, language: str) -> Path:
    return DEFAULTS_DIR / kind / f"{scope}.{language}.txt"


def parse_default(text: str) -> tuple[str, str]:
    """A defaults file: ``Subject: …`` on the first line, a blank line, then the body."""
    first, _sep, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError("a defaults file starts with 'Subject: '")
    return first[len("Subject:"):].strip(), rest.lstrip("\n")


def load_default(kind: str, programme_type: str | None, language: str) -> tuple[str, str] | None:
    """The shipped (subject, body) for the programme type, else the generic one, else None."""
    for scope in ([programme_type] if programme_type else []) + [GENERIC]:
        path = default_path(kind, scope, language)
        if path.is_file():
            return parse_default(path.read_text(encoding="utf-8"))
    return None


def shipped_languages(kind: str) -> list[str]:
    """Languages with a shipped generic default of ``kind``."""
    folder = DEFAULTS_DIR / kind
    return sorted({p.name.split(".")[1] for p in folder.glob(f"{GENERIC}.*.txt")})
