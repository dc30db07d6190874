"""The dashboard's figures, one function per figure, over a :class:`Scope` (one programme,
or every programme of an organisation).

Pure-ish: each function only reads the database (a few grouped queries, never one per row)
and returns plain data; the words are added by the templates (:mod:`.labels`). Definitions:

- a family *waits* while one of its requests in scope has status ``waiting`` (a family in two
  programmes of the scope counts once); the longest wait runs from ``waiting_since``;
- a *match* is a match row, but the two rows of a trio count as one;
- the *volunteer pool* is every volunteer interested in a programme of the scope who has not
  left; a paused volunteer (not matchable today) is counted apart as ``paused``. Readiness
  comes from ``training/`` (:func:`~webapp.volunteers.readiness.readiness_for`); for a
  volunteer in several programmes of the scope the best programme counts;
- the *training funnel* is cumulative: e-learning, then themabijeenkomst, then VOG, then
  ready. A step the programme does not require counts as passed;
- the *time to match* runs from the start of the waiting period (the request's latest move
  to ``waiting`` before the approval) to the approval;
- the *country-of-origin group* of a family is known only where its current consent for
  special-category data is "use"; otherwise it is "not recorded" (``None``).
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Programme
from ..models.families import Consent, Family, FamilyRequest, FamilyRequestEvent, Parent
from ..models.matches import ACTIVE_MATCH_STATUSES, ContactMoment, Match, Proposal
from ..models.volunteers import Volunteer, VolunteerStatus, volunteer_programmes
from ..volunteers.readiness import readiness_for

READINESS_KEYS = ("ready", "ready_warning", "not_ready", "paused")
FUNNEL_STEPS = ("registered", "elearning", "themabijeenkomst", "vog", "ready")
# catalogue items of the funnel steps 1-3 (the last step is readiness itself)
FUNNEL_ITEMS = ("pharos_elearning", "themabijeenkomst", "vog")
# time-to-match buckets in days: [low, high); None = open-ended
TIME_BUCKETS = ((0, 14), (14, 30), (30, 60), (60, 90), (90, 180), (180, None))
SMALL_CELL = 5
NOT_RECORDED = None


@dataclass(frozen=True)
class Scope:
    """The programmes a dashboard covers."""

    programmes: tuple[Programme, ...]
    organisation_id: int | None = None

    @property
    def ids(self) -> list[int]:
        return sorted(p.id for p in self.programmes) or [-1]


def programme_scope(programme: Programme) -> Scope:
    return Scope((programme,), programme.organisation_id)


def organisation_scope(organisation_id: int) -> Scope:
    programmes = db.session.execute(
        db.select(Programme).where(Programme.organisation_id == organisation_id)
        .order_by(Programme.name)).scalars().all()
    return Scope(tuple(programmes), organisation_id)


def _month_start(today: date) -> datetime:
    return datetime(today.year, today.month, 1)


def _one_per_trio():
    """A SQL expression counting the two rows of a trio once."""
    return db.func.count(db.distinct(db.func.coalesce(Match.trio_key,
                                                      db.cast(Match.id, db.String))))


# --- headline figures -----------------------------------------------------------------------

@dataclass(frozen=True)
class Waiting:
    count: int
    longest_days: int | None


def families_waiting(scope: Scope, today: date) -> Waiting:
    """Families waiting (count) and the longest waiting time in days (None: nobody waits)."""
    count, oldest = db.session.execute(
        db.select(db.func.count(db.distinct(FamilyRequest.family_id)),
                  db.func.min(FamilyRequest.waiting_since))
        .where(FamilyRequest.programme_id.in_(scope.ids),
               FamilyRequest.status == "waiting")).one()
    return Waiting(int(count), (today - oldest.date()).days if oldest else None)


def matched_this_month(scope: Scope, today: date) -> int:
    """Matches approved since the first of this month (whatever their status now)."""
    return int(db.session.execute(
        db.select(_one_per_trio()).where(Match.programme_id.in_(scope.ids),
                                         Match.approved_at >= _month_start(today))).scalar_one())


def active_matches(scope: Scope) -> int:
    """Matches approved, introduced or active (not ended)."""
    return int(db.session.execute(
        db.select(_one_per_trio()).where(Match.programme_id.in_(scope.ids),
                                         Match.status.in_(ACTIVE_MATCH_STATUSES))).scalar_one())


def programme_headlines(programme_ids: list[int], today: date) -> dict[int, dict]:
    """Per programme: waiting families, matched this month, active matches (three grouped
    queries, whatever the number of programmes)."""
    ids = list(programme_ids) or [-1]
    out = {pid: {"waiting": 0, "matched_month": 0, "active": 0} for pid in programme_ids}
    for pid, n in db.session.execute(
            db.select(FamilyRequest.programme_id, db.func.count(FamilyRequest.id))
            .where(FamilyRequest.programme_id.in_(ids), FamilyRequest.status == "waiting")
            .group_by(FamilyRequest.programme_id)):
        out[pid]["waiting"] = int(n)
    for key, cond in (("matched_month", Match.approved_at >= _month_start(today)),
                      ("active", Match.status.in_(ACTIVE_MATCH_STATUSES))):
        for pid, n in db.session.execute(
                db.select(Match.programme_id, _one_per_trio())
                .where(Match.programme_id.in_(ids), cond).group_by(Match.programme_id)):
            out[pid][key] = int(n)
    return out


# --- the volunteer pool ---------------------------------------------------------------------

@dataclass(frozen=True)
class PoolMember:
    """One volunteer of the pool: their best readiness and funnel step over the scope."""

    volunteer: Volunteer
    status: str  # ready / ready_warning / not_ready / paused
    step: int  # index into FUNNEL_STEPS reached
    programme_ids: frozenset[int]

    @property
    def ready(self) -> bool:
        return self.status in ("ready", "ready_warning")


def _step(readiness) -> int:
    missing = {m.item for m in readiness.missing}
    step = 0
    for item in FUNNEL_ITEMS:
        if item in missing:
            return step
        step += 1
    return step + 1 if readiness.ready else step


def volunteer_pool(scope: Scope, today: date) -> list[PoolMember]:
    """Every volunteer of the scope who has not left, with readiness (batched queries)."""
    by_vol: dict[int, set[int]] = defaultdict(set)
    for vid, pid in db.session.execute(
            db.select(volunteer_programmes.c.volunteer_id, volunteer_programmes.c.programme_id)
            .where(volunteer_programmes.c.programme_id.in_(scope.ids))):
        by_vol[vid].add(pid)
    if not by_vol:
        return []
    vols = db.session.execute(
        db.select(Volunteer).options(selectinload(Volunteer.user))
        .where(Volunteer.id.in_(db.select(volunteer_programmes.c.volunteer_id).where(
            volunteer_programmes.c.programme_id.in_(scope.ids))),
               Volunteer.status != VolunteerStatus.left.value)
        .order_by(Volunteer.id)).scalars().all()
    vols = [v for v in vols if v.user.active]
    ready = readiness_for(vols, on=today, programmes=list(scope.programmes))
    pool = []
    rank = {"ready": 0, "ready_warning": 1, "not_ready": 2}
    for v in vols:
        mine = [r for pid, r in ready[v.id].items() if pid in by_vol[v.id]]
        status = min((r.status for r in mine), key=rank.__getitem__, default="not_ready")
        if not v.matchable_on(today):
            status = "paused"
        pool.append(PoolMember(v, status, max((_step(r) for r in mine), default=0),
                               frozenset(by_vol[v.id])))
    return pool


def volunteers_by_readiness(scope: Scope, today: date, pool=None) -> dict[str, int]:
    """Volunteers per readiness: ready, ready_warning (something expires soon), not_ready,
    paused."""
    pool = volunteer_pool(scope, today) if pool is None else pool
    counts = Counter(m.status for m in pool)
    return {key: counts.get(key, 0) for key in READINESS_KEYS}


def training_funnel(scope: Scope, today: date, pool=None) -> list[tuple[str, int]]:
    """(step, volunteers who reached it) for registered → e-learning → themabijeenkomst →
    VOG → ready."""
    pool = volunteer_pool(scope, today) if pool is None else pool
    return [(name, sum(1 for m in pool if m.step >= i)) for i, name in enumerate(FUNNEL_STEPS)]


def ready_by_programme(scope: Scope, today: date, pool=None) -> dict[int, int]:
    """Programme id → volunteers ready for it (and not paused)."""
    pool = volunteer_pool(scope, today) if pool is None else pool
    out = {p.id: 0 for p in scope.programmes}
    for m in pool:
        if m.ready:
            for pid in m.programme_ids:
                out[pid] = out.get(pid, 0) + 1
    return out


# --- languages --------------------------------------------------------------------------------

@dataclass(frozen=True)
class LanguageRow:
    code: str
    waiting_families: int
    ready_volunteers: int


def _family_languages(family_ids_query) -> dict[int, set[str]]:
    """family id → the codes of its parents' languages."""
    out: dict[int, set[str]] = defaultdict(set)
    for fid, langs in db.session.execute(
            db.select(Parent.family_id, Parent.languages)
            .where(Parent.family_id.in_(family_ids_query))):
        out[fid].update(item["code"] for item in (langs or []) if item.get("code"))
    return out


def language_supply_demand(scope: Scope, today: date, pool=None) -> list[LanguageRow]:
    """Per language (Dutch left out: nearly every volunteer speaks it): families waiting
    whose parents speak it, against ready volunteers who speak it. Most demand first."""
    pool = volunteer_pool(scope, today) if pool is None else pool
    waiting = (db.select(FamilyRequest.family_id)
               .where(FamilyRequest.programme_id.in_(scope.ids),
                      FamilyRequest.status == "waiting"))
    demand: Counter = Counter()
    for langs in _family_languages(waiting).values():
        demand.update(langs - {"nl"})
    supply: Counter = Counter()
    for m in pool:
        if m.ready:
            supply.update(set(m.volunteer.languages or {}) - {"nl"})
    codes = set(demand) | set(supply)
    rows = [LanguageRow(c, demand.get(c, 0), supply.get(c, 0)) for c in codes]
    return sorted(rows, key=lambda r: (-r.waiting_families, -r.ready_volunteers, r.code))


# --- time to match --------------------------------------------------------------------------

def _match_waits(scope: Scope) -> list[tuple[int, int, int]]:
    """(request id, programme id, days from the start of waiting to approval) per match
    (one per trio), from the request's history."""
    rows = db.session.execute(
        db.select(Match.id, Match.trio_key, Match.family_request_id, Match.programme_id,
                  Match.approved_at, db.func.max(FamilyRequestEvent.at))
        .join(FamilyRequestEvent, db.and_(
            FamilyRequestEvent.request_id == Match.family_request_id,
            FamilyRequestEvent.to_status == "waiting",
            FamilyRequestEvent.at <= Match.approved_at))
        .where(Match.programme_id.in_(scope.ids))
        .group_by(Match.id, Match.trio_key, Match.family_request_id, Match.programme_id,
                  Match.approved_at)
        .order_by(Match.id)).all()
    seen, out = set(), []
    for mid, trio, rid, pid, approved, start in rows:
        key = trio or mid
        if key in seen:
            continue
        seen.add(key)
        out.append((rid, pid, max(0, (approved - start).days)))
    return out


@dataclass(frozen=True)
class TimeToMatch:
    buckets: list[tuple[tuple[int, int | None], int]]
    count: int
    median_days: float | None


def time_to_match(scope: Scope) -> TimeToMatch:
    """How long families waited before their match: counts per bucket, and the median."""
    days = [d for _r, _p, d in _match_waits(scope)]
    buckets = [((lo, hi), sum(1 for d in days if d >= lo and (hi is None or d < hi)))
               for lo, hi in TIME_BUCKETS]
    return TimeToMatch(buckets, len(days), statistics.median(days) if days else None)


# --- volunteer hours (for funders) ----------------------------------------------------------

@dataclass
class Hours:
    """Hours from contact moments per programme and month, newest month first."""

    months: list[tuple[int, int]]
    minutes: dict[tuple[int, tuple[int, int]], int] = field(default_factory=dict)
    moments: dict[tuple[int, tuple[int, int]], int] = field(default_factory=dict)

    def hours(self, programme_id: int, month: tuple[int, int]) -> float:
        return round(self.minutes.get((programme_id, month), 0) / 60, 1)

    def programme_total(self, programme_id: int) -> float:
        return round(sum(m for (pid, _), m in self.minutes.items() if pid == programme_id)
                     / 60, 1)

    def month_total(self, month: tuple[int, int]) -> float:
        return round(sum(m for (_, mo), m in self.minutes.items() if mo == month) / 60, 1)

    @property
    def total(self) -> float:
        return round(sum(self.minutes.values()) / 60, 1)


def _months_back(today: date, n: int) -> list[tuple[int, int]]:
    y, m, out = today.year, today.month, []
    for _ in range(n):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def volunteer_hours(scope: Scope, today: date, months: int = 12) -> Hours:
    """Volunteer hours (contact moments' minutes) per programme and month, this month and the
    ``months - 1`` before it."""
    wanted = _months_back(today, months)
    since = date(*wanted[-1], 1)
    year = db.extract("year", ContactMoment.happened_on)
    month = db.extract("month", ContactMoment.happened_on)
    out = Hours(wanted)
    for pid, y, m, minutes, n in db.session.execute(
            db.select(Match.programme_id, year, month, db.func.sum(ContactMoment.minutes),
                      db.func.count(ContactMoment.id))
            .join(Match, Match.id == ContactMoment.match_id)
            .where(Match.programme_id.in_(scope.ids), ContactMoment.happened_on >= since,
                   ContactMoment.happened_on <= today)
            .group_by(Match.programme_id, year, month)):
        key = (pid, (int(y), int(m)))
        out.minutes[key], out.moments[key] = int(minutes), int(n)
    return out


# --- fairness monitor ------------------------------------------------------------------------

@dataclass(frozen=True)
class FamilyGroupRow:
    """One group of families: requests enrolled, waiting now (median wait in days), matched
    (at least once), match rate, median days to the first match."""

    group: str | None
    enrolled: int
    waiting: int
    median_wait_days: float | None
    matched: int
    median_days_to_match: float | None

    @property
    def match_rate(self) -> float | None:
        return self.matched / self.enrolled if self.enrolled else None


def _request_facts(scope: Scope, today: date) -> list[dict]:
    """Every request of the scope with its family's languages and origin group, whether it
    waits (and how long), and the days to its first match."""
    reqs = db.session.execute(
        db.select(FamilyRequest.id, FamilyRequest.family_id, FamilyRequest.status,
                  FamilyRequest.waiting_since)
        .where(FamilyRequest.programme_id.in_(scope.ids))).all()
    families = (db.select(FamilyRequest.family_id)
                .where(FamilyRequest.programme_id.in_(scope.ids)))
    langs = _family_languages(families)
    latest = (db.select(db.func.max(Consent.id)).where(Consent.family_id == Family.id)
              .correlate(Family).scalar_subquery())
    origin = {fid: (country if special == "use" and withdrawn is None else NOT_RECORDED)
              for fid, country, special, withdrawn in db.session.execute(
                  db.select(Family.id, Family.country_of_origin, Consent.special_category,
                            Consent.withdrawn_at)
                  .join(Consent, Consent.id == latest)
                  .where(Family.id.in_(families)))}
    first_match: dict[int, int] = {}
    for rid, _pid, days in _match_waits(scope):
        if rid not in first_match:  # matches come in id order: the first is the earliest
            first_match[rid] = days
    return [{"family": fid, "languages": langs.get(fid) or {NOT_RECORDED},
             "origin": origin.get(fid, NOT_RECORDED),
             "wait": (today - since.date()).days if status == "waiting" else None,
             "to_match": first_match.get(rid)} for rid, fid, status, since in reqs]


def _group_rows(facts: list[dict], groups_of) -> list[FamilyGroupRow]:
    grouped: dict = defaultdict(list)
    for f in facts:
        for g in groups_of(f):
            grouped[g].append(f)

    def med(values):
        return statistics.median(values) if values else None
    rows = []
    for g, items in grouped.items():
        waits = [f["wait"] for f in items if f["wait"] is not None]
        to_match = [f["to_match"] for f in items if f["to_match"] is not None]
        rows.append(FamilyGroupRow(g, len(items), len(waits), med(waits), len(to_match),
                                   med(to_match)))
    return sorted(rows, key=lambda r: (r.group is None, -r.enrolled, r.group or ""))


def fairness_by_language(scope: Scope, today: date, facts=None) -> list[FamilyGroupRow]:
    """Waiting time and match rate per family language (a family counts in each of its
    parents' languages; ``None``: no language recorded)."""
    facts = _request_facts(scope, today) if facts is None else facts
    return _group_rows(facts, lambda f: f["languages"])


def fairness_by_origin(scope: Scope, today: date, facts=None) -> list[FamilyGroupRow]:
    """Waiting time and match rate per country-of-origin group (``None``: not recorded, or
    not to be used)."""
    facts = _request_facts(scope, today) if facts is None else facts
    return _group_rows(facts, lambda f: [f["origin"]])


@dataclass(frozen=True)
class VolunteerGroupRow:
    """One group of volunteers: in the pool, ready, and their proposals and approvals."""

    group: str | bool | None
    volunteers: int
    ready: int
    proposals: int
    approved: int
    rejected: int

    @property
    def approval_rate(self) -> float | None:
        return self.approved / self.proposals if self.proposals else None


@dataclass(frozen=True)
class VolunteerGroups:
    by_background: list[VolunteerGroupRow]  # group: True (refugee background) / False
    by_origin: list[VolunteerGroupRow]  # group: country code, None = not recorded


def fairness_volunteer_groups(scope: Scope, today: date, pool=None) -> VolunteerGroups:
    """Proposals and approvals per volunteer group (refugee background yes/no; country of
    origin where known), next to the group's size in the pool, so one sees whether matching
    or the pool leaves a group behind."""
    pool = volunteer_pool(scope, today) if pool is None else pool
    counts: dict = defaultdict(Counter)

    def keys(background, origin):
        return (("bg", bool(background)), ("origin", origin or NOT_RECORDED))
    for m in pool:
        for k in keys(m.volunteer.refugee_background, m.volunteer.origin_country):
            counts[k]["volunteers"] += 1
            counts[k]["ready"] += int(m.ready)
    for column in (Proposal.volunteer_id, Proposal.volunteer2_id):
        for status, background, origin, n in db.session.execute(
                db.select(Proposal.status, Volunteer.refugee_background,
                          Volunteer.origin_country, db.func.count(Proposal.id))
                .join(Volunteer, Volunteer.id == column)
                .where(Proposal.programme_id.in_(scope.ids))
                .group_by(Proposal.status, Volunteer.refugee_background,
                          Volunteer.origin_country)):
            for k in keys(background, origin):
                counts[k]["proposals"] += n
                if status in ("approved", "rejected"):
                    counts[k][status] += n

    def rows(kind):
        out = [VolunteerGroupRow(g, c["volunteers"], c["ready"], c["proposals"],
                                 c["approved"], c["rejected"])
               for (k, g), c in counts.items() if k == kind]
        return sorted(out, key=lambda r: (r.group is None, -r.volunteers, str(r.group)))
    return VolunteerGroups(rows("bg"), rows("origin"))


# --- the municipality's export ----------------------------------------------------------------

def suppress(n: int) -> str:
    """Small-cell suppression: any count under 5 (0 included) is shown as "<5"."""
    return "<5" if n < SMALL_CELL else str(int(n))


HIDDEN = "x"  # a count of 5 or more hidden so that a small one cannot be worked out
# Sections whose groups do not overlap, so their counts add up to a total that is shown
# elsewhere (all volunteers, all waiting families, all matches): one small cell in such a
# set could be worked out by subtraction.
PARTITIONS = ("volunteers", "volunteer_background", "volunteer_origin", "family_origin",
              "family_language", "time_to_match")


def suppress_rows(rows: list[tuple[str, str, str, int]]) -> list[tuple[str, str, str, str]]:
    """:func:`suppress` for every row, plus secondary suppression: where a set of groups
    that add up to a known total has exactly one small cell, its smallest other cell is
    hidden too (:data:`HIDDEN`), so that neither can be worked out from the total."""
    shown = [suppress(n) for *_key, n in rows]
    sets: dict[tuple[str, str], list[int]] = {}
    for i, (section, _code, measure, _n) in enumerate(rows):
        if section in PARTITIONS:
            sets.setdefault((section, measure), []).append(i)
    for members in sets.values():
        small = [i for i in members if rows[i][3] < SMALL_CELL]
        others = [i for i in members if rows[i][3] >= SMALL_CELL]
        if len(small) == 1 and others:
            shown[min(others, key=lambda i: (rows[i][3], i))] = HIDDEN
    return [(section, code, measure, text)
            for (section, code, measure, _n), text in zip(rows, shown)]


def municipality_rows(scope: Scope, today: date) -> list[tuple[str, str, str, int]]:
    """Counts only, as (section, group code, measure, count): no personal data, no times,
    no free text. Apply :func:`suppress_rows` before showing them to anyone outside."""
    pool = volunteer_pool(scope, today)
    facts = _request_facts(scope, today)
    rows: list[tuple[str, str, str, int]] = [
        ("summary", "all", "families_waiting", families_waiting(scope, today).count),
        ("summary", "all", "matched_this_month", matched_this_month(scope, today)),
        ("summary", "all", "active_matches", active_matches(scope))]
    rows += [("volunteers", key, "volunteers", n)
             for key, n in volunteers_by_readiness(scope, today, pool).items()]
    rows += [("training_funnel", step, "volunteers", n)
             for step, n in training_funnel(scope, today, pool)]
    for r in language_supply_demand(scope, today, pool):
        rows += [("language", r.code, "families_waiting", r.waiting_families),
                 ("language", r.code, "ready_volunteers", r.ready_volunteers)]
    for (lo, hi), n in time_to_match(scope).buckets:
        rows.append(("time_to_match", f"{lo}-{hi - 1}" if hi else f"{lo}+", "matches", n))
    for section, groups in (("family_language", fairness_by_language(scope, today, facts)),
                            ("family_origin", fairness_by_origin(scope, today, facts))):
        for g in groups:
            code = g.group or "not_recorded"
            rows += [(section, code, "enrolled", g.enrolled), (section, code, "waiting",
                                                                g.waiting),
                     (section, code, "matched", g.matched)]
    groups = fairness_volunteer_groups(scope, today, pool)
    for section, items in (("volunteer_background", groups.by_background),
                           ("volunteer_origin", groups.by_origin)):
        for g in items:
            code = ("yes" if g.group else "no") if isinstance(g.group, bool) \
                else (g.group or "not_recorded")
            rows += [(section, code, "volunteers", g.volunteers),
                     (section, code, "proposals", g.proposals),
                     (section, code, "approved", g.approved)]
    return rows
