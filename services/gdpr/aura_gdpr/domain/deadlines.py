"""Legal clocks: Art. 12(3) with Regulation (EEC, Euratom) No 1182/71, and Art. 33(1).

A period in months ends on the same day-number of the later month, or on that month's last day
when it has none (1182/71 Art. 3(2)(c)); a period ending on a Saturday, Sunday or holiday ends
on the next working day instead (Art. 3(4)). The 72 hours of Art. 33(1) are plain hours.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from datetime import date, datetime, timedelta

RESPONSE_MONTHS = 1
EXTENSION_MONTHS = 2
AUTHORITY_NOTICE = timedelta(hours=72)
SATURDAY = 5


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def next_working_day(day: date, holidays: Collection[date] = ()) -> date:
    while day.weekday() >= SATURDAY or day in holidays:
        day += timedelta(days=1)
    return day


def request_due_date(received: date, holidays: Collection[date] = ()) -> date:
    return next_working_day(add_months(received, RESPONSE_MONTHS), holidays)


def extended_due_date(original_due: date, holidays: Collection[date] = ()) -> date:
    return next_working_day(add_months(original_due, EXTENSION_MONTHS), holidays)


def authority_deadline(aware_at: datetime) -> datetime:
    return aware_at + AUTHORITY_NOTICE
