"""What the model is told. Every text in a prompt has been redacted before it gets here."""

from __future__ import annotations

from typing import Any

from aura_ai.schemas import BreachAnswer, BreachRequest, ClassifyAnswer, RequestType

Messages = list[dict[str, str]]

PLACEHOLDER_NOTE = (
    "Personal data in the input has been replaced by placeholders such as [EMAIL_1] or "
    "[PHONE_2]; keep them as they are and never invent the values behind them."
)

CLASSIFY_SYSTEM = (
    "You are a GDPR assistant. Given the description of a processing activity, answer with "
    "the categories of personal data it involves, the special categories of Art. 9 it "
    "involves (none is a valid answer), the most fitting legal basis of Art. 6(1), a "
    "retention period, and a short rationale. Answer only with JSON in the requested schema. "
    + PLACEHOLDER_NOTE
)

BREACH_SYSTEM = (
    "You are a GDPR assistant assessing a personal-data breach under Art. 33 and 34. Judge "
    "the risk to the rights and freedoms of the people concerned: 'none' when the breach is "
    "unlikely to result in a risk, 'risk' when it is, 'high' when the risk is high. Consider "
    "the kind and sensitivity of the data, the number of people, whether the data was "
    "encrypted, and the measures taken. Answer only with JSON in the requested schema. "
    + PLACEHOLDER_NOTE
)

DRAFT_SYSTEM = (
    "You are a data-protection officer's assistant. Write a clear, polite reply letter to a "
    "data subject answering their {kind} request under the GDPR (Art. {article}). State what "
    "was done or why not, the legal basis, and their right to lodge a complaint with a "
    "supervisory authority. Plain text, no markdown. " + PLACEHOLDER_NOTE
)
ARTICLES: dict[str, str] = {"access": "15", "rectification": "16", "erasure": "17",
                            "restriction": "18", "portability": "20", "objection": "21"}


def _schema(model: type[ClassifyAnswer] | type[BreachAnswer]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    return schema


CLASSIFY_SCHEMA = _schema(ClassifyAnswer)
BREACH_SCHEMA = _schema(BreachAnswer)


def classify_user(text: str) -> str:
    return f"Processing activity:\n{text}"


def breach_user(request: BreachRequest) -> str:
    lines = [f"Breach description:\n{request.description}"]
    if request.data_categories:
        lines.append("Categories of personal data: " + "; ".join(request.data_categories))
    if request.special_categories:
        lines.append("Special categories (Art. 9): " + "; ".join(request.special_categories))
    if request.approx_subjects is not None:
        lines.append(f"Approximate number of people concerned: {request.approx_subjects}")
    if request.approx_records is not None:
        lines.append(f"Approximate number of records: {request.approx_records}")
    if request.data_encrypted is not None:
        lines.append("The data was encrypted: " + ("yes" if request.data_encrypted else "no"))
    if request.measures_taken:
        lines.append(f"Measures taken:\n{request.measures_taken}")
    return "\n".join(lines)


def draft_messages(request_type: RequestType, context: str) -> Messages:
    system = DRAFT_SYSTEM.format(kind=request_type, article=ARTICLES[request_type])
    return [{"role": "system", "content": system},
            {"role": "user", "content": f"The request and what was found:\n{context}"}]


def messages(system: str, user: str) -> Messages:
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
