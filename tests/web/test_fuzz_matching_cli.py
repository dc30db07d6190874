"""Fuzzing the matching command line (``python -m matching solve|trios``) with hypothesis.

Any input file gives exit status 0 with a JSON solution, or 2 with one line on stderr that
starts with "matching: error:" — never a traceback or another status.
"""
from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matching.cli import main

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

GOOD = {
    "volunteers": [{"id": "v1", "max_families": 2, "hours_per_week": 6}],
    "families": [{"id": "f1", "priority": 1, "max_new_volunteers": 1}],
    "candidates": [{"volunteer": "v1", "family": "f1", "score": 73, "hours_per_week": 2}],
}
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
                    st.sampled_from(["v1", "f1", "v2", "", "1e400", "NaN"]))
json_values = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                     st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=25)
KEYS = ["id", "max_families", "hours_per_week", "priority", "max_new_volunteers", "volunteer",
        "family", "score", "volunteers", "families", "candidates", "triples", "oudkomers",
        "dutch", "pairs", "cap"]


@st.composite
def near_valid(draw):
    """GOOD with some values replaced, keys dropped or added: reaches the deep checks."""
    problem = json.loads(json.dumps(GOOD))
    for _i in range(draw(st.integers(1, 4))):
        section = draw(st.sampled_from(["volunteers", "families", "candidates"]))
        items = problem[section]
        if items and draw(st.booleans()):
            item = draw(st.sampled_from(items))
            key = draw(st.sampled_from(KEYS))
            if draw(st.booleans()):
                item[key] = draw(json_values)
            else:
                item.pop(key, None)
        else:
            items.append(draw(st.dictionaries(st.sampled_from(KEYS), scalars, max_size=5)))
    if draw(st.booleans()):
        problem[draw(st.sampled_from(KEYS))] = draw(json_values)
    return problem


def _run(tmp_path, capsys, text: bytes | str, command: str):
    path = tmp_path / "problem.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    status = main([command, str(path), "--time-limit", "2"])
    out, err = capsys.readouterr()
    assert status in (0, 2), (status, err)
    if status == 0:
        json.loads(out)
    else:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("matching: error:"), err
    return status


@FUZZ
@given(data=json_values, command=st.sampled_from(["solve", "trios"]))
def test_any_json_gives_a_solution_or_a_one_line_error(tmp_path, capsys, data, command):
    _run(tmp_path, capsys, json.dumps(data), command)


@FUZZ
@given(data=near_valid(), command=st.sampled_from(["solve", "trios"]))
def test_near_valid_problems(tmp_path, capsys, data, command):
    _run(tmp_path, capsys, json.dumps(data), command)


@FUZZ
@given(raw=st.binary(max_size=300), command=st.sampled_from(["solve", "trios"]))
@example(raw=b"[" * 100000, command="solve")
@example(raw=b"\xff\xfe", command="trios")
@example(raw=b'{"volunteers": [], "families": [], "candidates": []}', command="solve")
def test_arbitrary_bytes(tmp_path, capsys, raw, command):
    _run(tmp_path, capsys, raw, command)


@given(args=st.lists(st.sampled_from(["solve", "trios", "--time-limit", "-1", "nan", "inf",
                                      "0", "--output", "/nonexistent/x", "--bogus", "x.json"]),
                     max_size=5))
@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arguments_never_crash(capsys, args):
    status = main(args)
    capsys.readouterr()
    assert status in (0, 2)
