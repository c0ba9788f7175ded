from __future__ import annotations

import asyncio

import httpx
import pytest

from .conftest import PASSWORD, Account, login, unique_email

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    return response.json()


class TestRegister:
    async def test_creates_tenant_and_admin(self, client: httpx.AsyncClient) -> None:
        email = unique_email()
        response = await client.post("/api/auth/register", json={
            "email": email, "password": PASSWORD, "tenant_name": "Acme", "full_name": "Ada"})
        assert response.status_code == 201
        body = response.json()
        assert body["user"]["role"] == "admin"
        assert body["user"]["tenant_id"] == body["tenant"]["id"]
        assert body["user"]["full_name"] == "Ada"
        assert "password" not in response.text

    async def test_email_is_unique_case_insensitively(self, client: httpx.AsyncClient,
                                                      admin: Account) -> None:
        response = await client.post("/api/auth/register", json={
            "email": admin.email.upper(), "password": PASSWORD, "tenant_name": "Copy"})
        assert_problem(response, 409)

    async def test_concurrent_registrations_of_one_email(self, client: httpx.AsyncClient) -> None:
        email = unique_email()
        body = {"email": email, "password": PASSWORD, "tenant_name": "Race"}
        responses = await asyncio.gather(*[client.post("/api/auth/register", json=body)
                                           for _ in range(3)])
        assert sorted(r.status_code for r in responses) == [201, 409, 409]

    @pytest.mark.parametrize("body", [
        {},
        {"email": "not-an-email", "password": PASSWORD, "tenant_name": "X"},
        {"email": "a@example.org", "password": "short", "tenant_name": "X"},
        {"email": "a@example.org", "password": PASSWORD, "tenant_name": ""},
        {"email": "a@example.org", "password": PASSWORD, "tenant_name": "X", "role": "admin"},
        {"email": "a@example.org", "password": 12345678, "tenant_name": "X"},
        [],
    ])
    async def test_invalid_bodies(self, client: httpx.AsyncClient, body: object) -> None:
        body_ = assert_problem(await client.post("/api/auth/register", json=body), 422)
        assert body_["errors"]


class TestPasswordLength:
    """bcrypt reads at most 72 bytes: longer passwords are refused, never truncated."""

    async def test_72_bytes_of_multibyte_characters_are_accepted(
            self, client: httpx.AsyncClient) -> None:
        password = "€" * 24  # 3 bytes each: exactly 72 bytes
        email = unique_email()
        response = await client.post("/api/auth/register", json={
            "email": email, "password": password, "tenant_name": "Euro"})
        assert response.status_code == 201
        await login(client, email, password)

    async def test_73_bytes_are_refused(self, client: httpx.AsyncClient) -> None:
        password = "€" * 24 + "a"  # 25 characters, 73 bytes
        response = await client.post("/api/auth/register", json={
            "email": unique_email(), "password": password, "tenant_name": "Euro"})
        body = assert_problem(response, 422)
        assert "73 bytes" in str(body["errors"])

    async def test_login_with_an_overlong_password_is_422_not_500(
            self, client: httpx.AsyncClient, admin: Account) -> None:
        response = await client.post("/api/auth/login",
                                     json={"email": admin.email, "password": "ü" * 40})
        assert_problem(response, 422)

    async def test_prefix_of_a_long_password_does_not_log_in(
            self, client: httpx.AsyncClient) -> None:
        password = "x" * 72
        email = unique_email()
        await client.post("/api/auth/register", json={
            "email": email, "password": password, "tenant_name": "Long"})
        response = await client.post("/api/auth/login",
                                     json={"email": email, "password": "x" * 71})
        assert_problem(response, 401)


class TestLogin:
    async def test_json_login(self, client: httpx.AsyncClient, admin: Account) -> None:
        tokens = await login(client, admin.email.upper())
        assert tokens["token_type"] == "bearer"
        assert tokens["expires_in"] == 15 * 60
        assert tokens["access_token"] != tokens["refresh_token"]

    async def test_form_login_for_the_docs(self, client: httpx.AsyncClient,
                                           admin: Account) -> None:
        response = await client.post("/api/auth/login",
                                     data={"username": admin.email, "password": PASSWORD})
        assert response.status_code == 200
        assert response.json()["token_type"] == "bearer"

    async def test_unknown_email_and_wrong_password_look_the_same(
            self, client: httpx.AsyncClient, admin: Account) -> None:
        wrong = await client.post("/api/auth/login",
                                  json={"email": admin.email, "password": "wrong password"})
        unknown = await client.post("/api/auth/login",
                                    json={"email": unique_email(), "password": "wrong password"})
        assert_problem(wrong, 401)
        assert_problem(unknown, 401)
        strip = ("request_id",)
        assert {k: v for k, v in wrong.json().items() if k not in strip} == \
            {k: v for k, v in unknown.json().items() if k not in strip}

    async def test_unknown_email_still_checks_a_hash(self, client: httpx.AsyncClient,
                                                     app: object) -> None:
        hasher = app.state.hasher  # type: ignore[attr-defined]
        calls: list[str] = []
        original = hasher.verify_nothing

        async def counting(password: str) -> None:
            calls.append(password)
            await original(password)

        hasher.verify_nothing = counting
        await client.post("/api/auth/login", json={"email": unique_email(), "password": "pw"})
        assert calls == ["pw"]

    async def test_malformed_bodies(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.post("/api/auth/login", content=b"\xff\xfe",
                                         headers={"content-type": "application/json"}), 422)
        assert_problem(await client.post("/api/auth/login", data={"username": "x"}), 422)
        assert_problem(await client.post("/api/auth/login", json={"email": "a@b.co"}), 422)

    async def test_disabled_user_cannot_log_in(self, client: httpx.AsyncClient,
                                               admin: Account) -> None:
        email = unique_email("viewer")
        created = await client.post("/api/auth/users", headers=admin.headers, json={
            "email": email, "password": PASSWORD, "role": "viewer"})
        await client.patch(f"/api/auth/users/{created.json()['id']}", headers=admin.headers,
                           json={"is_active": False})
        response = await client.post("/api/auth/login",
                                     json={"email": email, "password": PASSWORD})
        assert_problem(response, 401)
