"""The gdpr service's settings on top of the common ones."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from aura_common.settings import CommonSettings


class GdprSettings(CommonSettings):
    service_name: str = "gdpr"
    export_batch_size: int = Field(default=1000, ge=10, le=10_000)


@lru_cache
def get_settings() -> GdprSettings:
    return GdprSettings()
