"""Property tests (hypothesis): capacities never violated; optimal on flow-shaped instances
(against scipy's linear_sum_assignment) and on tiny instances (against brute force)."""

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching import Problem, solve
from matching.core import check_solution
from matching.cpsat import solve_cpsat
from matching.greedy import solve_greedy

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def assignment(draw):
    n = draw(st.integers(1, 7))
    m = draw(st.integers(1, 7))
    arcs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1),
                                   st.integers(-30, 30)), max_size=n * m,
                         unique_by=lambda t: (t[0], t[1])))
    return n, m, arcs


@SETTINGS
@given(assignment())
def test_flow_equals_linear_sum_assignment(inst):
    n, m, arcs = inst
    p = Problem.from_json({
        "volunteers": [{"id": f"v{j}"} for j in range(m)],
        "families": [{"id": f"f{i}"} for i in range(n)],
        "candidates": [{"volunteer": f"v{j}", "family": f"f{i}", "score": s}
                       for i, j, s in arcs]})
    sol = solve(p)
    big = 2 * 30 * (n + m) + 1
    w = np.zeros((n, m), dtype=np.int64)
    for i, j, s in arcs:
        w[i, j] = big + s
    r, c = linear_sum_assignment(w, maximize=True)
    total = int(w[r, c].sum())
    count = int((w[r, c] > 0).sum())
    assert sol.status == "optimal"
    assert (sol.served_priority, sol.score) == (count, total - count * big)
    assert sol.bound == sol.score
    assert check_solution(p, sol) == []


@st.composite
def general(draw):
    nv = draw(st.integers(1, 4))
    nf = draw(st.integers(1, 4))
    vols = [{"id": f"v{j}",
             "max_families": draw(st.one_of(st.none(), st.integers(0, 3))),
             "hours_per_week": draw(st.one_of(st.none(), st.integers(0, 6)))}
            for j in range(nv)]
    fams = [{"id": f"f{i}", "priority": draw(st.integers(-1, 3)),
             "max_new_volunteers": draw(st.integers(0, 2))} for i in range(nf)]
    pairs = draw(st.lists(st.tuples(st.integers(0, nv - 1), st.integers(0, nf - 1)),
                          max_size=9, unique=True))
    cands = [{"volunteer": f"v{j}", "family": f"f{i}", "score": draw(st.integers(-20, 20)),
              "hours_per_week": draw(st.integers(0, 4))} for j, i in pairs]
    return Problem.from_json({"volunteers": vols, "families": fams, "candidates": cands})


def brute_force(p):
    best = (0, 0)
    prio = {f.id: f.priority for f in p.families}
    for r in range(len(p.candidates) + 1):
        for combo in itertools.combinations(p.candidates, r):
            ok = True
            for v in p.volunteers:
                mine = [c for c in combo if c.volunteer == v.id]
                if v.max_families is not None and len(mine) > v.max_families:
                    ok = False
                if v.hours_per_week is not None and sum(c.hours_per_week for c in mine) > \
                        v.hours_per_week:
                    ok = False
            for f in p.families:
                if sum(c.family == f.id for c in combo) > f.max_new_volunteers:
                    ok = False
            if ok:
                best = max(best, (sum(prio[c.family] for c in combo),
                                  sum(c.score for c in combo)))
    return best


@SETTINGS
@given(general())
def test_solve_is_feasible_and_optimal_on_tiny_instances(p):
    sol = solve(p, time_limit=10)
    assert check_solution(p, sol) == []
    assert sol.status == "optimal"
    assert (sol.served_priority, sol.score) == brute_force(p)
    assert sol.bound is not None and sol.bound >= sol.score
    g = solve_greedy(p)
    assert check_solution(p, g) == []


@settings(max_examples=15, deadline=None)
@given(general())
def test_cpsat_agrees_with_flow_without_hours(p):
    data = p.to_json()
    for v in data["volunteers"]:
        v["hours_per_week"] = None
    q = Problem.from_json(data)
    a, b = solve(q), solve_cpsat(q, 10)
    assert (a.served_priority, a.score) == (b.served_priority, b.score)
