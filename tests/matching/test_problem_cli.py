"""JSON contract parsing and the command line, including every bad-input case."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from matching.problem import ProblemError, parse_problem, parse_trio_problem

REPO = Path(__file__).resolve().parents[2]

GOOD = {
    "volunteers": [{"id": "v1", "max_families": 2, "hours_per_week": 6}],
    "families": [{"id": "f1", "priority": 1, "max_new_volunteers": 1}],
    "candidates": [{"volunteer": "v1", "family": "f1", "score": 73, "hours_per_week": 2}],
}


def run_cli(*args, stdin=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "matching", *args], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=60)


def write(tmp_path, data, name="p.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_defaults():
    p = parse_problem({"volunteers": [{"id": "v"}], "families": [{"id": "f"}],
                       "candidates": [{"volunteer": "v", "family": "f", "score": -3}]})
    assert p.volunteers[0].max_families == 1 and p.volunteers[0].hours_per_week is None
    assert p.families[0].priority == 1 and p.families[0].max_new_volunteers == 1
    assert p.candidates[0].hours_per_week == 0 and p.candidates[0].score == -3


def test_null_means_no_limit():
    p = parse_problem({"volunteers": [{"id": "v", "max_families": None}],
                       "families": [{"id": "f"}], "candidates": []})
    assert p.volunteers[0].max_families is None


def test_cli_solve_prints_contract(tmp_path):
    out = run_cli("solve", write(tmp_path, GOOD))
    assert out.returncode == 0, out.stderr
    sol = json.loads(out.stdout)
    assert set(sol) == {"status", "served_priority", "score", "bound", "matches",
                        "unmatched_families", "solve_seconds"}
    assert sol["status"] == "optimal" and sol["score"] == 73 and sol["bound"] == 73
    assert sol["matches"] == [{"volunteer": "v1", "family": "f1", "score": 73}]


def test_cli_output_file_and_time_limit(tmp_path):
    target = tmp_path / "out.json"
    out = run_cli("solve", write(tmp_path, GOOD), "--time-limit", "5", "--output", str(target))
    assert out.returncode == 0 and out.stdout == ""
    assert json.loads(target.read_text())["served_priority"] == 1


def test_cli_trios(tmp_path):
    data = {"families": [{"id": "f1"}], "oudkomers": [{"id": "o1"}], "dutch": [{"id": "d1"}],
            "family_oudkomer": [{"family": "f1", "oudkomer": "o1", "score": 10}],
            "family_dutch": [{"family": "f1", "dutch": "d1", "score": 5}],
            "oudkomer_dutch": [{"oudkomer": "o1", "dutch": "d1", "score": 3}]}
    out = run_cli("trios", write(tmp_path, data))
    assert out.returncode == 0, out.stderr
    sol = json.loads(out.stdout)
    assert sol["trios"] == [{"family": "f1", "oudkomer": "o1", "dutch": "d1", "score": 18}]
    assert sol["status"] == "optimal"


def _mutate(**changes):
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        data[key] = value
    return data


BAD = {
    "malformed_json": ('{"volunteers": [', "malformed JSON"),
    "not_object": ([1, 2], "JSON object"),
    "missing_list": ({"volunteers": [], "families": []}, "candidates"),
    "unknown_volunteer": (_mutate(candidates=[{"volunteer": "v9", "family": "f1", "score": 1}]),
                          "unknown volunteer 'v9'"),
    "unknown_family": (_mutate(candidates=[{"volunteer": "v1", "family": "f9", "score": 1}]),
                       "unknown family 'f9'"),
    "duplicate_volunteer": (_mutate(volunteers=[{"id": "v1"}, {"id": "v1"}]),
                            "duplicate id 'v1'"),
    "duplicate_family": (_mutate(families=[{"id": "f1"}, {"id": "f1"}]), "duplicate id 'f1'"),
    "duplicate_pair": (_mutate(candidates=[{"volunteer": "v1", "family": "f1", "score": 1}] * 2),
                       "duplicate candidate"),
    "float_score": (_mutate(candidates=[{"volunteer": "v1", "family": "f1", "score": 7.5}]),
                    "'v1', 'f1'"),
    "bool_score": (_mutate(candidates=[{"volunteer": "v1", "family": "f1", "score": True}]),
                   "score"),
    "string_score": (_mutate(candidates=[{"volunteer": "v1", "family": "f1", "score": "7"}]),
                     "score"),
    "missing_score": (_mutate(candidates=[{"volunteer": "v1", "family": "f1"}]),
                      "missing 'score'"),
    "bool_priority": (_mutate(families=[{"id": "f1", "priority": False}]), "family 'f1'"),
    "negative_max_families": (_mutate(volunteers=[{"id": "v1", "max_families": -1}]),
                              "volunteer 'v1'"),
    "negative_hours": (_mutate(volunteers=[{"id": "v1", "hours_per_week": -2}]),
                       "hours_per_week"),
    "negative_family_cap": (_mutate(families=[{"id": "f1", "max_new_volunteers": -1}]),
                            "max_new_volunteers"),
    "negative_candidate_hours": (_mutate(candidates=[{"volunteer": "v1", "family": "f1",
                                                      "score": 1, "hours_per_week": -1}]),
                                 "hours_per_week"),
    "bad_id": (_mutate(volunteers=[{"id": 7}]), "volunteers[0]"),
    "unknown_group": (_mutate(families=[{"id": "f1", "group": "G"}]), "unknown group 'G'"),
    "duplicate_group": (_mutate(groups=[{"id": "G"}, {"id": "G"}]), "duplicate id 'G'"),
    "negative_group_cap": (_mutate(groups=[{"id": "G", "max_new_volunteers": -1}]),
                           "group 'G'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_parse_rejects(case):
    data, expected = BAD[case]
    if isinstance(data, str):
        pytest.skip("raw text is a CLI-only case")
    with pytest.raises(ProblemError, match=None) as err:
        parse_problem(data)
    assert expected in str(err.value)


@pytest.mark.parametrize("case", sorted(BAD))
def test_cli_bad_input_exits_2(tmp_path, case):
    data, expected = BAD[case]
    out = run_cli("solve", write(tmp_path, data))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], out.stderr
    assert out.stdout == ""


def test_cli_missing_file_and_usage(tmp_path):
    out = run_cli("solve", str(tmp_path / "nope.json"))
    assert out.returncode == 2 and "nope.json" in out.stderr and "Traceback" not in out.stderr
    out = run_cli("solve")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    out = run_cli("solve", write(tmp_path, GOOD), "--time-limit", "-1")
    assert out.returncode == 2 and "--time-limit" in out.stderr


def test_trio_parse_errors():
    base = {"families": [{"id": "f1"}], "oudkomers": [{"id": "o1"}], "dutch": [{"id": "d1"}]}
    with pytest.raises(ProblemError, match="unknown oudkomer 'o2'"):
        parse_trio_problem({**base, "triples": [{"family": "f1", "oudkomer": "o2",
                                                 "dutch": "d1", "score": 1}]})
    with pytest.raises(ProblemError, match="duplicate triple"):
        parse_trio_problem({**base, "triples": [{"family": "f1", "oudkomer": "o1",
                                                 "dutch": "d1", "score": 1}] * 2})
    with pytest.raises(ProblemError, match="max_trios"):
        parse_trio_problem({**base, "oudkomers": [{"id": "o1", "max_trios": -1}],
                            "triples": []})
    with pytest.raises(ProblemError, match="unknown dutch 'd7'"):
        parse_trio_problem({**base, "family_dutch": [{"family": "f1", "dutch": "d7",
                                                      "score": 1}]})


def test_cli_trios_bad_input(tmp_path):
    out = run_cli("trios", write(tmp_path, {"families": [{"id": "f1"}], "oudkomers": [],
                                            "dutch": [], "triples": [{"family": "f1"}]}))
    assert out.returncode == 2 and "Traceback" not in out.stderr

