from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from aura_common.errors import Conflict, Unprocessable
from aura_gdpr.domain.audit_chain import GENESIS, audit_payload, canonical, chain_hash
from aura_gdpr.domain.csv_safety import escape_cell
from aura_gdpr.domain.dpia import dpia_reasons
from aura_gdpr.domain.request_states import CLOSED, OPEN, TRANSITIONS, check_transition


@pytest.mark.parametrize(("cell", "escaped"), [
    ("=1+1", "'=1+1"), ("+49 30 1234", "'+49 30 1234"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("plain", "plain"), ("a=b", "a=b"), ("", ""),
])
def test_formula_cells_are_escaped(cell: str, escaped: str) -> None:
    assert escape_cell(cell) == escaped


def test_terminal_states_have_no_way_out_and_withdrawal_is_open_everywhere() -> None:
    assert {str(s) for s in CLOSED} == {"completed", "rejected", "withdrawn"}
    assert all(not TRANSITIONS[s] for s in CLOSED)
    assert all("withdrawn" in {str(t) for t in TRANSITIONS[s]} for s in OPEN)
    with pytest.raises(Conflict):
        check_transition("completed", "in_progress", None)
    with pytest.raises(Unprocessable):
        check_transition("in_progress", "rejected", "")


def test_dpia_reasons() -> None:
    assert dpia_reasons(special_categories=["health_data"], criminal_offence_data=False,
                        large_scale=False, profiling=False, systematic_monitoring=False) == []
    assert len(dpia_reasons(special_categories=["health_data"], criminal_offence_data=True,
                            large_scale=True, profiling=True, systematic_monitoring=True)) == 4


AT = datetime(2025, 1, 2, 3, 4, 5, 6789, tzinfo=UTC)


def payload(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "seq": 1, "at": AT, "actor": "u", "action": "create", "entity_id": "x",
        "changed_fields": ["name"], **changes}
    return audit_payload(tenant_id=uuid.UUID(int=1), seq=fields["seq"],
                         entry_id=uuid.UUID(int=2), at=fields["at"], actor=fields["actor"],
                         action=fields["action"], entity_type="activity",
                         entity_id=fields["entity_id"], changed_fields=fields["changed_fields"])


def test_chain_hash_is_canonical_and_covers_every_field() -> None:
    same_instant = payload(at=AT.astimezone(timezone(timedelta(hours=2))))
    assert canonical(payload()) == canonical(same_instant)
    assert '"at":"2025-01-02T03:04:05.006789+00:00"' in canonical(payload())
    reference = chain_hash(GENESIS, payload())
    for name, other in (("seq", 2), ("actor", "v"), ("action", "delete"), ("entity_id", "y"),
                        ("changed_fields", ["status"])):
        assert chain_hash(GENESIS, payload(**{name: other})) != reference
    assert chain_hash("f" * 64, payload()) != reference
