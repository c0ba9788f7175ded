"""The closed vocabularies of the register, named after the articles that define them."""

from __future__ import annotations

from enum import StrEnum


class ActivityRole(StrEnum):
    CONTROLLER = "controller"  # Art. 30(1)
    PROCESSOR = "processor"  # Art. 30(2)


class LegalBasis(StrEnum):
    """Art. 6(1)(a)-(f)."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"


class SpecialCategory(StrEnum):
    """Art. 9(1)."""

    RACIAL_OR_ETHNIC_ORIGIN = "racial_or_ethnic_origin"
    POLITICAL_OPINIONS = "political_opinions"
    RELIGIOUS_OR_PHILOSOPHICAL_BELIEFS = "religious_or_philosophical_beliefs"
    TRADE_UNION_MEMBERSHIP = "trade_union_membership"
    GENETIC_DATA = "genetic_data"
    BIOMETRIC_DATA = "biometric_data"
    HEALTH_DATA = "health_data"
    SEX_LIFE_OR_SEXUAL_ORIENTATION = "sex_life_or_sexual_orientation"


class Art9Condition(StrEnum):
    """Art. 9(2)(a)-(j)."""

    EXPLICIT_CONSENT = "explicit_consent"
    EMPLOYMENT_SOCIAL_SECURITY = "employment_social_security"
    VITAL_INTERESTS = "vital_interests"
    NOT_FOR_PROFIT_BODY = "not_for_profit_body"
    MADE_PUBLIC_BY_SUBJECT = "made_public_by_subject"
    LEGAL_CLAIMS = "legal_claims"
    SUBSTANTIAL_PUBLIC_INTEREST = "substantial_public_interest"
    HEALTH_OR_SOCIAL_CARE = "health_or_social_care"
    PUBLIC_HEALTH = "public_health"
    ARCHIVING_RESEARCH_STATISTICS = "archiving_research_statistics"


class TransferSafeguard(StrEnum):
    """Chapter V: Art. 45, 46(2)(c), 47, 46(2)(e), 46(2)(f), 49."""

    ADEQUACY = "adequacy"
    SCCS = "sccs"
    BCRS = "bcrs"
    CODE_OF_CONDUCT = "code_of_conduct"
    CERTIFICATION = "certification"
    DEROGATION_49 = "derogation_49"


class ActivityStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


class RequestType(StrEnum):
    """Art. 15-18, 20, 21."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    PORTABILITY = "portability"
    OBJECTION = "objection"


class RequestStatus(StrEnum):
    RECEIVED = "received"
    VERIFYING = "verifying"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ConsentAction(StrEnum):
    GRANT = "grant"
    WITHDRAW = "withdraw"


class RiskLevel(StrEnum):
    NONE = "none"  # Art. 33(1): unlikely to result in a risk, no notification needed
    RISK = "risk"  # notify the authority
    HIGH = "high"  # notify the authority and the data subjects (Art. 34)


class BreachNature(StrEnum):
    CONFIDENTIALITY = "confidentiality"
    INTEGRITY = "integrity"
    AVAILABILITY = "availability"


class Art34Exemption(StrEnum):
    """Art. 34(3)(a)-(c): when subjects need not be told of a high-risk breach."""

    UNINTELLIGIBLE = "unintelligible"  # (a) e.g. encrypted, key not compromised
    RISK_NO_LONGER_LIKELY = "risk_no_longer_likely"  # (b) subsequent measures
    DISPROPORTIONATE_EFFORT = "disproportionate_effort"  # (c) public communication instead


class AgreementStatus(StrEnum):
    NONE = "none"
    DRAFT = "draft"
    SIGNED = "signed"
    EXPIRED = "expired"
    TERMINATED = "terminated"
