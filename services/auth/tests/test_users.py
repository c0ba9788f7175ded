"""User administration: admins only, own tenant only."""

from __future__ import annotations

import uuid

import httpx
import pytest

from .conftest import PASSWORD, Account, login, unique_email
from .test_registration_and_login import assert_problem


async def add_user(client: httpx.AsyncClient, admin: Account, role: str = "editor") -> dict:
    response = await client.post("/api/auth/users", headers=admin.headers, json={
        "email": unique_email(role), "password": PASSWORD, "role": role, "full_name": role})
    assert response.status_code == 201, response.text
    return response.json()


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


class TestAdminManagesUsers:
    async def test_create_list_update_delete(self, client: httpx.AsyncClient,
                                             admin: Account) -> None:
        user = await add_user(client, admin, "dpo")
        assert user["tenant_id"] == admin.tenant_id
        listed = (await client.get("/api/auth/users", headers=admin.headers)).json()
        assert {u["id"] for u in listed["items"]} == {admin.user_id, user["id"]}
        assert listed["next_cursor"] is None

        patched = await client.patch(f"/api/auth/users/{user['id']}", headers=admin.headers,
                                     json={"role": "viewer", "full_name": "Vera"})
        assert patched.json()["role"] == "viewer"
        assert patched.json()["full_name"] == "Vera"

        assert (await client.delete(f"/api/auth/users/{user['id']}",
                                    headers=admin.headers)).status_code == 204
        assert_problem(await client.get(f"/api/auth/users/{user['id']}",
                                        headers=admin.headers), 404)

    async def test_deleted_users_email_can_be_used_again(self, client: httpx.AsyncClient,
                                                         admin: Account) -> None:
        user = await add_user(client, admin)
        await client.delete(f"/api/auth/users/{user['id']}", headers=admin.headers)
        again = await client.post("/api/auth/users", headers=admin.headers, json={
            "email": user["email"], "password": PASSWORD})
        assert again.status_code == 201

    async def test_pagination(self, client: httpx.AsyncClient, admin: Account) -> None:
        for _ in range(3):
            await add_user(client, admin)
        first = (await client.get("/api/auth/users?limit=2", headers=admin.headers)).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        second = (await client.get(f"/api/auth/users?limit=2&cursor={first['next_cursor']}",
                                   headers=admin.headers)).json()
        assert len(second["items"]) == 2 and second["next_cursor"] is None
        ids = [u["id"] for u in first["items"] + second["items"]]
        assert len(set(ids)) == 4

    @pytest.mark.parametrize("query", ["cursor=%%%", "cursor=WzFd", "limit=0", "limit=201",
                                       "cursor=" + "A" * 600])
    async def test_bad_page_parameters(self, client: httpx.AsyncClient, admin: Account,
                                       query: str) -> None:
        response = await client.get(f"/api/auth/users?{query}", headers=admin.headers)
        assert response.status_code in (400, 422)
        assert response.headers["content-type"] == "application/problem+json"

    async def test_duplicate_email(self, client: httpx.AsyncClient, admin: Account) -> None:
        response = await client.post("/api/auth/users", headers=admin.headers, json={
            "email": admin.email, "password": PASSWORD})
        assert_problem(response, 409)

    async def test_last_admin_cannot_be_removed_or_demoted(self, client: httpx.AsyncClient,
                                                           admin: Account) -> None:
        url = f"/api/auth/users/{admin.user_id}"
        assert_problem(await client.delete(url, headers=admin.headers), 409)
        assert_problem(await client.patch(url, headers=admin.headers,
                                          json={"role": "viewer"}), 409)
        assert_problem(await client.patch(url, headers=admin.headers,
                                          json={"is_active": False}), 409)

    async def test_disabling_a_user_ends_their_sessions(self, client: httpx.AsyncClient,
                                                        admin: Account) -> None:
        user = await add_user(client, admin)
        tokens = await login(client, user["email"])
        await client.patch(f"/api/auth/users/{user['id']}", headers=admin.headers,
                           json={"is_active": False})
        assert_problem(await client.post("/api/auth/refresh",
                                         json={"refresh_token": tokens["refresh_token"]}), 401)
        assert_problem(await client.get("/api/auth/me", headers=bearer(tokens)), 401)

    async def test_unknown_fields_and_bad_ids(self, client: httpx.AsyncClient,
                                              admin: Account) -> None:
        user = await add_user(client, admin)
        assert_problem(await client.patch(f"/api/auth/users/{user['id']}",
                                          headers=admin.headers,
                                          json={"tenant_id": str(uuid.uuid4())}), 422)
        assert_problem(await client.patch(f"/api/auth/users/{user['id']}",
                                          headers=admin.headers, json={"role": "root"}), 422)
        assert_problem(await client.get("/api/auth/users/not-a-uuid", headers=admin.headers),
                       422)


    async def test_text_postgres_cannot_store_is_a_422(self, client: httpx.AsyncClient,
                                                       admin: Account) -> None:
        response = await client.post("/api/auth/users", headers=admin.headers, json={
            "email": unique_email(), "password": PASSWORD, "full_name": "nul\u0000byte"})
        assert_problem(response, 422)


class TestOnlyAdmins:
    @pytest.mark.parametrize("role", ["dpo", "editor", "viewer"])
    async def test_non_admins_are_refused(self, client: httpx.AsyncClient, admin: Account,
                                          role: str) -> None:
        user = await add_user(client, admin, role)
        headers = bearer(await login(client, user["email"]))
        assert_problem(await client.get("/api/auth/users", headers=headers), 403)
        assert_problem(await client.post("/api/auth/users", headers=headers, json={
            "email": unique_email(), "password": PASSWORD}), 403)
        assert_problem(await client.delete(f"/api/auth/users/{admin.user_id}",
                                           headers=headers), 403)

    async def test_demoted_admin_loses_admin_rights_at_once(self, client: httpx.AsyncClient,
                                                            admin: Account) -> None:
        second = await add_user(client, admin, "admin")
        second_headers = bearer(await login(client, second["email"]))
        await client.patch(f"/api/auth/users/{second['id']}", headers=admin.headers,
                           json={"role": "viewer"})
        # The token still says admin; the database says otherwise.
        assert_problem(await client.get("/api/auth/users", headers=second_headers), 403)


class TestAcrossTenants:
    async def test_another_tenants_user_is_not_found(self, client: httpx.AsyncClient,
                                                     admin: Account,
                                                     other_admin: Account) -> None:
        victim = await add_user(client, admin)
        url = f"/api/auth/users/{victim['id']}"
        assert_problem(await client.get(url, headers=other_admin.headers), 404)
        assert_problem(await client.patch(url, headers=other_admin.headers,
                                          json={"role": "admin"}), 404)
        assert_problem(await client.delete(url, headers=other_admin.headers), 404)
        still = await client.get(url, headers=admin.headers)
        assert still.json()["role"] == "editor"

    async def test_lists_show_only_the_own_tenant(self, client: httpx.AsyncClient,
                                                  admin: Account, other_admin: Account) -> None:
        await add_user(client, admin)
        listed = (await client.get("/api/auth/users", headers=other_admin.headers)).json()
        assert {u["tenant_id"] for u in listed["items"]} == {other_admin.tenant_id}
