"""Hand-checked pair and trio cases: lexicographic objective, caps, hours, flow vs CP-SAT."""

import pytest

from matching import Problem, solve
from matching.core import check_solution
from matching.cpsat import solve_cpsat, solve_naive
from matching.flow import solve_flow
from matching.greedy import solve_greedy
from matching.problem import TrioProblem
from matching.trios import solve_trios, solve_trios_greedy


def P(vols, fams, cands):
    return Problem.from_json({
        "volunteers": [v if isinstance(v, dict) else {"id": v} for v in vols],
        "families": [f if isinstance(f, dict) else {"id": f} for f in fams],
        "candidates": [dict(zip(("volunteer", "family", "score", "hours_per_week"), c))
                       for c in cands]})


def pairs(sol):
    return sorted((m.volunteer, m.family) for m in sol.matches)


def test_simple_assignment():
    p = P(["a", "b"], ["x", "y"], [("a", "x", 5), ("a", "y", 4), ("b", "x", 4), ("b", "y", 1)])
    sol = solve(p)
    # 5+1 = 6 < 4+4 = 8
    assert pairs(sol) == [("a", "y"), ("b", "x")] and sol.score == 8
    assert sol.status == "optimal" and sol.bound == 8 and sol.served_priority == 2
    assert sol.unmatched_families == ()


def test_coverage_beats_score_even_when_negative():
    # Matching both families (one with a negative score) beats one great match.
    p = P(["a", "b"], ["x", "y"], [("a", "x", 100), ("b", "x", 90), ("a", "y", -50)])
    sol = solve(p)
    assert pairs(sol) == [("a", "y"), ("b", "x")]
    assert sol.served_priority == 2 and sol.score == 40


def test_priority_first():
    p = P(["a"], [{"id": "x", "priority": 1}, {"id": "y", "priority": 3}],
          [("a", "x", 100), ("a", "y", -10)])
    sol = solve(p)
    assert pairs(sol) == [("a", "y")] and sol.served_priority == 3 and sol.score == -10
    assert sol.unmatched_families == ("x",)


def test_priority_zero_only_when_beneficial_and_negative_never():
    p = P([{"id": "a", "max_families": None}], [{"id": "x", "priority": 0},
                                                {"id": "y", "priority": 0},
                                                {"id": "z", "priority": -1}],
          [("a", "x", 5), ("a", "y", -5), ("a", "z", 50)])
    sol = solve(p)
    assert pairs(sol) == [("a", "x")] and sol.served_priority == 0 and sol.score == 5


def test_overload_cap_and_max_families():
    p = P([{"id": "a", "max_families": 2}, "b", "c"],
          [{"id": "x", "max_new_volunteers": 2}, {"id": "y", "max_new_volunteers": 0}],
          [("a", "x", 3), ("b", "x", 2), ("c", "x", 1), ("a", "y", 9)])
    sol = solve(p)
    assert pairs(sol) == [("a", "x"), ("b", "x")]
    assert check_solution(p, sol) == []


def test_unlimited_family_cap():
    p = P(["a", "b", "c"], [{"id": "x", "max_new_volunteers": None}],
          [("a", "x", 1), ("b", "x", 1), ("c", "x", 1)])
    assert len(solve(p).matches) == 3


def test_hours_bind_uses_cpsat_and_is_exact():
    p = P([{"id": "a", "max_families": None, "hours_per_week": 5}, "b"], ["x", "y", "z"],
          [("a", "x", 10, 3), ("a", "y", 10, 3), ("a", "z", 1, 2), ("b", "x", 1)])
    sol = solve(p, time_limit=10)
    assert sol.solver == "cpsat" and sol.status == "optimal"
    # a can do 3+2 hours: (x or y) + z; b takes x -> a takes y and z.
    assert pairs(sol) == [("a", "y"), ("a", "z"), ("b", "x")] and sol.score == 12
    assert sol.bound == 12 and check_solution(p, sol) == []


def test_uniform_loads_stay_flow():
    p = P([{"id": "a", "max_families": None, "hours_per_week": 4}], ["x", "y", "z"],
          [("a", "x", 1, 2), ("a", "y", 2, 2), ("a", "z", 3, 2)])
    sol = solve(p)
    assert sol.solver == "flow" and pairs(sol) == [("a", "y"), ("a", "z")]


def test_fractional_hours():
    p = P([{"id": "a", "max_families": None, "hours_per_week": 2.5}], ["x", "y"],
          [("a", "x", 1, 1.5), ("a", "y", 2, 1.25)])
    sol = solve(p, time_limit=5)
    assert pairs(sol) == [("a", "y")] and sol.status == "optimal"


def test_flow_and_cpsat_agree_on_flow_shaped():
    p = P([{"id": f"v{i}", "max_families": 1 + i % 2} for i in range(5)],
          [{"id": f"f{j}", "priority": 1 + j % 3, "max_new_volunteers": 1 + j % 2}
           for j in range(6)],
          [(f"v{i}", f"f{j}", (i * 7 + j * 13) % 23 - 8) for i in range(5) for j in range(6)
           if (i + j) % 3])
    a, b, c = solve_flow(p), solve_cpsat(p, 10), solve_naive(p, 10)
    assert (a.served_priority, a.score) == (b.served_priority, b.score)
    assert (a.served_priority, a.score) == (c.served_priority, c.score)
    g = solve_greedy(p)
    assert check_solution(p, g) == [] and (g.served_priority, g.score) <= (a.served_priority,
                                                                           a.score)


def test_empty_problem():
    sol = solve(P([], ["x"], []))
    assert sol.status == "optimal" and sol.matches == () and sol.unmatched_families == ("x",)


def T(data):
    return TrioProblem.from_json(data)


def test_trios_from_pairs():
    data = {"families": [{"id": "f1"}, {"id": "f2"}], "oudkomers": [{"id": "o1"}, {"id": "o2"}],
            "dutch": [{"id": "d1"}, {"id": "d2"}],
            "family_oudkomer": [{"family": "f1", "oudkomer": "o1", "score": 10},
                                {"family": "f2", "oudkomer": "o1", "score": 8},
                                {"family": "f2", "oudkomer": "o2", "score": 1}],
            "family_dutch": [{"family": "f1", "dutch": "d1", "score": 5},
                             {"family": "f2", "dutch": "d1", "score": 5},
                             {"family": "f2", "dutch": "d2", "score": 0}],
            "oudkomer_dutch": [{"oudkomer": "o1", "dutch": "d1", "score": 3},
                               {"oudkomer": "o2", "dutch": "d2", "score": 3},
                               {"oudkomer": "o2", "dutch": "d1", "score": 3}]}
    p = T(data)
    # A trio exists only where all three pairs exist.
    assert len(p.triples) == 4
    sol = solve_trios(p, 10)
    assert sol.status == "optimal" and sol.served_priority == 2 and sol.score == 22
    got = sorted((t.family, t.oudkomer, t.dutch) for t in sol.trios)
    assert got == [("f1", "o1", "d1"), ("f2", "o2", "d2")]


def test_trio_counts_two_volunteers_toward_cap():
    data = {"families": [{"id": "f1", "max_new_volunteers": 1}, {"id": "f2",
                                                                  "max_new_volunteers": 2}],
            "oudkomers": [{"id": "o1", "max_trios": 2}], "dutch": [{"id": "d1", "max_trios": 2}],
            "triples": [{"family": "f1", "oudkomer": "o1", "dutch": "d1", "score": 50},
                        {"family": "f2", "oudkomer": "o1", "dutch": "d1", "score": 1}]}
    sol = solve_trios(T(data), 5)
    assert [t.family for t in sol.trios] == ["f2"] and sol.unmatched_families == ("f1",)


def test_trios_coverage_first_and_capacities():
    data = {"families": [{"id": "f1"}, {"id": "f2"}, {"id": "f3", "priority": 2}],
            "oudkomers": [{"id": "o1", "max_trios": 2}], "dutch": [{"id": "d1"}, {"id": "d2"}],
            "triples": [{"family": "f1", "oudkomer": "o1", "dutch": "d1", "score": 100},
                        {"family": "f2", "oudkomer": "o1", "dutch": "d2", "score": 100},
                        {"family": "f3", "oudkomer": "o1", "dutch": "d1", "score": -5}]}
    sol = solve_trios(T(data), 5)
    assert sol.served_priority == 3 and sol.score == 95 and sol.status == "optimal"
    greedy = solve_trios_greedy(T(data))
    assert greedy.served_priority <= 3


@pytest.mark.parametrize("method", ["lp", "lagrange"])
def test_trios_brute_force_small(method):
    import itertools
    import random

    rng = random.Random(7)
    n = 4
    triples = [{"family": f"f{i}", "oudkomer": f"o{j}", "dutch": f"d{k}",
                "score": rng.randint(-20, 20)}
               for i in range(n) for j in range(n) for k in range(n) if rng.random() < 0.5]
    data = {"families": [{"id": f"f{i}"} for i in range(n)],
            "oudkomers": [{"id": f"o{j}"} for j in range(n)],
            "dutch": [{"id": f"d{k}"} for k in range(n)], "triples": triples}
    sol = solve_trios(T(data), 10, method=method)
    best = (0, 0)
    for r in range(n + 1):
        for combo in itertools.combinations(triples, r):
            fs = [t["family"] for t in combo]
            os_ = [t["oudkomer"] for t in combo]
            ds = [t["dutch"] for t in combo]
            if len(set(fs)) == len(set(os_)) == len(set(ds)) == r:
                best = max(best, (r, sum(t["score"] for t in combo)))
    assert (sol.served_priority, sol.score) == best
    assert sol.status == "optimal" or method == "lagrange"
    assert sol.bound is None or sol.bound >= sol.score
