"""Small LP/MIP toolkit on OR-Tools' bundled solvers (GLOP, HiGHS, SCIP via ``model_builder``).

Models are 0/1 (or [0, 1]) variables with sparse rows ``lb <= sum(coef * x) <= ub`` given as
index arrays, so building stays vectorised enough for a few hundred thousand variables.
Nothing here needs a dependency beyond ``ortools`` and ``numpy``.

:func:`lagrangian_bound` turns *any* dual vector into a proven upper bound for a
maximisation over ``0 <= x <= 1`` (weak duality), so LP tolerances never make a bound or a
reduced-cost fixing unsafe: the solver's duals are only a suggestion, the bound is
recomputed exactly from them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh

INF = math.inf


@dataclass
class Rows:
    """Sparse constraint rows: row ``r`` is ``lb[r] <= sum(coef[k] * x[var[k]]) <= ub[r]``
    over the entries ``k`` with ``row[k] == r``."""

    row: np.ndarray  # int64, entry → row
    var: np.ndarray  # int64, entry → variable
    coef: np.ndarray  # float64
    lb: np.ndarray  # float64 per row (-inf allowed)
    ub: np.ndarray  # float64 per row (+inf allowed)

    @property
    def n_rows(self) -> int:
        return len(self.lb)

    @staticmethod
    def concat(parts: list[Rows]) -> Rows:
        """Stack row blocks (row numbers are shifted)."""
        shift, rows = 0, []
        for p in parts:
            rows.append(p.row + shift)
            shift += p.n_rows
        return Rows(np.concatenate(rows), np.concatenate([p.var for p in parts]),
                    np.concatenate([p.coef for p in parts]),
                    np.concatenate([p.lb for p in parts]), np.concatenate([p.ub for p in parts]))

    def restrict(self, keep: np.ndarray) -> Rows:
        """The rows over the variables ``keep`` (sorted positions), renumbered 0..len-1."""
        pos = np.full(int(self.var.max(initial=-1)) + 1, -1, dtype=np.int64)
        pos[keep] = np.arange(len(keep))
        new = pos[self.var]
        ok = new >= 0
        return Rows(self.row[ok], new[ok], self.coef[ok], self.lb, self.ub)


def group_rows(keys: np.ndarray, caps: np.ndarray, coef: np.ndarray | None = None,
               equal: bool = False) -> Rows:
    """One row per key value ``k``: ``sum(coef * x over positions with keys == k) <= caps[k]``
    (``== caps[k]`` with ``equal``)."""
    n = len(keys)
    c = np.ones(n) if coef is None else np.asarray(coef, dtype=np.float64)
    ub = np.asarray(caps, dtype=np.float64)
    lb = ub.copy() if equal else np.full(len(ub), -INF)
    return Rows(np.asarray(keys, dtype=np.int64), np.arange(n, dtype=np.int64), c, lb, ub)


@dataclass
class LPResult:
    """Outcome of :func:`solve`: ``status`` is a ``model_builder_helper.SolveStatus`` name."""

    status: str
    x: np.ndarray | None  # variable values (None without a solution)
    objective: float | None
    bound: float | None  # the solver's own dual bound (MIP) or objective (LP)
    duals: np.ndarray | None
    seconds: float

    @property
    def has_solution(self) -> bool:
        return self.x is not None


def build(weight: np.ndarray, rows: Rows, *, integral: bool,
          hint: np.ndarray | None = None) -> mbh.ModelBuilderHelper:
    """A maximisation model ``max weight·x`` subject to ``rows``, ``0 <= x <= 1``."""
    n = len(weight)
    mb = mbh.ModelBuilderHelper()
    mb.add_var_array_with_bounds(np.zeros(n), np.ones(n), np.full(n, integral), "")
    order = np.argsort(rows.row, kind="stable")
    bounds = np.searchsorted(rows.row[order], np.arange(rows.n_rows + 1))
    var, coef = rows.var[order].tolist(), rows.coef[order].tolist()
    add = mb.add_term_to_constraint
    for r in range(rows.n_rows):
        ct = mb.add_linear_constraint()
        if rows.lb[r] > -INF:
            mb.set_constraint_lower_bound(ct, float(rows.lb[r]))
        if rows.ub[r] < INF:
            mb.set_constraint_upper_bound(ct, float(rows.ub[r]))
        for k in range(bounds[r], bounds[r + 1]):
            add(ct, var[k], coef[k])
    mb.set_objective_coefficients(list(range(n)), np.asarray(weight, dtype=np.float64).tolist())
    mb.set_maximize(True)
    if hint is not None:
        for i in np.flatnonzero(hint > 0.5).tolist():
            mb.add_hint(i, 1.0)
    return mb


def solve(weight: np.ndarray, rows: Rows, *, integral: bool, solver: str,
          seconds: float, hint: np.ndarray | None = None,
          params: str | None = None) -> LPResult:
    """Build and solve (``solver``: ``glop``, ``highs``, ``scip``, ``pdlp``) within
    ``seconds``; never raises on a solver failure (the status says it)."""
    started = time.perf_counter()
    if solver == "highs":
        hint = None  # HiGHS crashed on hinted MIPs in OR-Tools 9.15 (segfault)
    mb = build(weight, rows, integral=integral, hint=hint)
    left = seconds - (time.perf_counter() - started)
    if left <= 0.01:
        return LPResult("NOT_SOLVED", None, None, None, None, time.perf_counter() - started)
    s = mbh.ModelSolverHelper(solver)
    s.set_time_limit_in_seconds(left)
    if params:
        s.set_solver_specific_parameters(params)
    s.solve(mb)
    status = s.status().name
    x = obj = bound = duals = None
    if s.has_solution():
        x = np.asarray(s.variable_values(), dtype=np.float64)
        obj = s.objective_value()
        if integral:
            b = s.best_objective_bound()
            bound = b if math.isfinite(b) else None
        elif status == "OPTIMAL":
            bound = obj
            duals = np.asarray(s.dual_values(), dtype=np.float64)
    return LPResult(status, x, obj, bound, duals, time.perf_counter() - started)


def lagrangian_bound(weight: np.ndarray, rows: Rows, duals: np.ndarray,
                     with_multipliers: bool = False):
    """A proven upper bound on ``max weight·x`` over ``0 <= x <= 1`` and ``rows`` (and so on
    every integral solution), with the reduced costs used, from an arbitrary dual vector.

    Multipliers are clipped to the sign each row allows (``<=``: ≥ 0, ``>=``: ≤ 0, ``=``: free);
    both sign conventions of the solver's duals are tried and the smaller bound is kept.
    Returns ``(L, d)`` with ``d = weight - Aᵀu``: forcing ``x_j = 1`` caps the objective at
    ``L + min(0, d_j)`` — the reduced-cost fixing test.  With ``with_multipliers`` the
    clipped multipliers ``u`` are returned too: ``(L, d, u)``.
    """
    best = None
    has_ub, has_lb = rows.ub < INF, rows.lb > -INF
    for sign in (1.0, -1.0):
        y = sign * np.asarray(duals, dtype=np.float64)
        u = np.where(has_ub & ~has_lb, np.maximum(y, 0.0),
                     np.where(has_lb & ~has_ub, np.minimum(y, 0.0), y))
        u = np.where(has_ub | has_lb, u, 0.0)
        d = np.asarray(weight, dtype=np.float64) - np.bincount(
            rows.var, weights=rows.coef * u[rows.row], minlength=len(weight))
        rhs = np.where(u >= 0, np.where(has_ub, rows.ub, 0.0), np.where(has_lb, rows.lb, 0.0))
        L = float(np.dot(u, rhs) + np.maximum(d, 0.0).sum())
        if best is None or L < best[0]:
            best = (L, d, u)
    assert best is not None
    return best if with_multipliers else best[:2]
