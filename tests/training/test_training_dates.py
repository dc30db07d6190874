"""Month arithmetic and completion-date validation."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training import TrainingDateError, add_months, validate_completion_date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 3, 15), 36, date(2026, 3, 15)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 36, date(2027, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2023, 12, 31), 1, date(2024, 1, 31)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2023, 5, 10), 0, date(2023, 5, 10)),
        (date(2023, 5, 10), -5, date(2022, 12, 10)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 600))
def test_add_months_lands_in_the_right_month_and_never_later_day(start, months):
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day <= start.day
    assert result > start or months == 0


@pytest.mark.parametrize(
    ("completed_on", "today", "code"),
    [
        (date(2026, 4, 10), date(2026, 4, 10), None),
        (date(2026, 4, 9), date(2026, 4, 10), None),
        (date(2026, 4, 11), date(2026, 4, 10), "future_date"),
        (date(2027, 1, 1), date(2026, 4, 10), "future_date"),
        (datetime(2026, 4, 1, 12, 0), date(2026, 4, 10), "not_a_date"),
        ("2026-04-01", date(2026, 4, 10), "not_a_date"),
    ],
)
def test_validate_completion_date(completed_on, today, code):
    if code is None:
        assert validate_completion_date(completed_on, today) == completed_on
    else:
        with pytest.raises(TrainingDateError) as info:
            validate_completion_date(completed_on, today)
        assert info.value.code == code
        assert isinstance(info.value, ValueError)
