"""Refresh rotation, reuse detection, logout, password change, the signed-in user."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from aura_auth.settings import AuthSettings
from aura_common.tokens import access_token

from .conftest import PASSWORD, Account, login
from .test_registration_and_login import assert_problem


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/auth/refresh", json={"refresh_token": token})


class TestMe:
    async def test_me(self, client: httpx.AsyncClient, admin: Account) -> None:
        body = (await client.get("/api/auth/me", headers=admin.headers)).json()
        assert body["id"] == admin.user_id
        assert body["tenant"]["id"] == admin.tenant_id
        assert body["email"] == admin.email

    async def test_refresh_token_is_not_an_access_token(self, client: httpx.AsyncClient,
                                                        admin: Account) -> None:
        response = await client.get("/api/auth/me",
                                    headers={"Authorization": f"Bearer {admin.refresh_token}"})
        assert_problem(response, 401)

    async def test_token_of_a_deleted_user_stops_working(
            self, client: httpx.AsyncClient, admin: Account, settings: AuthSettings) -> None:
        ghost = access_token(settings, user_id=uuid.uuid4(), tenant_id=uuid.UUID(admin.tenant_id),
                             role="admin")
        response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {ghost}"})
        assert_problem(response, 401)


class TestRefresh:
    async def test_rotation_issues_a_new_pair(self, client: httpx.AsyncClient,
                                              admin: Account) -> None:
        response = await refresh(client, admin.refresh_token)
        assert response.status_code == 200
        pair = response.json()
        assert pair["refresh_token"] != admin.refresh_token
        me = await client.get("/api/auth/me",
                              headers={"Authorization": f"Bearer {pair['access_token']}"})
        assert me.status_code == 200

    async def test_reuse_revokes_the_whole_family(self, client: httpx.AsyncClient,
                                                  admin: Account) -> None:
        second = (await refresh(client, admin.refresh_token)).json()["refresh_token"]
        replay = assert_problem(await refresh(client, admin.refresh_token), 401)  # theft
        assert "already used" in str(replay["detail"])
        assert_problem(await refresh(client, second), 401)  # the thief's twin dies too

    async def test_other_sessions_survive_a_replay(self, client: httpx.AsyncClient,
                                                   admin: Account) -> None:
        other_session = (await login(client, admin.email))["refresh_token"]
        await refresh(client, admin.refresh_token)
        await refresh(client, admin.refresh_token)
        assert (await refresh(client, other_session)).status_code == 200

    async def test_concurrent_refreshes_give_at_most_one_success(
            self, client: httpx.AsyncClient, admin: Account) -> None:
        responses = await asyncio.gather(*[refresh(client, admin.refresh_token)
                                           for _ in range(5)])
        assert sum(r.status_code == 200 for r in responses) <= 1
        assert all(r.status_code in (200, 401) for r in responses)

    async def test_access_token_is_not_a_refresh_token(self, client: httpx.AsyncClient,
                                                       admin: Account) -> None:
        assert_problem(await refresh(client, admin.access_token), 401)

    async def test_garbage(self, client: httpx.AsyncClient) -> None:
        assert_problem(await refresh(client, "garbage"), 401)
        assert_problem(await client.post("/api/auth/refresh", json={}), 422)


class TestLogout:
    async def test_logout_ends_the_session(self, client: httpx.AsyncClient,
                                           admin: Account) -> None:
        response = await client.post("/api/auth/logout",
                                     json={"refresh_token": admin.refresh_token})
        assert response.status_code == 204
        body = assert_problem(await refresh(client, admin.refresh_token), 401)
        assert body["detail"] == "The refresh token is not valid."

    async def test_logout_ends_rotated_descendants(self, client: httpx.AsyncClient,
                                                   admin: Account) -> None:
        newer = (await refresh(client, admin.refresh_token)).json()["refresh_token"]
        await client.post("/api/auth/logout", json={"refresh_token": newer})
        assert_problem(await refresh(client, newer), 401)

    async def test_logout_with_garbage(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.post("/api/auth/logout", json={"refresh_token": "x"}), 401)


class TestPasswordChange:
    async def test_change_revokes_every_session(self, client: httpx.AsyncClient,
                                                admin: Account) -> None:
        other_session = (await login(client, admin.email))["refresh_token"]
        response = await client.post("/api/auth/password", headers=admin.headers, json={
            "current_password": PASSWORD, "new_password": "a new password"})
        assert response.status_code == 204
        body = assert_problem(await refresh(client, admin.refresh_token), 401)
        assert body["detail"] == "The refresh token is not valid."
        assert_problem(await refresh(client, other_session), 401)
        assert_problem(await client.post("/api/auth/login", json={
            "email": admin.email, "password": PASSWORD}), 401)
        await login(client, admin.email, "a new password")

    async def test_wrong_current_password(self, client: httpx.AsyncClient,
                                          admin: Account) -> None:
        response = await client.post("/api/auth/password", headers=admin.headers, json={
            "current_password": "not it at all", "new_password": "a new password"})
        assert_problem(response, 403)
        assert (await refresh(client, admin.refresh_token)).status_code == 200

    async def test_new_password_rules(self, client: httpx.AsyncClient, admin: Account) -> None:
        for new in ("short", "é" * 37):
            response = await client.post("/api/auth/password", headers=admin.headers, json={
                "current_password": PASSWORD, "new_password": new})
            assert_problem(response, 422)

    async def test_needs_a_token(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.post("/api/auth/password", json={
            "current_password": PASSWORD, "new_password": "a new password"}), 401)
