"""The status machine of a data-subject request."""

from __future__ import annotations

from aura_common.errors import Conflict, Unprocessable
from aura_gdpr.domain.vocabulary import RequestStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.RECEIVED: frozenset({S.VERIFYING, S.WITHDRAWN}),
    # Identity that cannot be verified is a reason to refuse (Art. 12(6)).
    S.VERIFYING: frozenset({S.IN_PROGRESS, S.REJECTED, S.WITHDRAWN}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.REJECTED, S.WITHDRAWN}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
OPEN = frozenset(s for s, targets in TRANSITIONS.items() if targets)
CLOSED = frozenset(S) - OPEN
REASON_REQUIRED = frozenset({S.REJECTED})


def check_transition(current: str, target: str, reason: str | None) -> None:
    """Raise unless `current → target` is allowed and carries the reason it needs."""
    if S(target) not in TRANSITIONS[S(current)]:
        raise Conflict(f"A request cannot go from {current} to {target}.")
    if S(target) in REASON_REQUIRED and not (reason and reason.strip()):
        raise Unprocessable(f"Moving a request to {target} requires a reason.")


def is_open(status: str) -> bool:
    return S(status) in OPEN
