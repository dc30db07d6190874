"""Command line: ``python -m matching solve|trios PROBLEM.json [--time-limit S] [--output F]``.

Prints (or writes) the JSON solution of the stable contract.  Bad input exits with status 2
and a one-line message naming the offending item — never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .problem import ProblemError, parse_problem, parse_trio_problem

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors on one line with exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise SystemExit(_fail(f"usage error: {message}"))


def _fail(message: str) -> int:
    one_line = " ".join(str(message).split())
    print(f"matching: error: {one_line}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _load(path: str):
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ProblemError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ProblemError(f"{path}: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: "
                           f"{exc.msg}") from None
    except RecursionError:
        raise ProblemError(f"{path}: JSON nested too deeply") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (sub-commands ``solve`` and ``trios``)."""
    parser = _Parser(prog="python -m matching", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, text in (("solve", "volunteer–family assignment"),
                       ("trios", "family + oudkomer + Dutch volunteer trios")):
        p = sub.add_parser(name, help=text)
        p.add_argument("problem", help="problem JSON file")
        p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                       help="time limit for CP-SAT (flow is exact and ignores it)")
        p.add_argument("--output", default=None, metavar="FILE",
                       help="write the solution here instead of standard output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or usage error (2, already reported)
        return int(exc.code or 0)
    if args.time_limit is not None and not (args.time_limit > 0):
        return _fail(f"--time-limit must be positive, got {args.time_limit}")
    try:
        data = _load(args.problem)
        if args.command == "solve":
            from .solve import solve

            solution = solve(parse_problem(data), args.time_limit)
        else:
            from .trios import solve_trios

            solution = solve_trios(parse_trio_problem(data), args.time_limit)
    except ProblemError as exc:
        return _fail(str(exc))
    text = json.dumps(solution.to_json(), ensure_ascii=False)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        except OSError as exc:
            return _fail(f"{args.output}: cannot write ({exc.strerror or exc})")
    else:
        print(text)
    return 0
