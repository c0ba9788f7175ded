"""Rows of the register as CSV lines and JSON documents, for the streamed export."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from typing import Any

from aura_gdpr.domain.csv_safety import escape_cell
from aura_gdpr.models import Activity
from aura_gdpr.schemas import ActivityOut

CSV_COLUMNS = (
    "id", "name", "description", "role", "status", "controller", "legal_basis",
    "legitimate_interest_assessment", "purposes", "data_subject_categories",
    "personal_data_categories", "special_categories", "criminal_offence_data",
    "criminal_offence_basis", "recipients", "transfers", "retention_period",
    "retention_description", "security_measures", "processor_ids", "large_scale", "profiling",
    "systematic_monitoring", "dpia_required", "dpia_reasons", "version", "created_at",
    "updated_at",
)
LIST_SEPARATOR = "; "


def activity_out(activity: Activity | Any, processor_ids: list[uuid.UUID]) -> ActivityOut:
    """The API shape of an ORM activity or of a row holding the same columns."""
    data = {name: getattr(activity, name) for name in ActivityOut.model_fields
            if name != "processor_ids"}
    data["processor_ids"] = processor_ids
    return ActivityOut.model_validate(data)


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "special_categories":
        return LIST_SEPARATOR.join(f"{s['category']} ({s['condition']})" for s in value)
    if name == "transfers":
        return LIST_SEPARATOR.join(f"{t['country']}: {t['safeguard']}" for t in value)
    if name == "controller":
        return str(value.get("name", ""))
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_lines(rows: Iterable[ActivityOut], *, header: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = row.model_dump(mode="json")
        writer.writerow([escape_cell(_cell(name, values[name])) for name in CSV_COLUMNS])
    return buffer.getvalue()
