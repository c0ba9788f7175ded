"""The rules of the AI service: redact, limit, ask the model through the breaker, validate
its answer, audit the call. No FastAPI here; errors are domain errors."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aura_ai import prompts
from aura_ai.breaker import BreakerOpen, OllamaBreaker
from aura_ai.errors import BadModelAnswer, InputTooLarge, ModelTimeout, ModelUnavailable
from aura_ai.models import AICall
from aura_ai.ollama import (
    ChatResult,
    ChatStats,
    ChatStream,
    OllamaBadAnswer,
    OllamaClient,
    OllamaError,
    OllamaRefused,
    OllamaTimeout,
    OllamaUnavailable,
)
from aura_ai.ratelimit import TenantRateLimiter
from aura_ai.redaction import Redaction, redact
from aura_ai.repository import AuditRepository
from aura_ai.schemas import (
    BreachAnswer,
    BreachAssessment,
    BreachRequest,
    BreakerStatus,
    ClassifyAnswer,
    ClassifyResult,
    DraftRequest,
    OllamaStatus,
    StatusResponse,
)
from aura_ai.settings import AISettings
from aura_common.db import unit_of_work

log = logging.getLogger("aura.ai")
AnswerT = TypeVar("AnswerT", bound=BaseModel)
# After one failed call with the breaker still closed, a retry may well work at once.
FAILURE_RETRY_SECONDS = 1.0
SHIELDED_CLEANUP_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Caller:
    tenant_id: uuid.UUID
    user_id: uuid.UUID | None = None
    service: str | None = None


@dataclass(slots=True)
class CallRecord:
    """What the audit keeps of one call; filled in as the call goes."""

    caller: Caller
    endpoint: str
    model: str
    prompt: str
    started: float
    stats: ChatStats | None = None
    outcome: str = "ok"
    error: str | None = None


def check_size(settings: AISettings, *texts: str | None, limit: int | None = None) -> None:
    cap = limit or settings.ai_max_input_bytes
    size = sum(len(t.encode("utf-8")) for t in texts if t)
    if size > cap:
        raise InputTooLarge(f"The text is {size} bytes in UTF-8; at most {cap} are accepted.")


def redact_text(settings: AISettings, text: str) -> Redaction:
    check_size(settings, text, limit=settings.ai_max_redact_bytes)
    return redact(text)


class AIService:
    def __init__(self, settings: AISettings, ollama: OllamaClient, breaker: OllamaBreaker,
                 limiter: TenantRateLimiter,
                 sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.ollama = ollama
        self.breaker = breaker
        self.limiter = limiter
        self.sessionmaker = sessionmaker

    # --- structured answers ---------------------------------------------------------------

    async def classify(self, caller: Caller, text: str) -> ClassifyResult:
        check_size(self.settings, text)
        await self.limiter.check(caller.tenant_id)
        user = prompts.classify_user(redact(text).text)
        answer, model = await self._structured(
            caller, "classify", prompts.messages(prompts.CLASSIFY_SYSTEM, user),
            prompts.CLASSIFY_SCHEMA, ClassifyAnswer)
        return ClassifyResult(**answer.model_dump(), model=model)

    async def assess_breach(self, caller: Caller, request: BreachRequest) -> BreachAssessment:
        check_size(self.settings, request.description, request.measures_taken,
                   *request.data_categories, *request.special_categories)
        await self.limiter.check(caller.tenant_id)
        user = redact(prompts.breach_user(request)).text
        answer, model = await self._structured(
            caller, "assess-breach", prompts.messages(prompts.BREACH_SYSTEM, user),
            prompts.BREACH_SCHEMA, BreachAnswer)
        # The duties follow from the risk by law (Art. 33(1), 34(1)), not from the model.
        return BreachAssessment(risk_level=answer.risk_level,
                                notify_authority=answer.risk_level != "none",
                                notify_subjects=answer.risk_level == "high",
                                rationale=answer.rationale, model=model)

    async def _structured(self, caller: Caller, endpoint: str, messages: prompts.Messages,
                          schema: dict[str, Any],
                          answer_type: type[AnswerT]) -> tuple[AnswerT, str]:
        record = self._record(caller, endpoint, messages)
        options = {"temperature": 0, "num_predict": self.settings.ai_max_answer_tokens}
        result: ChatResult = await self._guarded(
            record, self.ollama.chat, messages, schema=schema, options=options)
        record.stats = result.stats
        record.model = result.model
        try:
            answer = answer_type.model_validate_json(result.content)
        except ValidationError as exc:
            record.outcome, record.error = "bad_answer", _first_error(exc)
            await self._audit(record)
            raise BadModelAnswer("The model's answer does not fit the expected schema; nothing "
                                 "was kept. Try again or rephrase.") from exc
        await self._audit(record)
        return answer, result.model

    # --- streamed draft -------------------------------------------------------------------

    async def open_draft(self, caller: Caller, request: DraftRequest) -> AsyncIterator[bytes]:
        """Checks, redaction and the opening of Ollama's stream happen here, so that a refusal
        is still a proper error response; the returned iterator yields NDJSON lines."""
        check_size(self.settings, request.context)
        await self.limiter.check(caller.tenant_id)
        messages = prompts.draft_messages(request.request_type, redact(request.context).text)
        record = self._record(caller, "draft-response", messages)
        options = {"num_predict": self.settings.ai_draft_max_tokens}
        stream: ChatStream = await self._guarded(
            record, self.ollama.chat_stream, messages, options=options)
        return self._relay(stream, record)

    async def _relay(self, stream: ChatStream, record: CallRecord) -> AsyncIterator[bytes]:
        try:
            async for delta in stream.deltas():
                yield _line({"type": "delta", "text": delta})
            record.stats = stream.stats
            stats = stream.stats or ChatStats()
            yield _line({"type": "done", "model": record.model,
                         "prompt_tokens": stats.prompt_eval_count,
                         "answer_tokens": stats.eval_count})
        except OllamaError as exc:
            record.outcome = "timeout" if isinstance(exc, OllamaTimeout) else "stream_error"
            record.error = str(exc)[:300]
            if isinstance(exc, OllamaUnavailable):
                await self.breaker.record_failure(exc)
            yield _line({"type": "error", "status": 504 if record.outcome == "timeout" else 502,
                         "detail": "The model failed while answering; the draft is incomplete."})
        except BaseException:
            # The client went away (cancellation or generator close): awaits here must be
            # shielded, or the cancelled scope would interrupt them too.
            record.outcome, record.error = "cancelled", "the client closed the stream"
            with anyio.move_on_after(SHIELDED_CLEANUP_SECONDS, shield=True):
                await stream.aclose()
                await self._audit_quietly(record)
            raise
        # Everything has been sent: a failing audit can only be logged now.
        await self._audit_quietly(record)

    # --- calls through the breaker --------------------------------------------------------

    async def _guarded(self, record: CallRecord, func: Callable[..., Awaitable[Any]],
                       *args: Any, **kwargs: Any) -> Any:
        async def call() -> Any:
            return await func(*args, **kwargs)

        try:
            return await self.breaker.call(call)
        except BreakerOpen as exc:
            await self._fail(record, "breaker_open", "the breaker is open")
            raise ModelUnavailable("The language model is unavailable (circuit open); try "
                                   "again later.", exc.retry_after_seconds) from exc
        except OllamaTimeout as exc:
            await self._fail(record, "timeout", str(exc))
            raise ModelTimeout("The language model did not answer in time.",
                               self._retry_after()) from exc
        except OllamaUnavailable as exc:
            await self._fail(record, "unavailable", str(exc))
            raise ModelUnavailable("The language model is unavailable; try again later.",
                                   self._retry_after()) from exc
        except (OllamaRefused, OllamaBadAnswer) as exc:
            await self._fail(record, "refused" if isinstance(exc, OllamaRefused)
                             else "bad_answer", str(exc))
            raise BadModelAnswer(f"The language model server refused or garbled the call: "
                                 f"{exc}") from exc

    def _retry_after(self) -> float:
        return self.breaker.open_for() or FAILURE_RETRY_SECONDS

    # --- status ---------------------------------------------------------------------------

    async def status(self) -> StatusResponse:
        try:
            names = await self.ollama.tags(self.settings.ai_status_timeout_seconds)
            ollama = OllamaStatus(reachable=True, model_available=_has_model(
                names, self.settings.ai_model))
        except OllamaRefused as exc:
            ollama = OllamaStatus(reachable=True, model_available=None, detail=str(exc))
        except OllamaError as exc:
            ollama = OllamaStatus(reachable=False, model_available=None, detail=str(exc))
        state = self.breaker.state()
        retry = round(self.breaker.retry_after() * 1000) if state != "closed" else None
        return StatusResponse(model=self.settings.ai_model, ollama=ollama, breaker=BreakerStatus(
            state=state, failures=self.breaker.failures, retry_after_ms=retry))

    # --- audit ----------------------------------------------------------------------------

    def _record(self, caller: Caller, endpoint: str, messages: prompts.Messages) -> CallRecord:
        prompt = json.dumps(messages, ensure_ascii=False, separators=(",", ":"))
        return CallRecord(caller, endpoint, self.settings.ai_model, prompt, time.perf_counter())

    async def _fail(self, record: CallRecord, outcome: str, error: str) -> None:
        """Audit a failure; the caller gets the model's failure, not the audit's."""
        record.outcome, record.error = outcome, error[:300]
        await self._audit_quietly(record)

    async def _audit_quietly(self, record: CallRecord) -> None:
        try:
            await self._audit(record)
        except (SQLAlchemyError, OSError):
            log.exception("audit of an AI call could not be written",
                          extra={"outcome": record.outcome, "endpoint": record.endpoint})

    async def _audit(self, record: CallRecord) -> None:
        if not self.settings.ai_audit_enabled:
            return
        async with unit_of_work(self.sessionmaker, record.caller.tenant_id) as session:
            AuditRepository(session).add(self._row(record))

    def _row(self, record: CallRecord) -> AICall:
        stats = record.stats or ChatStats()
        return AICall(
            tenant_id=record.caller.tenant_id, user_id=record.caller.user_id,
            service=record.caller.service, endpoint=record.endpoint, model=record.model[:200],
            prompt_sha256=hashlib.sha256(record.prompt.encode("utf-8")).hexdigest(),
            prompt_text=record.prompt if self.settings.ai_audit_store_prompts else None,
            prompt_tokens=stats.prompt_eval_count, answer_tokens=stats.eval_count,
            total_duration_ns=stats.total_duration, load_duration_ns=stats.load_duration,
            prompt_eval_duration_ns=stats.prompt_eval_duration,
            eval_duration_ns=stats.eval_duration,
            latency_ms=round((time.perf_counter() - record.started) * 1000),
            outcome=record.outcome, error=record.error,
        )


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode("utf-8") + b"\n"


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid"
    where = ".".join(str(p) for p in errors[0]["loc"])
    return f"{where}: {errors[0]['msg']}"[:300]


def _has_model(names: list[str], model: str) -> bool:
    wanted = model if ":" in model else f"{model}:latest"
    return any(name in (model, wanted) for name in names)
