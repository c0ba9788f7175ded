"""The rules of identity: registration, login, token rotation, passwords, user administration.

No FastAPI here: errors are domain errors, and the caller's session is committed by the request's
unit of work, never by this module.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aura_auth.models import LoginDirectory, RefreshFamily, RefreshToken, Tenant, User
from aura_auth.passwords import PasswordHasher
from aura_auth.repository import AuthRepository
from aura_auth.settings import AuthSettings
from aura_common.db import bind_tenant, utcnow
from aura_common.errors import Conflict, Forbidden, NotFound, Unauthorized
from aura_common.ids import new_id
from aura_common.roles import Role
from aura_common.tokens import (
    InvalidToken,
    TokenClaims,
    TokenType,
    access_token,
    decode_token,
    encode_token,
)

LOGIN_FAILED = "The e-mail or the password is wrong."
REFRESH_FAILED = "The refresh token is not valid."


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class LoginAccount:
    """What login needs of a user, read before the password check."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    password_hash: str
    active: bool


class RefreshReuse(Unauthorized):
    """A refresh token was presented again: its family is revoked, and that must be committed."""

    keep_changes = True


def normalize_email(email: str) -> str:
    return email.strip().lower()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthService:
    def __init__(self, session: AsyncSession, settings: AuthSettings,
                 hasher: PasswordHasher) -> None:
        self.session = session
        self.repo = AuthRepository(session)
        self.settings = settings
        self.hasher = hasher

    # -- registration and login -------------------------------------------------------------

    async def register(self, *, email: str, password: str, tenant_name: str,
                       full_name: str | None) -> tuple[Tenant, User]:
        password_hash = await self.hasher.hash(password)
        tenant = Tenant(id=new_id(), name=tenant_name)
        await bind_tenant(self.session, tenant.id)
        self.repo.add(tenant)
        await self.repo.flush()
        user = await self._add_user(tenant.id, email=email, password_hash=password_hash,
                                    full_name=full_name, role=Role.ADMIN)
        return tenant, user

    async def login(self, email: str, password: str) -> IssuedTokens:
        account = await self._login_account(normalize_email(email))
        # The read is over: hand the connection back to the pool while bcrypt runs, so a storm
        # of logins queues on the CPU-bound hash, never on database connections.
        await self.session.rollback()
        if account is None:
            await self.hasher.verify_nothing(password)
            raise Unauthorized(LOGIN_FAILED)
        if not await self.hasher.verify(password, account.password_hash) or not account.active:
            raise Unauthorized(LOGIN_FAILED)
        family = RefreshFamily(id=new_id(), tenant_id=account.tenant_id, user_id=account.user_id)
        self.repo.add(family)
        await self.repo.flush()
        return self._issue(account.user_id, account.tenant_id, account.role, family.id)

    async def _login_account(self, email_normalized: str) -> LoginAccount | None:
        entry = await self.repo.directory_entry(email_normalized)
        if entry is None:
            return None
        await bind_tenant(self.session, entry.tenant_id)
        user = await self.repo.user(entry.tenant_id, entry.user_id)
        if user is None:
            return None
        return LoginAccount(user.id, user.tenant_id, user.role, user.password_hash,
                            user.is_active)

    # -- refresh tokens -----------------------------------------------------------------------

    async def refresh(self, refresh_token: str) -> IssuedTokens:
        """Rotate: the presented token dies and a new pair is issued in the same family. A token
        presented a second time revokes its whole family (`RefreshReuse`)."""
        claims = self._refresh_claims(refresh_token)
        await bind_tenant(self.session, claims.tenant_id)
        found = await self.repo.token_for_update(claims.tenant_id, token_digest(refresh_token))
        if found is None:
            raise Unauthorized(REFRESH_FAILED)
        token, family = found
        now = utcnow()
        if family.revoked_at is not None:
            raise Unauthorized(REFRESH_FAILED)
        if token.used_at is not None:
            await self.repo.revoke_family(claims.tenant_id, family.id, "reuse", now)
            raise RefreshReuse("The refresh token was already used; its session is revoked.")
        user = await self.repo.user(claims.tenant_id, family.user_id)
        if user is None or not user.is_active or token.expires_at <= now:
            raise Unauthorized(REFRESH_FAILED)
        token.used_at = now
        return self._issue(user.id, user.tenant_id, user.role, family.id)

    async def logout(self, refresh_token: str) -> None:
        claims = self._refresh_claims(refresh_token)
        assert claims.family is not None
        await bind_tenant(self.session, claims.tenant_id)
        family = await self.repo.family(claims.tenant_id, claims.family)
        if family is None or str(family.user_id) != claims.sub:
            raise Unauthorized(REFRESH_FAILED)
        await self.repo.revoke_family(claims.tenant_id, family.id, "logout", utcnow())

    def _refresh_claims(self, refresh_token: str) -> TokenClaims:
        try:
            return decode_token(self.settings, refresh_token, TokenType.REFRESH)
        except InvalidToken as exc:
            raise Unauthorized(REFRESH_FAILED) from exc

    def _issue(self, user_id: uuid.UUID, tenant_id: uuid.UUID, role: str,
               family_id: uuid.UUID) -> IssuedTokens:
        lifetime = timedelta(days=self.settings.refresh_token_expire_days)
        row = RefreshToken(id=new_id(), tenant_id=tenant_id, family_id=family_id,
                           token_hash="", expires_at=utcnow() + lifetime)
        refresh = encode_token(
            self.settings, sub=str(user_id), tenant_id=tenant_id, role=role,
            token_type=TokenType.REFRESH, lifetime=lifetime, jti=str(row.id), family=family_id)
        row.token_hash = token_digest(refresh)
        self.repo.add(row)
        access = access_token(self.settings, user_id=user_id, tenant_id=tenant_id, role=role)
        return IssuedTokens(access, refresh, self.settings.access_token_expire_minutes * 60)

    # -- the signed-in user ---------------------------------------------------------------------

    async def account(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User:
        """The caller's own user; a deleted or disabled user's token stops working here."""
        user = await self.repo.user(tenant_id, user_id)
        if user is None or not user.is_active:
            raise Unauthorized("The user of this token no longer exists or is disabled.")
        return user

    async def tenant(self, tenant_id: uuid.UUID) -> Tenant:
        tenant = await self.repo.tenant(tenant_id)
        if tenant is None:
            raise Unauthorized("The tenant of this token no longer exists.")
        return tenant

    async def change_password(self, user: User, current: str, new: str) -> None:
        if not await self.hasher.verify(current, user.password_hash):
            raise Forbidden("The current password is wrong.")
        user.password_hash = await self.hasher.hash(new)
        await self.repo.revoke_user_families(user.tenant_id, user.id, "password-change", utcnow())

    # -- user administration (admin of the same tenant) ------------------------------------------

    async def list_users(self, tenant_id: uuid.UUID, after: uuid.UUID | None,
                         limit: int) -> list[User]:
        return await self.repo.users_page(tenant_id, after, limit)

    async def get_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User:
        user = await self.repo.user(tenant_id, user_id)
        if user is None:
            raise NotFound("No such user in this tenant.")
        return user

    async def create_user(self, tenant_id: uuid.UUID, *, email: str, password: str,
                          full_name: str | None, role: Role) -> User:
        password_hash = await self.hasher.hash(password)
        return await self._add_user(tenant_id, email=email, password_hash=password_hash,
                                    full_name=full_name, role=role)

    async def update_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID, *,
                          full_name: str | None = None, role: Role | None = None,
                          is_active: bool | None = None, password: str | None = None) -> User:
        user = await self.get_user(tenant_id, user_id)
        loses_admin = (role is not None and role != Role.ADMIN) or is_active is False
        if loses_admin and user.role == Role.ADMIN and user.is_active:
            await self._keep_an_admin(tenant_id)
        if full_name is not None:
            user.full_name = full_name
        if role is not None:
            user.role = role
        if password is not None:
            user.password_hash = await self.hasher.hash(password)
        if is_active is not None:
            user.is_active = is_active
        if is_active is False or password is not None or role is not None:
            await self.repo.revoke_user_families(tenant_id, user.id, "admin-change", utcnow())
        await self.repo.flush()
        return user

    async def delete_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> None:
        user = await self.get_user(tenant_id, user_id)
        if user.role == Role.ADMIN and user.is_active:
            await self._keep_an_admin(tenant_id)
        entry = await self.repo.directory_entry(normalize_email(user.email))
        if entry is not None and entry.user_id == user.id:
            await self.repo.delete(entry)
        await self.repo.delete(user)

    async def _keep_an_admin(self, tenant_id: uuid.UUID) -> None:
        if await self.repo.count_active_admins(tenant_id) <= 1:
            raise Conflict("A tenant must keep at least one active admin.")

    async def _add_user(self, tenant_id: uuid.UUID, *, email: str, password_hash: str,
                        full_name: str | None, role: Role) -> User:
        user = User(id=new_id(), tenant_id=tenant_id, email=email.strip(), full_name=full_name,
                    role=role.value, password_hash=password_hash)
        self.repo.add(LoginDirectory(email_normalized=normalize_email(email), user_id=user.id,
                                     tenant_id=tenant_id))
        try:
            await self.repo.flush()
        except IntegrityError as exc:
            raise Conflict("A user with this e-mail already exists.") from exc
        self.repo.add(user)
        await self.repo.flush()
        return user
