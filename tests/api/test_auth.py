"""Authentication: Bearer tokens, browser login with a session cookie, logout, throttling, cross-site refusal,
role checks; every login, failure and logout on record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.auth import COOKIE
from tests.api.conftest import ANSWERABLE, Office, make_office, make_pipeline


@pytest.fixture
def office_fresh(tmp_path: Path) -> Iterator[Office]:
    pipe = make_pipeline(tmp_path)
    office = make_office(pipe)
    office.service.users.set_password("analyst", "mật khẩu đủ dài")
    yield office
    pipe.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/ask"), ("get", "/documents"), ("get", "/documents/15-NQ/TU"), ("post", "/documents"),
     ("delete", "/documents/15-NQ/TU"), ("get", "/eval/runs"), ("post", "/eval/runs"), ("get", "/v1/models"),
     ("post", "/v1/chat/completions"), ("get", "/auth/me")],
)  # fmt: skip
def test_everything_but_health_and_login_needs_a_user(office: Office, method: str, path: str) -> None:
    with office.anonymous() as anon:
        r = anon.request(method, path, json={"question": ANSWERABLE})
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"
    with TestClient(office.app, headers={"Authorization": "Bearer abc.def"}) as bad:
        assert bad.request(method, path, json={"question": ANSWERABLE}).status_code == 401


def test_login_with_a_token_sets_a_strict_httponly_cookie(office_fresh: Office) -> None:
    with office_fresh.anonymous() as browser:
        r = browser.post("/auth/login", json={"username": "Analyst", "secret": office_fresh.tokens["analyst"]})
        assert r.status_code == 200
        assert r.json()["username"] == "analyst" and r.json()["clearance"] == "công khai"
        assert r.json()["role_label"] == "chuyên viên phân tích"  # the header shows the role in Vietnamese
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        for attribute in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=43200"):
            assert attribute.lower() in cookie.lower()
        assert "secure" not in cookie.lower()  # plain HTTP on the office network unless cookie_secure is set
        me = browser.get("/auth/me").json()
        assert me["permissions"] == ["ask", "read"] and me["upload_levels"] == ["công khai"]
        assert browser.get("/documents").status_code == 200
        assert browser.post("/auth/logout").status_code == 204
        assert browser.get("/auth/me").status_code == 401
    actions = [(e["actor"], e["action"]) for e in office_fresh.service.audit.entries()]
    assert actions == [("analyst", "login"), ("analyst", "documents.list"), ("analyst", "logout"), ("?", "refused")]


def test_login_with_a_password(office_fresh: Office) -> None:
    with office_fresh.anonymous() as browser:
        assert browser.post("/auth/login", json={"username": "analyst", "secret": "mật khẩu đủ dài"}).status_code == 200
        assert browser.get("/auth/me").json()["username"] == "analyst"


def test_wrong_secrets_and_other_users_tokens_are_refused_then_throttled(office_fresh: Office) -> None:
    with office_fresh.anonymous() as browser:
        wrong = [
            {"username": "analyst", "secret": "sai mật khẩu"},
            {"username": "analyst", "secret": office_fresh.tokens["admin"]},  # a valid token of someone else
            {"username": "nobody", "secret": "mật khẩu đủ dài"},
        ]
        for body in wrong:
            r = browser.post("/auth/login", json=body)
            assert r.status_code == 401 and r.json()["detail"].startswith("sai tên người dùng, mã truy cập hoặc mật khẩu")
            assert COOKIE not in r.cookies
        for _ in range(3):
            assert browser.post("/auth/login", json=wrong[0]).status_code == 401
        blocked = browser.post("/auth/login", json={"username": "analyst", "secret": "mật khẩu đủ dài"})
        assert blocked.status_code == 429  # 5 failures for this user: even the right password waits
    actions = [e["action"] for e in office_fresh.service.audit.entries()]
    assert actions.count("login.failed") == 6 and actions[-1] == "login.refused"


def test_a_revoked_token_stops_working_at_once(office_fresh: Office) -> None:
    users = office_fresh.service.users
    token = office_fresh.tokens["analyst"]
    with office_fresh.client("analyst") as c:
        assert c.get("/documents").status_code == 200
        users.revoke_token(token.split(".")[0])
        r = c.get("/documents")
        assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_cookie_requests_from_another_site_are_refused(office_fresh: Office) -> None:
    with office_fresh.anonymous() as browser:
        browser.post("/auth/login", json={"username": "analyst", "secret": office_fresh.tokens["analyst"]})
        body = {"question": "Tỉnh Hòa Lâm có bao nhiêu huyện?"}
        r = browser.post("/ask", json=body, headers={"Origin": "http://evil.example"})
        assert r.status_code == 403 and "cross-site" in r.json()["detail"]
        assert browser.post("/ask", json=body, headers={"Origin": "http://testserver"}).status_code == 200
        assert browser.get("/documents", headers={"Origin": "http://evil.example"}).status_code == 200  # reading is safe


def test_pages_redirect_to_login_without_a_session(office_fresh: Office) -> None:
    with office_fresh.anonymous() as browser:
        for path in ("/", "/library", "/evals"):
            r = browser.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/login"
        login = browser.get("/login")
        assert login.status_code == 200 and "Đăng nhập" in login.text
        assert "default-src 'self'" in login.headers["content-security-policy"]
        browser.post("/auth/login", json={"username": "analyst", "secret": office_fresh.tokens["analyst"]})
        ask = browser.get("/")
        assert ask.status_code == 200 and "Hỏi đáp có trích dẫn" in ask.text
        assert browser.get("/library").status_code == 200 and "Thư viện văn bản" in browser.get("/library").text
        assert "Đánh giá" in browser.get("/evals").text
        css = browser.get("/static/style.css")
        assert css.status_code == 200 and "--mark: #ffd400" in css.text


# --- sessions follow the credentials they came from, at the next request -----------------------------------
def _browser_as(office: Office, secret: str, username: str = "analyst") -> TestClient:
    browser = office.anonymous()
    assert browser.post("/auth/login", json={"username": username, "secret": secret}).status_code == 200
    assert browser.get("/auth/me").status_code == 200
    return browser


def test_revoked_token_ends_the_session_opened_with_it(office_fresh: Office) -> None:
    users = office_fresh.service.users
    other_id, other = users.issue_token("analyst", "second")
    with (
        _browser_as(office_fresh, office_fresh.tokens["analyst"]) as by_token,
        _browser_as(office_fresh, other) as by_other,
        _browser_as(office_fresh, "mật khẩu đủ dài") as by_password,
    ):
        users.revoke_token(office_fresh.tokens["analyst"].partition(".")[0])
        assert by_token.get("/auth/me").status_code == 401
        assert by_token.get("/documents").status_code == 401
        assert by_token.get("/", follow_redirects=False).status_code == 303  # the pages ask for a login too
        # sessions opened with another token or the password are not the revoked token's
        assert by_other.get("/auth/me").status_code == 200 and by_password.get("/auth/me").status_code == 200
        users.revoke_token(other_id)
        assert by_other.get("/auth/me").status_code == 401 and by_password.get("/auth/me").status_code == 200


def test_revoked_token_session_ends_even_when_revoked_by_another_process(office_fresh: Office) -> None:
    """The CLI revokes in its own connection to users.sqlite; the server's next request sees it."""
    from assistant.access.users import UserStore

    svc = office_fresh.service
    with _browser_as(office_fresh, office_fresh.tokens["analyst"]) as browser:
        cli = UserStore(svc.settings.index_dir / "users.sqlite")
        cli.revoke_token(office_fresh.tokens["analyst"].partition(".")[0])
        cli.close()
        assert browser.get("/auth/me").status_code == 401


def test_new_password_or_disabled_user_ends_every_session_revoked(office_fresh: Office) -> None:
    users = office_fresh.service.users
    with (
        _browser_as(office_fresh, office_fresh.tokens["analyst"]) as by_token,
        _browser_as(office_fresh, "mật khẩu đủ dài") as by_password,
    ):
        users.set_password("analyst", "một mật khẩu mới")
        assert by_token.get("/auth/me").status_code == 401 and by_password.get("/auth/me").status_code == 401
    with _browser_as(office_fresh, "một mật khẩu mới") as again:
        users.update_user("analyst", disabled=True)
        assert again.get("/auth/me").status_code == 401
        users.update_user("analyst", disabled=False)
        assert again.get("/auth/me").status_code == 401  # enabling again does not bring an ended session back


def test_lowered_clearance_rescopes_an_open_session_not_revoked(office_fresh: Office) -> None:
    users = office_fresh.service.users
    users.update_user("analyst", clearance="mật", role="drafter")
    with _browser_as(office_fresh, "mật khẩu đủ dài") as browser:
        me = browser.get("/auth/me").json()
        assert me["clearance"] == "mật" and "upload" in me["permissions"]
        users.update_user("analyst", clearance="công khai", role="analyst")
        me = browser.get("/auth/me").json()
        assert me["clearance"] == "công khai" and me["upload_levels"] == ["công khai"] and "upload" not in me["permissions"]
        r = browser.post("/documents", files={"file": ("x.md", b"# x\n\nabc\n", "text/markdown")})
        assert r.status_code == 403


def test_sessions_are_listed_and_ended_by_user_revoked_session(office_fresh: Office) -> None:
    users = office_fresh.service.users
    with (
        _browser_as(office_fresh, office_fresh.tokens["analyst"]) as one,
        _browser_as(office_fresh, "mật khẩu đủ dài") as two,
        _browser_as(office_fresh, office_fresh.tokens["admin"], "admin") as admin,
    ):
        listed = users.sessions("analyst")
        token_id = office_fresh.tokens["analyst"].partition(".")[0]
        assert [x.token_id for x in listed] == [token_id, None] and all(len(x.session_id) == 12 for x in listed)
        assert users.end_sessions("analyst", listed[0].session_id) == 1
        assert one.get("/auth/me").status_code == 401 and two.get("/auth/me").status_code == 200
        assert users.end_sessions("analyst") == 1
        assert two.get("/auth/me").status_code == 401
        assert admin.get("/auth/me").status_code == 200 and users.sessions("analyst") == []
