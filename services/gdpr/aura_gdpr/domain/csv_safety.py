"""CSV cells that a spreadsheet would run as a formula are escaped (OWASP CSV injection)."""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value
