from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from aura_gdpr.domain.deadlines import (
    add_months,
    authority_deadline,
    extended_due_date,
    request_due_date,
)


@pytest.mark.parametrize(("received", "due"), [
    (date(2025, 1, 31), date(2025, 2, 28)),  # no 31 February: the month's last day (a Friday)
    (date(2024, 1, 31), date(2024, 2, 29)),  # leap year
    (date(2025, 9, 3), date(2025, 10, 3)),  # same day-number, a Friday
    (date(2025, 9, 4), date(2025, 10, 6)),  # twin is Saturday 4 October → Monday
    (date(2025, 9, 5), date(2025, 10, 6)),  # twin is Sunday 5 October → Monday
    (date(2025, 12, 15), date(2026, 1, 15)),  # across the year end
    (date(2025, 3, 31), date(2025, 4, 30)),  # 30-day month
    (date(2025, 5, 31), date(2025, 6, 30)),  # clamped to Monday 30 June
    (date(2024, 8, 31), date(2024, 9, 30)),  # clamped to Monday 30 September
    (date(2024, 10, 31), date(2024, 12, 2)),  # clamped to Saturday 30 Nov → Monday 2 Dec
])
def test_due_date_per_article_12_3(received: date, due: date) -> None:
    assert request_due_date(received) == due


def test_a_holiday_moves_the_due_date_to_the_next_working_day() -> None:
    # 3 October 2025 is a Friday and German Unity Day: next working day is Monday the 6th.
    assert request_due_date(date(2025, 9, 3), {date(2025, 10, 3)}) == date(2025, 10, 6)


@pytest.mark.parametrize(("original_due", "extended"), [
    (date(2025, 2, 28), date(2025, 4, 28)),  # Monday
    (date(2025, 10, 6), date(2025, 12, 8)),  # 6 December is a Saturday → Monday 8th
    (date(2024, 12, 31), date(2025, 2, 28)),  # clamped to February's end
])
def test_extension_adds_two_months_under_the_same_rules(original_due: date,
                                                        extended: date) -> None:
    assert extended_due_date(original_due) == extended


def test_add_months_clamps() -> None:
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_authority_deadline_is_exactly_72_hours_even_over_a_weekend() -> None:
    friday = datetime(2025, 3, 7, 16, 30, tzinfo=UTC)
    assert authority_deadline(friday) == datetime(2025, 3, 10, 16, 30, tzinfo=UTC)
