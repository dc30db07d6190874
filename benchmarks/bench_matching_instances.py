"""Readers for the public benchmark instances in ``$KOPPEL_BENCH_DIR`` (default ../shared/bench).

Each reader returns problems in Koppel's JSON contract (via the dataclasses): costs become
``score = -cost`` with every family priority 1, so the best score is minus the optimal cost.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from matching.problem import (
    Candidate,
    Family,
    Problem,
    TrioFamily,
    TrioMember,
    TrioProblem,
    Triple,
    Volunteer,
)

REPO = Path(__file__).resolve().parent.parent


def bench_dir() -> Path:
    """Directory of the public instances (env ``KOPPEL_BENCH_DIR``)."""
    return Path(os.environ.get("KOPPEL_BENCH_DIR", REPO.parent / "shared" / "bench"))


def _numbers(path: Path) -> np.ndarray:
    return np.array(path.read_text().split(), dtype=np.int64)


# ---- linear assignment ----------------------------------------------------------------------

def read_assign(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(rows, cols, costs, n) — 0-based arcs of an OR-Library assignment instance."""
    path = bench_dir() / "assign" / f"{name}.txt"
    nums = _numbers(path)
    n = int(nums[0])
    if name.startswith("assignp"):
        arcs = nums[1:].reshape(-1, 3)
        return arcs[:, 0] - 1, arcs[:, 1] - 1, arcs[:, 2], n
    cost = nums[1:1 + n * n].reshape(n, n)
    rows, cols = np.divmod(np.arange(n * n), n)
    return rows, cols, cost.ravel(), n


def assign_optima() -> dict[str, int]:
    """Published optima from ``assignopt.txt``."""
    out = {}
    for line in (bench_dir() / "assign" / "assignopt.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith("assign"):
            out[parts[0]] = int(float(parts[1]))
    return out


def assign_problem(rows, cols, costs, n) -> Problem:
    """Rows are families, columns volunteers with max_families 1."""
    vols = tuple(Volunteer(f"v{j}") for j in range(n))
    fams = tuple(Family(f"f{i}") for i in range(n))
    cands = tuple(Candidate(f"v{j}", f"f{i}", -int(c))
                  for i, j, c in zip(rows.tolist(), cols.tolist(), costs.tolist()))
    return Problem(vols, fams, cands)


# ---- generalised assignment -----------------------------------------------------------------

def read_gap_file(path: Path, has_count: bool) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """List of (cost m×n, weight m×n, capacity m) from an OR-Library / Yagiura GAP file."""
    nums = _numbers(path)
    pos = 0
    count = 1
    if has_count:
        count = int(nums[0])
        pos = 1
    out = []
    for _ in range(count):
        m, n = int(nums[pos]), int(nums[pos + 1])
        pos += 2
        c = nums[pos:pos + m * n].reshape(m, n)
        pos += m * n
        w = nums[pos:pos + m * n].reshape(m, n)
        pos += m * n
        b = nums[pos:pos + m]
        pos += m
        out.append((c, w, b))
    return out


def gap_problem(cost, weight, cap) -> Problem:
    """Agents → volunteers (hours = capacity, no family limit); jobs → families."""
    m, n = cost.shape
    vols = tuple(Volunteer(f"a{i}", None, int(cap[i])) for i in range(m))
    fams = tuple(Family(f"j{j}") for j in range(n))
    cands = tuple(Candidate(f"a{i}", f"j{j}", -int(cost[i, j]), int(weight[i, j]))
                  for i in range(m) for j in range(n) if weight[i, j] <= cap[i])
    return Problem(vols, fams, cands)


def gap_best_known() -> dict[str, tuple[str, str, str]]:
    """Path → (best bound, optimum, best known value) from ``best_known.csv``."""
    out = {}
    with open(bench_dir() / "gap" / "best_known.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["Path"]] = (row["Best known bound"], row["Optimum"],
                                row["Best known solution value"])
    return out


GAP_ABCD_OPT = {
    "a": [1698, 3235, 1360, 2623, 1158, 2339],
    "b": [1843, 3552, 1407, 2827, 1166, 2339],
    "c": [1931, 3456, 1402, 2806, 1243, 2391],
    "d": [6353, 12742, 6347, 12430, 6185, 12244],  # d20200: best known (bound 12235)
}
GAP_ABCD_NAMES = ["05100", "05200", "10100", "10200", "20100", "20200"]


# ---- axial three-index assignment -----------------------------------------------------------

def read_ap3(name: str) -> tuple[int, np.ndarray]:
    """(n, cost array n×n×n) of a Grundel instance ``ap3.N.S``."""
    nums = _numbers(bench_dir() / "ap3" / "grundel" / f"{name}.txt")
    n = int(nums[1])
    return n, nums[4:4 + n ** 3].reshape(n, n, n)


def ap3_optima() -> dict[str, int]:
    """Optima from ``ap3.opt``."""
    out = {}
    for line in (bench_dir() / "ap3" / "grundel" / "ap3.opt").read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            out[parts[0]] = int(parts[1])
    return out


def ap3_problem(n: int, cost: np.ndarray) -> TrioProblem:
    """Every triple listed with score = -cost; all capacities 1."""
    fams = tuple(TrioFamily(f"f{i}") for i in range(n))
    ouds = tuple(TrioMember(f"o{j}") for j in range(n))
    dut = tuple(TrioMember(f"d{k}") for k in range(n))
    i, j, k = np.unravel_index(np.arange(n ** 3), (n, n, n))
    triples = tuple(Triple(f"f{a}", f"o{b}", f"d{c}", -int(s))
                    for a, b, c, s in zip(i.tolist(), j.tolist(), k.tolist(),
                                          cost.ravel().tolist()))
    return TrioProblem(fams, ouds, dut, triples)
