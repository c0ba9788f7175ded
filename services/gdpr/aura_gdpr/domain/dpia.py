"""Whether an activity needs a data-protection impact assessment (Art. 35(3)), and why."""

from __future__ import annotations

from collections.abc import Sequence


def dpia_reasons(*, special_categories: Sequence[object], criminal_offence_data: bool,
                 large_scale: bool, profiling: bool, systematic_monitoring: bool) -> list[str]:
    reasons = []
    if large_scale and special_categories:
        reasons.append("Special categories of data (Art. 9) processed on a large scale "
                       "(Art. 35(3)(b)).")
    if large_scale and criminal_offence_data:
        reasons.append("Criminal-offence data (Art. 10) processed on a large scale "
                       "(Art. 35(3)(b)).")
    if profiling:
        reasons.append("Systematic and extensive evaluation or profiling (Art. 35(3)(a)).")
    if systematic_monitoring:
        reasons.append("Systematic monitoring (Art. 35(3)(c)).")
    return reasons
