"""Koppel's matching engine: people → scored candidates → optimal proposals → explanations.

A pure package (no Flask, no database).  Main entry points:

- :func:`matching.scoring.generate_candidates` — volunteers × family requests → candidates
  with integer scores and explanations (hard rules, soft factors; indexed, vectorised);
- :func:`matching.solve.solve` — candidate-level :class:`~matching.problem.Problem` →
  :class:`~matching.problem.Solution` (exact min-cost flow, or CP-SAT when hours bind);
- :func:`matching.trios.solve_trios` — trio problems (exact LP + reduced-cost fixing + MIP up to
  150,000 triples; Lagrangian / column-generation bound with CP-SAT above);
- :mod:`matching.lp` — small LP/MIP toolkit on OR-Tools' bundled GLOP/SCIP and proven
  Lagrangian bounds from any dual vector;
- :func:`matching.explain.diagnose` — why requests stayed unmatched, what would unblock them.
"""

from .problem import (
                      Candidate,
                      Family,
                      Match,
                      Problem,
                      ProblemError,
                      Solution,
                      Trio,
                      TrioProblem,
                      TrioSolution,
                      Triple,
                      Volunteer,
)
from .solve import solve

__all__ = ["Candidate", "Family", "Match", "Problem", "ProblemError", "Solution", "Trio",
           "TrioProblem", "TrioSolution", "Triple", "Volunteer", "solve"]
