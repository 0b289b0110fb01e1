"""The verify button on the audit trail (issue 13 item 13): auditors and administrators run the
verification from the page and see the result and the head hash; nobody else can."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from tests.factories import MinistryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(users):
    for i in range(3):
        MinistryFactory(code=f"V{i}")
    return list(AuditEntry.objects.order_by("seq"))


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_the_button_shows_intact_and_the_head(client, users, chain, role):
    client.force_login(users[role])
    page = client.get(reverse("audit:list")).content.decode()
    assert reverse("audit:verify") in page
    form = client.get(reverse("audit:verify"))
    assert form.status_code == 200
    response = client.post(reverse("audit:verify"))
    html = response.content.decode()
    head = AuditEntry.objects.order_by("-seq").first()
    assert response.status_code == 200
    assert "Intact" in html
    assert f"{head.seq}:{head.hash}" in html


def test_the_button_names_the_tampering(client, users, chain, tamper):
    tamper("UPDATE audit_auditentry SET object_repr = 'forged' WHERE seq = 3")
    client.force_login(users["auditor"])
    html = client.post(reverse("audit:verify")).content.decode()
    assert "Tampered" in html and "seq 3 was edited" in html


def test_the_button_checks_a_recorded_head(client, users, chain):
    client.force_login(users["auditor"])
    first = chain[0]
    ok = client.post(reverse("audit:verify"), {"expect_head": f"{first.seq}:{first.hash}"})
    assert "Intact" in ok.content.decode()
    bad = client.post(reverse("audit:verify"), {"expect_head": f"{first.seq}:{'0' * 64}"})
    assert "does not have the recorded head hash" in bad.content.decode()


@pytest.mark.parametrize("role", ["officer", "reviewer", "director"])
def test_others_cannot_verify(client, users, chain, role):
    client.force_login(users[role])
    assert client.post(reverse("audit:verify")).status_code == 403
