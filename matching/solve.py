"""One entry point for pair problems: exact min-cost flow unless hour loads bind, CP-SAT then.

``solve(problem, time_limit=None)`` preprocesses once (:func:`matching.core.prepare`):
when no volunteer's hour limit can bind (after turning uniform loads into a count limit),
the problem is a min-cost flow and is solved exactly in milliseconds; otherwise the hinted,
two-phase CP-SAT model of :mod:`matching.cpsat` runs within ``time_limit`` seconds.
"""

from __future__ import annotations

import time

from .core import prepare
from .cpsat import solve_cpsat
from .flow import FlowError, dense_assignment, solve_flow
from .problem import Problem, Solution


def solve(problem: Problem, time_limit: float | None = None) -> Solution:
    """Lexicographically best assignment: max served priority, then max score.

    ``time_limit`` (seconds) only matters when CP-SAT is needed (default 30 s there).
    """
    started = time.perf_counter()
    sol = dense_assignment(problem)  # complete square assignment: no preprocessing needed
    if sol is not None:
        return sol
    prep = prepare(problem)
    if not prep.hours_bind:
        try:
            sol = solve_flow(problem, prep)
        except FlowError:  # cost range overflow: fall back to the two-phase CP-SAT model
            sol = solve_cpsat(problem, time_limit, prep=prep)
    else:
        sol = solve_cpsat(problem, time_limit, prep=prep)
    from dataclasses import replace

    return replace(sol, solve_seconds=time.perf_counter() - started)
