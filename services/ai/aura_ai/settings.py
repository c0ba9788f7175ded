"""The AI service's settings on top of the common ones (`OLLAMA_BASE_URL`, `AI_MODEL`, …)."""

from __future__ import annotations

from functools import lru_cache

from limits import parse
from pydantic import Field, field_validator

from aura_common.settings import CommonSettings


class AISettings(CommonSettings):
    service_name: str = "ai"
    # Short: a host that is down should fail fast. The read timeout (AI_TIMEOUT_SECONDS) is
    # long, because Ollama's first call may load the model for seconds.
    ai_connect_timeout_seconds: float = Field(default=1.0, gt=0)
    # How long GET /api/ai/status waits for Ollama's /api/tags.
    ai_status_timeout_seconds: float = Field(default=2.0, gt=0)
    # Largest text accepted, in UTF-8 bytes (413 above it). The request body may be up to
    # four times larger, to leave room for JSON escapes and the other fields.
    ai_max_input_bytes: int = Field(default=32_768, ge=256)
    # Largest text POST /api/ai/redact accepts: no model involved, so it may be larger.
    ai_max_redact_bytes: int = Field(default=1_048_576, ge=256)
    # Answer tokens asked of the model (Ollama's num_predict) for the structured endpoints.
    ai_max_answer_tokens: int = Field(default=1024, ge=16)
    ai_draft_max_tokens: int = Field(default=1500, ge=16)

    @field_validator("ai_rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"AI_RATE_LIMIT {value!r} is not a limit like '30/minute'") from exc
        return value

    @property
    def max_body_bytes(self) -> int:
        return 4 * max(self.ai_max_input_bytes, self.ai_max_redact_bytes) + 4096


@lru_cache
def get_settings() -> AISettings:
    return AISettings()
