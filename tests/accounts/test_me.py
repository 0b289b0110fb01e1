"""The signed-in user's own page, /accounts/me/: who you are, your role, your ministry and what
you read, in Korean and English; the smallest page behind the sign-in (``make load`` compares
every page with it), so its queries are pinned."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.roles import Role
from tests.factories import MinistryFactory, UserFactory

pytestmark = pytest.mark.django_db

# session, user, groups, ministry
ME_QUERIES = 4


def _client(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/accounts/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/me/")


def test_officer_sees_name_role_and_ministry_in_english_and_korean():
    msit = MinistryFactory(
        code="MSITX", name="Ministry of Science and ICT", name_ko="과학기술정보통신부"
    )
    officer = UserFactory(
        username="kim-officer",
        first_name="Minji",
        last_name="Kim",
        role=Role.OFFICER,
        ministry=msit,
    )
    en = _client(officer).get("/accounts/me/").content.decode()
    assert "Your account" in en and "Minji Kim" in en and "kim-officer" in en
    assert "Ministry officer" in en and "Ministry of Science and ICT" in en
    assert "Ministry of Science and ICT only" in en
    ko = _client(officer, "ko").get("/accounts/me/").content.decode()
    assert "내 계정" in ko and "부처 담당자" in ko and "과학기술정보통신부" in ko
    assert "Your account" not in ko and "Ministry officer" not in ko


def test_director_reads_every_ministry_and_a_user_without_role_is_told_so():
    director = UserFactory(username="dir-me", role=Role.DIRECTOR)
    body = _client(director).get("/accounts/me/").content.decode()
    assert "Director" in body and "every ministry" in body
    nobody = UserFactory(username="no-role-me")
    body = _client(nobody).get("/accounts/me/").content.decode()
    assert "No role: ask an administrator for one." in body
    assert "no ministry&#x27;s programmes" in body or "no ministry's programmes" in body


def test_header_links_to_the_page_and_queries_are_pinned(django_assert_num_queries):
    msit = MinistryFactory(code="MSITQ")
    officer = UserFactory(username="pinned-me", role=Role.OFFICER, ministry=msit)
    client = _client(officer)
    with django_assert_num_queries(ME_QUERIES):
        response = client.get("/accounts/me/")
    assert response.status_code == 200
    assert 'href="/accounts/me/"' in response.content.decode()
    assert client.post("/accounts/me/").status_code == 405
