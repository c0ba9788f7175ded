"""The auth service's settings on top of the common ones."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field

from aura_common.settings import CommonSettings


class AuthSettings(CommonSettings):
    service_name: str = "auth"
    bcrypt_cost: int = Field(default=12, ge=4, le=16)
    # bcrypt releases the GIL: one hash per core at a time keeps the loop and the CPU honest.
    bcrypt_max_concurrency: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)


@lru_cache
def get_settings() -> AuthSettings:
    return AuthSettings()
