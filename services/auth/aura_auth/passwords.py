"""bcrypt hashing off the event loop, bounded to the machine's cores."""

from __future__ import annotations

import anyio
import bcrypt

BCRYPT_MAX_BYTES = 72


class PasswordHasher:
    def __init__(self, cost: int, max_concurrency: int) -> None:
        self.cost = cost
        self.limiter = anyio.CapacityLimiter(max_concurrency)
        self._dummy_hash: bytes | None = None

    async def hash(self, password: str) -> str:
        hashed = await anyio.to_thread.run_sync(_hash, password.encode(), self.cost,
                                                limiter=self.limiter)
        return hashed.decode()

    async def verify(self, password: str, hashed: str) -> bool:
        return await anyio.to_thread.run_sync(_check, password.encode(), hashed.encode(),
                                              limiter=self.limiter)

    async def prepare(self) -> None:
        """Make the stand-in hash that unknown accounts are checked against."""
        self._dummy_hash = (await self.hash("not-a-real-password")).encode()

    async def verify_nothing(self, password: str) -> None:
        """The work of one verification, for an account that does not exist (timing safety)."""
        if self._dummy_hash is None:
            await self.prepare()
        assert self._dummy_hash is not None
        await anyio.to_thread.run_sync(_check, password.encode(), self._dummy_hash,
                                       limiter=self.limiter)


def _hash(password: bytes, cost: int) -> bytes:
    return bcrypt.hashpw(password, bcrypt.gensalt(rounds=cost))


def _check(password: bytes, hashed: bytes) -> bool:
    try:
        return bcrypt.checkpw(password, hashed)
    except ValueError:  # over 72 bytes, or a malformed stored hash: never a match
        return False
