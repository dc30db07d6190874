"""matching.groups: hand-checked small cases, properties (hypothesis) and brute force."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.groups import (
    GroupInputError,
    GroupParent,
    GroupSettings,
    StaffMember,
    Venue,
    check_group,
    form_groups,
)

LEIDEN = (52.16, 4.49)
FAR = (53.22, 6.57)  # Groningen
SLOTS = ("tue_am", "thu_pm")
FAST = dict(time_limit_s=5, workers=1)


def parent(i, gender="f", langs=("ar",), slots=SLOTS, where=LEIDEN, family=None, wish="any"):
    return GroupParent(f"p{i}", family or f"f{i}", gender, tuple(langs), frozenset(slots),
                       where, wish)


def staff(sid, role, langs=(), slots=SLOTS, genders=("f", "m"), max_groups=1):
    return StaffMember(sid, role, frozenset(langs), frozenset(slots), frozenset(genders),
                       max_groups)


VENUE = [Venue("v", LEIDEN, SLOTS)]
TEAM = [staff("t1", "trainer", max_groups=2), staff("t2", "trainer", max_groups=2),
        staff("s-ar", "sleutelpersoon", ["ar"], max_groups=2),
        staff("i-prs", "interpreter", ["prs", "fa"], max_groups=2)]


def test_one_group_of_mothers_and_the_father_is_short():
    ps = [parent(i) for i in range(4)] + [parent(9, gender="m")]
    plan = form_groups(ps, VENUE, TEAM, GroupSettings(min_size=3, max_size=5, **FAST))
    assert plan.placed == 4 and plan.proven_optimal
    assert [(g.gender, len(g.members), g.support) for g in plan.groups] == [("f", 4, "s-ar")]
    assert [(u.parent, u.reason) for u in plan.unplaced] == [("p9", "too_few")]
    assert [(s.language, s.gender, s.count, s.short_by) for s in plan.shortages] == \
        [("ar", "m", 1, 2)]


def test_seven_dari_mothers_are_five_short_of_a_group_of_twelve():
    ps = [parent(i, langs=("prs",)) for i in range(7)]
    plan = form_groups(ps, VENUE, TEAM, GroupSettings(**FAST))
    assert plan.placed == 0 and plan.proven_optimal
    assert [(s.language, s.count, s.short_by) for s in plan.shortages] == [("prs", 7, 5)]


def test_an_interpreter_covering_two_languages_makes_one_group():
    ps = [parent(i, langs=("prs",)) for i in range(2)] + \
         [parent(i, langs=("fa",)) for i in range(2, 4)]
    plan = form_groups(ps, VENUE, TEAM, GroupSettings(min_size=4, max_size=6, **FAST))
    assert plan.placed == 4
    assert plan.groups[0].languages == ("fa", "prs") and plan.groups[0].support == "i-prs"


def test_no_one_speaks_the_language_and_distance_and_time():
    ps = [parent(0, langs=("ti",)), parent(1, where=FAR), parent(2, slots=("mon_am",))]
    plan = form_groups(ps, VENUE, TEAM, GroupSettings(min_size=1, max_size=3, **FAST))
    assert {u.parent: u.reason for u in plan.unplaced} == \
        {"p0": "no_staff", "p1": "too_far", "p2": "no_slot"}


def test_max_size_splits_into_two_groups_with_their_own_staff():
    ps = [parent(i) for i in range(8)]
    plan = form_groups(ps, VENUE, TEAM, GroupSettings(min_size=3, max_size=4, **FAST))
    assert plan.placed == 8 and len(plan.groups) == 2
    # the one Arabic sleutelpersoon leads both, so they meet at different times
    assert {g.slot for g in plan.groups} == set(SLOTS)


def test_family_together_all_or_none_and_apart_not_at_the_same_time():
    # a mother and a father who come together: the fathers' group cannot open, so neither
    ps = [parent(0, family="fa", wish="together"), parent(1, "m", family="fa",
                                                          wish="together"),
          parent(2), parent(3)]
    plan = form_groups(ps, VENUE, TEAM, GroupSettings(min_size=2, max_size=4, **FAST))
    placed = {m for g in plan.groups for m in g.members}
    assert placed == {"p2", "p3"}  # p1 can form no group alone, so p0 stays out too
    assert {u.parent: u.reason for u in plan.unplaced}["p0"] == "family"
    # apart: a mother and a father never at the same slot
    ps = [parent(i, family="fx" if i in (0, 4) else None, wish="apart" if i in (0, 4)
                 else "any", gender="f" if i < 4 else "m") for i in range(8)]
    plan = form_groups(ps, VENUE, TEAM, GroupSettings(min_size=2, max_size=4, **FAST))
    slot = {m: g.slot for g in plan.groups for m in g.members}
    assert plan.placed == 8 and slot["p0"] != slot["p4"]


def test_bad_input_is_refused_with_the_item_named():
    with pytest.raises(GroupInputError, match="p1"):
        form_groups([parent(1, gender="x")], VENUE, TEAM)
    with pytest.raises(GroupInputError):
        form_groups([], VENUE, TEAM, GroupSettings(min_size=5, max_size=4))


def test_check_group_names_each_broken_rule():
    trainer, sleutel = TEAM[0], TEAM[2]
    assert check_group("f", ["ar"], "tue_am", 12, trainer, sleutel) == []
    assert check_group("f", ["ti"], "mon_am", 5, trainer, sleutel) == [
        "below_minimum", "support_language", "trainer_slot", "support_slot"]


# --- properties ----------------------------------------------------------------------------

parents_strategy = st.lists(
    st.tuples(st.sampled_from("fm"), st.sampled_from([("ar",), ("prs",), ("ti",),
                                                      ("ar", "ku")]),
              st.sets(st.sampled_from(SLOTS), min_size=1), st.sampled_from(["any", "apart"]),
              st.integers(0, 3)),
    min_size=0, max_size=14)


def _build(rows):
    return [GroupParent(f"p{i}", f"f{fam}-{i % 2}", g, langs, frozenset(slots), LEIDEN, wish)
            for i, (g, langs, slots, wish, fam) in enumerate(rows)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parents_strategy)
def test_properties_gender_language_size(rows):
    ps = _build(rows)
    cfg = GroupSettings(min_size=2, max_size=3, **FAST)
    plan = form_groups(ps, VENUE, TEAM, cfg)
    by_id = {p.id: p for p in ps}
    staff_by_id = {s.id: s for s in TEAM}
    seen = set()
    for g in plan.groups:
        assert {by_id[m].gender for m in g.members} == {g.gender}  # no mixed group
        assert set(g.languages) <= staff_by_id[g.support].languages  # support speaks it
        assert staff_by_id[g.trainer].role == "trainer"
        assert all(set(g.languages) & set(by_id[m].languages) for m in g.members)
        assert cfg.min_size <= len(g.members) <= cfg.max_size
        assert all(g.slot in by_id[m].slots for m in g.members)
        assert not seen & set(g.members)
        seen |= set(g.members)
    busy = [(s, g.slot) for g in plan.groups for s in (g.trainer, g.support)]
    assert len(busy) == len(set(busy))  # no one in two groups at once
    assert plan.placed == len(seen) <= plan.placed_bound
    assert len(plan.unplaced) == len(ps) - plan.placed


# --- brute force ---------------------------------------------------------------------------

def brute_force(ps, venues, team, cfg) -> int:
    """The most parents that can be placed, by trying every assignment (tiny inputs)."""
    options = [(g, (lang,), v.id, s) for g in "fm" for lang in {x for p in ps
               for x in p.languages} for v in venues for s in v.slots]
    best = 0
    labels = range(len(ps) // cfg.min_size)
    for attrs in itertools.product(options, repeat=len(labels)):
        for assign in itertools.product([None, *labels], repeat=len(ps)):
            members = {k: [p for p, a in zip(ps, assign) if a == k] for k in labels}
            if any(not (p.gender == attrs[a][0] and attrs[a][1][0] in p.languages
                        and attrs[a][3] in p.slots)
                   for p, a in zip(ps, assign) if a is not None):
                continue
            opened = [k for k in labels if members[k]]
            if any(not cfg.min_size <= len(members[k]) <= cfg.max_size for k in opened):
                continue
            placed = sum(len(members[k]) for k in opened)
            if placed <= best or not _staffable([attrs[k] for k in opened], team):
                continue
            best = placed
    return best


def _staffable(groups, team) -> bool:
    trainers = [s for s in team if s.role == "trainer"]
    supports = [s for s in team if s.role != "trainer"]
    for choice in itertools.product(*[[(t, s) for t in trainers for s in supports
                                       if g[3] in t.slots and g[3] in s.slots
                                       and g[0] in t.genders and g[0] in s.genders
                                       and set(g[1]) <= s.languages] for g in groups]):
        busy = [(x.id, g[3]) for (t, s), g in zip(choice, groups) for x in (t, s)]
        count = {}
        for x in [x for pair in choice for x in pair]:
            count[x.id] = count.get(x.id, 0) + 1
        if len(busy) == len(set(busy)) and all(
                n <= next(s.max_groups for s in team if s.id == sid)
                for sid, n in count.items()):
            return True
    return not groups


tiny = st.lists(st.tuples(st.sampled_from("fm"), st.sampled_from([("ar",), ("ti",)]),
                          st.sets(st.sampled_from(SLOTS), min_size=1)),
                min_size=1, max_size=5)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny)
def test_placed_count_equals_brute_force(rows):
    ps = [GroupParent(f"p{i}", f"f{i}", g, langs, frozenset(slots), LEIDEN)
          for i, (g, langs, slots) in enumerate(rows)]
    team = [staff("t1", "trainer"), staff("s-ar", "sleutelpersoon", ["ar"], slots=("tue_am",)),
            staff("i-ti", "interpreter", ["ti"], max_groups=2)]
    cfg = GroupSettings(min_size=2, max_size=3, **FAST)
    plan = form_groups(ps, VENUE, team, cfg)
    assert plan.proven_optimal
    assert plan.placed == brute_force(ps, VENUE, team, cfg)
