"""Request and response bodies of the gdpr API."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from aura_gdpr.domain.vocabulary import (
    ActivityRole,
    ActivityStatus,
    AgreementStatus,
    Art9Condition,
    Art34Exemption,
    BreachNature,
    ConsentAction,
    LegalBasis,
    RequestStatus,
    RequestType,
    RiskLevel,
    SpecialCategory,
    TransferSafeguard,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
TextList = Annotated[list[Text], Field(max_length=200)]


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00+01:00 lies before year 1 in UTC
        raise ValueError("the instant lies outside the supported range of years") from exc


# Aware datetimes in, normalised to UTC, so that answers always carry UTC.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
ISO_DURATION = re.compile(r"^P(?=\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class Strict(BaseModel):
    """Request bodies: unknown fields and NUL characters (PostgreSQL refuses them) are 422."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("text may not contain NUL characters")
        return data


class Contact(Strict):
    name: Name
    email: Annotated[str | None, StringConstraints(max_length=320)] = None
    phone: Annotated[str | None, StringConstraints(max_length=50)] = None
    address: Annotated[str | None, StringConstraints(max_length=1000)] = None


class SpecialCategoryUse(Strict):
    category: SpecialCategory
    condition: Art9Condition  # every special category needs its Art. 9(2) condition


class Transfer(Strict):
    country: Country
    safeguard: TransferSafeguard
    note: Annotated[str | None, StringConstraints(max_length=2000)] = None


# -- activities ---------------------------------------------------------------------------------

class ActivityFields(Strict):
    """Every field of a record of processing; the cross-field rules are checked on the whole."""

    name: Name
    description: LongText = ""
    role: ActivityRole = ActivityRole.CONTROLLER
    controller: Contact | None = None
    joint_controllers: Annotated[list[Contact], Field(max_length=50)] = []
    representative: Contact | None = None
    dpo_contact: Contact | None = None
    purposes: Annotated[list[Text], Field(min_length=1, max_length=200)]
    legal_basis: LegalBasis
    legitimate_interest_assessment: Annotated[str | None, StringConstraints(
        strip_whitespace=True, max_length=20_000)] = None
    data_subject_categories: TextList = []
    personal_data_categories: TextList = []
    special_categories: Annotated[list[SpecialCategoryUse], Field(max_length=8)] = []
    criminal_offence_data: bool = False
    criminal_offence_basis: Annotated[str | None, StringConstraints(
        strip_whitespace=True, max_length=5000)] = None
    recipients: TextList = []
    transfers: Annotated[list[Transfer], Field(max_length=200)] = []
    retention_period: Annotated[str | None, Field(
        max_length=40, description="ISO 8601 period such as P6Y or P18M")] = None
    retention_description: Annotated[str | None, StringConstraints(
        strip_whitespace=True, max_length=5000)] = None
    security_measures: TextList = []
    processor_ids: Annotated[list[uuid.UUID], Field(max_length=200)] = []
    large_scale: bool = False
    profiling: bool = False
    systematic_monitoring: bool = False
    status: ActivityStatus = ActivityStatus.DRAFT

    @field_validator("retention_period")
    @classmethod
    def _iso_period(cls, value: str | None) -> str | None:
        if value is not None and not ISO_DURATION.match(value):
            raise ValueError("must be an ISO 8601 period such as P6Y, P18M or P30D")
        return value

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Self:
        if self.legal_basis is LegalBasis.LEGITIMATE_INTERESTS and \
                not self.legitimate_interest_assessment:
            raise ValueError("legitimate_interests requires legitimate_interest_assessment")
        categories = [s.category for s in self.special_categories]
        if len(categories) != len(set(categories)):
            raise ValueError("each special category may appear once")
        if self.criminal_offence_data and not self.criminal_offence_basis:
            raise ValueError("criminal_offence_data requires criminal_offence_basis (Art. 10)")
        if not self.retention_period and not self.retention_description:
            raise ValueError("give retention_period, retention_description, or both")
        if self.role is ActivityRole.PROCESSOR and self.controller is None:
            raise ValueError("a processor's record names the controller (Art. 30(2)(a))")
        if len(set(self.processor_ids)) != len(self.processor_ids):
            raise ValueError("processor_ids repeats a processor")
        return self


class ActivityCreate(ActivityFields):
    pass


class ActivityUpdate(Strict):
    """Any subset of the fields; the merged record is validated as a whole."""

    name: Name | None = None
    description: LongText | None = None
    role: ActivityRole | None = None
    controller: Contact | None = None
    joint_controllers: list[Contact] | None = None
    representative: Contact | None = None
    dpo_contact: Contact | None = None
    purposes: list[Text] | None = None
    legal_basis: LegalBasis | None = None
    legitimate_interest_assessment: str | None = None
    data_subject_categories: list[Text] | None = None
    personal_data_categories: list[Text] | None = None
    special_categories: list[SpecialCategoryUse] | None = None
    criminal_offence_data: bool | None = None
    criminal_offence_basis: str | None = None
    recipients: list[Text] | None = None
    transfers: list[Transfer] | None = None
    retention_period: str | None = None
    retention_description: str | None = None
    security_measures: list[Text] | None = None
    processor_ids: list[uuid.UUID] | None = None
    large_scale: bool | None = None
    profiling: bool | None = None
    systematic_monitoring: bool | None = None
    status: ActivityStatus | None = None
    version: int | None = Field(default=None, description="Alternative to If-Match")


class ActivityOut(ActivityFields):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: uuid.UUID
    dpia_required: bool
    dpia_reasons: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class Suggestion(BaseModel):
    """What the ai service's classifier proposes; nothing of it is applied."""

    personal_data_categories: list[str]
    special_categories: list[str]
    legal_basis: str
    retention: str
    rationale: str
    model: str


class SuggestionOut(BaseModel):
    activity_id: uuid.UUID
    applied: bool = False
    suggestion: Suggestion


# -- processors ---------------------------------------------------------------------------------

class SubProcessor(Strict):
    name: Name
    country: Country | None = None
    service: Annotated[str | None, StringConstraints(max_length=1000)] = None


class ProcessorFields(Strict):
    name: Name
    contact: Contact | None = None
    countries: Annotated[list[Country], Field(max_length=250)] = []
    agreement_status: AgreementStatus = AgreementStatus.NONE
    agreement_signed_on: date | None = None
    sub_processors: Annotated[list[SubProcessor], Field(max_length=200)] = []

    @model_validator(mode="after")
    def _signed_needs_date(self) -> Self:
        if self.agreement_status is AgreementStatus.SIGNED and self.agreement_signed_on is None:
            raise ValueError("a signed agreement needs agreement_signed_on")
        return self


class ProcessorCreate(ProcessorFields):
    pass


class ProcessorUpdate(Strict):
    name: Name | None = None
    contact: Contact | None = None
    countries: list[Country] | None = None
    agreement_status: AgreementStatus | None = None
    agreement_signed_on: date | None = None
    sub_processors: list[SubProcessor] | None = None
    version: int | None = Field(default=None, description="Alternative to If-Match")


class ProcessorOut(ProcessorFields):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: uuid.UUID
    activity_ids: list[uuid.UUID]
    version: int
    created_at: datetime
    updated_at: datetime


# -- data-subject requests ----------------------------------------------------------------------

class RequestCreate(Strict):
    type: RequestType
    subject_name: Name
    subject_contact: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                      max_length=320)]
    details: Annotated[str | None, StringConstraints(max_length=20_000)] = None
    received_at: UtcDatetime | None = Field(default=None, description="Defaults to now")
    assignee_id: uuid.UUID | None = None


class RequestUpdate(Strict):
    subject_name: Name | None = None
    subject_contact: Annotated[str | None, StringConstraints(
        strip_whitespace=True, min_length=1, max_length=320)] = None
    details: Annotated[str | None, StringConstraints(max_length=20_000)] = None
    assignee_id: uuid.UUID | None = None
    version: int | None = None


class TransitionIn(Strict):
    to: RequestStatus
    reason: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=5000)] = None


class ExtendIn(Strict):
    reason: Reason


class RequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    type: RequestType
    subject_name: str
    subject_contact: str
    details: str | None
    received_at: datetime
    original_due_at: date
    due_at: date
    extended: bool
    extended_at: datetime | None
    extension_reason: str | None
    status: RequestStatus
    status_reason: str | None
    assignee_id: uuid.UUID | None
    closed_at: datetime | None
    overdue: bool
    version: int
    created_at: datetime
    updated_at: datetime


class RequestEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None
    kind: str
    from_status: str | None
    to_status: str | None
    note: str | None


class HolidayIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class HolidayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    name: str


# -- consents -----------------------------------------------------------------------------------

class ConsentIn(Strict):
    subject_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=200)]
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=200)]
    action: ConsentAction
    text_version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                   max_length=100)]
    channel: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=100)]
    evidence: dict[str, Any] | None = None


class ConsentEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subject_ref: str
    purpose: str
    action: ConsentAction
    text_version: str
    channel: str
    evidence: dict[str, Any] | None
    recorded_at: datetime
    recorded_by: uuid.UUID | None


class ConsentStateItem(BaseModel):
    purpose: str
    state: str  # granted | withdrawn
    since: datetime
    text_version: str
    channel: str
    event_id: uuid.UUID


class ConsentState(BaseModel):
    subject_ref: str
    items: list[ConsentStateItem]
    next_cursor: str | None = None


# -- breaches -----------------------------------------------------------------------------------

class BreachFields(Strict):
    title: Name
    aware_at: UtcDatetime
    occurred_at: UtcDatetime | None = None
    nature: Annotated[list[BreachNature], Field(max_length=3)] = []
    description: LongText = ""
    data_categories: TextList = []
    subjects_approx: Annotated[int | None, Field(ge=0, le=10**12)] = None
    records_approx: Annotated[int | None, Field(ge=0, le=10**15)] = None
    likely_consequences: Annotated[str | None, StringConstraints(max_length=20_000)] = None
    measures: Annotated[str | None, StringConstraints(max_length=20_000)] = None
    risk_level: RiskLevel
    subject_notification_exemption: Art34Exemption | None = None
    exemption_note: Annotated[str | None, StringConstraints(
        strip_whitespace=True, max_length=5000)] = None

    @model_validator(mode="after")
    def _exemption_needs_note(self) -> Self:
        if self.subject_notification_exemption is not None and not self.exemption_note:
            raise ValueError("an Art. 34(3) exemption needs exemption_note")
        if self.occurred_at is not None and self.occurred_at > self.aware_at:
            raise ValueError("occurred_at cannot be after aware_at")
        return self


class BreachCreate(BreachFields):
    pass


class BreachUpdate(Strict):
    title: Name | None = None
    aware_at: UtcDatetime | None = None
    occurred_at: UtcDatetime | None = None
    nature: list[BreachNature] | None = None
    description: LongText | None = None
    data_categories: list[Text] | None = None
    subjects_approx: Annotated[int | None, Field(ge=0, le=10**12)] = None
    records_approx: Annotated[int | None, Field(ge=0, le=10**15)] = None
    likely_consequences: str | None = None
    measures: str | None = None
    risk_level: RiskLevel | None = None
    subject_notification_exemption: Art34Exemption | None = None
    exemption_note: str | None = None
    version: int | None = Field(default=None, description="Alternative to If-Match")


class NotifyAuthorityIn(Strict):
    notified_at: UtcDatetime | None = Field(default=None, description="Defaults to now")
    reference: Annotated[str | None, StringConstraints(max_length=200)] = None
    delay_reason: Annotated[str | None, StringConstraints(
        strip_whitespace=True, max_length=5000)] = None


class NotifySubjectsIn(Strict):
    notified_at: UtcDatetime | None = None
    method: Annotated[str | None, StringConstraints(max_length=2000)] = None


class BreachOut(BreachFields):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: uuid.UUID
    authority_deadline: datetime
    authority_notification_required: bool
    authority_notified_at: datetime | None
    authority_reference: str | None
    authority_delay_reason: str | None
    authority_overdue: bool
    notified_late: bool
    subject_notification_required: bool
    subjects_notified_at: datetime | None
    subjects_notification_method: str | None
    version: int
    created_at: datetime
    updated_at: datetime


# -- audit and dashboard ------------------------------------------------------------------------

class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seq: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    changed_fields: list[str]
    prev_hash: str
    hash: str


class BrokenLink(BaseModel):
    seq: int
    id: uuid.UUID
    reason: str


class AuditVerification(BaseModel):
    valid: bool
    checked: int
    first_broken: BrokenLink | None
    # The chain's head: kept outside the database, it also reveals rows removed from the end.
    last_seq: int | None = None
    last_hash: str | None = None


class Dashboard(BaseModel):
    activities_by_status: dict[str, int]
    requests_by_status: dict[str, int]
    breaches_by_risk: dict[str, int]
    overdue_requests: int
    requests_due_within_7_days: int
    requests_due_within_24_hours: int
    breaches_pending_authority_notice: int
    breaches_overdue: int
    breaches_due_within_7_days: int
    breaches_due_within_24_hours: int
    breaches_pending_subject_notice: int
    as_of: datetime
