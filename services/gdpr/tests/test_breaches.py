from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from .conftest import Tenant, breach_body, create

BASE = "/api/gdpr/breaches"


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


class TestDeadline:
    async def test_authority_deadline_is_aware_at_plus_72_hours(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        created = await create(client, BASE, breach_body(aware_at="2025-03-07T16:30:00+01:00"),
                               tenant.headers())
        assert created["aware_at"] == "2025-03-07T15:30:00Z"
        assert created["authority_deadline"] == "2025-03-10T15:30:00Z"
        assert created["authority_overdue"] is True
        assert created["authority_notification_required"] is True

    async def test_changing_aware_at_moves_the_deadline(self, client: httpx.AsyncClient,
                                                        tenant: Tenant) -> None:
        created = await create(client, BASE, breach_body(), tenant.headers())
        response = await client.patch(f"{BASE}/{created['id']}",
                                      json={"aware_at": "2025-03-04T10:00:00Z"},
                                      headers={**tenant.headers(), "If-Match": '"1"'})
        assert response.status_code == 200
        assert response.json()["authority_deadline"] == "2025-03-07T10:00:00Z"
        stale = await client.patch(f"{BASE}/{created['id']}", json={"title": "x"},
                                   headers={**tenant.headers(), "If-Match": '"1"'})
        assert stale.status_code == 412


class TestNotifyAuthority:
    async def test_on_time_needs_no_reason(self, client: httpx.AsyncClient,
                                           tenant: Tenant) -> None:
        aware = datetime.now(UTC) - timedelta(hours=10)
        created = await create(client, BASE, breach_body(aware_at=iso(aware)), tenant.headers())
        assert created["authority_overdue"] is False
        response = await client.post(f"{BASE}/{created['id']}/notify-authority",
                                     json={"reference": "DPA-2025-17"},
                                     headers=tenant.headers("dpo"))
        assert response.status_code == 200, response.text
        assert response.json()["notified_late"] is False
        assert response.json()["authority_reference"] == "DPA-2025-17"
        again = await client.post(f"{BASE}/{created['id']}/notify-authority", json={},
                                  headers=tenant.headers("dpo"))
        assert again.status_code == 409

    async def test_late_needs_a_delay_reason(self, client: httpx.AsyncClient,
                                             tenant: Tenant) -> None:
        created = await create(client, BASE, breach_body(aware_at="2025-03-03T10:00:00Z"),
                               tenant.headers())
        url = f"{BASE}/{created['id']}/notify-authority"
        just_in_time = {"notified_at": "2025-03-06T10:00:00Z"}
        one_second_late = {"notified_at": "2025-03-06T10:00:01Z"}
        late = await client.post(url, json=one_second_late, headers=tenant.headers("dpo"))
        assert late.status_code == 422
        assert "delay" in late.json()["detail"]
        ok = await client.post(url, json={**one_second_late,
                                          "delay_reason": "forensics took a day"},
                               headers=tenant.headers("dpo"))
        assert ok.status_code == 200
        assert ok.json()["notified_late"] is True
        assert ok.json()["authority_delay_reason"] == "forensics took a day"
        assert ok.json()["authority_overdue"] is False
        other = await create(client, BASE, breach_body(aware_at="2025-03-03T10:00:00Z"),
                             tenant.headers())
        exact = await client.post(f"{BASE}/{other['id']}/notify-authority", json=just_in_time,
                                  headers=tenant.headers("dpo"))
        assert exact.status_code == 200
        assert exact.json()["notified_late"] is False

    async def test_only_dpo_or_admin_notify(self, client: httpx.AsyncClient,
                                            tenant: Tenant) -> None:
        created = await create(client, BASE, breach_body(), tenant.headers())
        for role, expected in (("viewer", 403), ("editor", 403), ("admin", 422)):
            response = await client.post(f"{BASE}/{created['id']}/notify-authority", json={},
                                         headers=tenant.headers(role))
            assert response.status_code == expected, role

    async def test_notification_before_awareness_is_refused(self, client: httpx.AsyncClient,
                                                            tenant: Tenant) -> None:
        created = await create(client, BASE, breach_body(), tenant.headers())
        response = await client.post(f"{BASE}/{created['id']}/notify-authority",
                                     json={"notified_at": "2025-03-01T00:00:00Z"},
                                     headers=tenant.headers("dpo"))
        assert response.status_code == 422


class TestSubjects:
    async def test_high_risk_requires_subject_notice_unless_exempt(
            self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        high = await create(client, BASE, breach_body(risk_level="high"), tenant.headers())
        assert high["subject_notification_required"] is True
        exempt = await create(client, BASE, breach_body(
            risk_level="high", subject_notification_exemption="unintelligible",
            exemption_note="AES-256 full-disk encryption, key not compromised"),
            tenant.headers())
        assert exempt["subject_notification_required"] is False
        low = await create(client, BASE, breach_body(risk_level="none"), tenant.headers())
        assert low["subject_notification_required"] is False
        assert low["authority_notification_required"] is False
        assert low["authority_overdue"] is False
        no_note = await client.post(BASE, json=breach_body(
            risk_level="high", subject_notification_exemption="unintelligible"),
            headers=tenant.headers())
        assert no_note.status_code == 422

    async def test_notify_subjects_once(self, client: httpx.AsyncClient,
                                        tenant: Tenant) -> None:
        created = await create(client, BASE, breach_body(risk_level="high"), tenant.headers())
        url = f"{BASE}/{created['id']}/notify-subjects"
        first = await client.post(url, json={"method": "e-mail"}, headers=tenant.headers("dpo"))
        assert first.status_code == 200
        assert first.json()["subjects_notified_at"] is not None
        assert (await client.post(url, json={}, headers=tenant.headers("dpo"))).status_code == 409


class TestDocumented:
    async def test_breaches_cannot_be_deleted(self, client: httpx.AsyncClient,
                                              tenant: Tenant) -> None:
        created = await create(client, BASE, breach_body(), tenant.headers())
        response = await client.delete(f"{BASE}/{created['id']}", headers=tenant.headers("admin"))
        assert response.status_code == 405
        listed = (await client.get(BASE, headers=tenant.headers("viewer"))).json()
        assert [b["id"] for b in listed["items"]] == [created["id"]]

    async def test_bad_inputs(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        future = iso(datetime.now(UTC) + timedelta(days=1))
        for body in (breach_body(aware_at=future), breach_body(risk_level="medium"),
                     breach_body(subjects_approx=-1), breach_body(aware_at="yesterday"),
                     breach_body(occurred_at="2025-03-04T00:00:00Z")):
            response = await client.post(BASE, json=body, headers=tenant.headers())
            assert response.status_code == 422, body
