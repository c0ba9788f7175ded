"""Request and response bodies of the AI API, and the shapes the model must answer in.

The `*Answer` models are what Ollama is asked for (their JSON schema goes into `format`) and
what its output is validated against; anything else it says is rejected.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _utf8(value: str) -> str:
    """JSON may carry lone surrogates (`"\\ud800"`); they are not text and cannot be sized,
    hashed or sent on, so they are a 422 here rather than an error later."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text contains an unpaired surrogate, which is not valid UTF-8") \
            from exc
    return value


Utf8 = AfterValidator(_utf8)
Text = Annotated[str, Field(min_length=1), Utf8]
AnyText = Annotated[str, Utf8]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=200), Utf8]

# --- redaction ----------------------------------------------------------------------------

class RedactRequest(StrictModel):
    text: AnyText


class EntityOut(BaseModel):
    type: str = Field(description="EMAIL, PHONE, IBAN, CARD, IP, DOB or NATIONAL_ID")
    start: int = Field(description="Offset of the first character in the original text")
    end: int = Field(description="Offset after the last character in the original text")
    placeholder: str


class RedactResponse(BaseModel):
    text: str
    entities: list[EntityOut]


# --- classification -----------------------------------------------------------------------

LegalBasis = Literal["consent", "contract", "legal_obligation", "vital_interests",
                     "public_task", "legitimate_interests"]
SpecialCategory = Literal[
    "racial_or_ethnic_origin", "political_opinions", "religious_or_philosophical_beliefs",
    "trade_union_membership", "genetic_data", "biometric_data", "health_data",
    "sex_life_or_sexual_orientation",
]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Rationale = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=4000)]


class ClassifyRequest(StrictModel):
    text: Text = Field(description="A description of the processing activity")


class ClassifyAnswer(StrictModel):
    personal_data_categories: Annotated[list[Category], Field(max_length=40)]
    special_categories: Annotated[list[SpecialCategory], Field(max_length=8)]
    legal_basis: LegalBasis
    retention: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                max_length=500)]
    rationale: Rationale


class ClassifyResult(ClassifyAnswer):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"description": (
        "legal_basis is Art. 6(1): consent = a, contract = b, legal_obligation = c, "
        "vital_interests = d, public_task = e, legitimate_interests = f.")})

    model: str


# --- breach assessment --------------------------------------------------------------------

RiskLevel = Literal["none", "risk", "high"]


class BreachRequest(StrictModel):
    description: Text
    data_categories: Annotated[list[ShortText], Field(max_length=50)] = []
    special_categories: Annotated[list[ShortText], Field(max_length=20)] = []
    approx_subjects: Annotated[int | None, Field(ge=0)] = None
    approx_records: Annotated[int | None, Field(ge=0)] = None
    data_encrypted: bool | None = None
    measures_taken: AnyText | None = None


class BreachAnswer(StrictModel):
    risk_level: RiskLevel
    rationale: Rationale


class BreachAssessment(BaseModel):
    risk_level: RiskLevel
    notify_authority: bool = Field(description="Art. 33: unless the breach is unlikely to "
                                               "result in a risk (risk_level none)")
    notify_subjects: bool = Field(description="Art. 34: when the risk is high")
    rationale: str
    model: str


# --- draft response -----------------------------------------------------------------------

RequestType = Literal["access", "rectification", "erasure", "restriction", "portability",
                      "objection"]


class DraftRequest(StrictModel):
    request_type: RequestType
    context: Text = Field(description="What the data subject asked and what was found")


# --- status and audit ---------------------------------------------------------------------

class OllamaStatus(BaseModel):
    reachable: bool
    model_available: bool | None
    detail: str | None = None


class BreakerStatus(BaseModel):
    state: Literal["closed", "open", "half_open"]
    failures: int
    retry_after_ms: int | None


class StatusResponse(BaseModel):
    model: str
    ollama: OllamaStatus
    breaker: BreakerStatus


class AuditEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID | None
    service: str | None
    endpoint: str
    model: str
    prompt_sha256: str
    prompt_text: str | None
    prompt_tokens: int | None
    answer_tokens: int | None
    total_duration_ns: int | None
    load_duration_ns: int | None
    prompt_eval_duration_ns: int | None
    eval_duration_ns: int | None
    latency_ms: int
    outcome: str
    error: str | None
    created_at: datetime
