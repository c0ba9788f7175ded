"""Deterministic redaction of personal data: no model, no network."""

from __future__ import annotations

from dataclasses import dataclass

from aura_ai.redaction.detectors import DETECTORS, MASK, PRIORITY, Finding

__all__ = ["Entity", "Redaction", "find", "redact"]


@dataclass(frozen=True, slots=True)
class Entity:
    type: str
    start: int
    end: int
    placeholder: str


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    entities: list[Entity]


def find(text: str) -> list[Finding]:
    """Every finding of every detector, overlaps resolved: the earliest start wins, and at one
    start the more specific type, then the longer span."""
    candidates = [f for detector in DETECTORS for f in detector(text)]
    candidates.sort(key=lambda f: (f.start, PRIORITY[f.type], -f.end))
    chosen: list[Finding] = []
    covered_until = 0
    for finding in candidates:
        if finding.start >= covered_until:
            chosen.append(finding)
            covered_until = finding.end
    return [f for f in chosen if f.type != MASK]


def redact(text: str) -> Redaction:
    """`text` with each finding replaced by `[TYPE_n]`; one value, one placeholder."""
    placeholders: dict[tuple[str, str], str] = {}
    counters: dict[str, int] = {}
    parts: list[str] = []
    entities: list[Entity] = []
    position = 0
    for finding in find(text):
        label = placeholders.get((finding.type, finding.key))
        if label is None:
            counters[finding.type] = counters.get(finding.type, 0) + 1
            label = f"[{finding.type}_{counters[finding.type]}]"
            placeholders[(finding.type, finding.key)] = label
        parts.append(text[position:finding.start])
        parts.append(label)
        entities.append(Entity(finding.type, finding.start, finding.end, label))
        position = finding.end
    parts.append(text[position:])
    return Redaction("".join(parts), entities)
