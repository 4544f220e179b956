"""Darasa's pages as each demo user sees them, in headless Chromium.

Every test runs once per storage engine (the `server` fixture: SQLite, and
PostgreSQL when DARASA_TEST_POSTGRES_URL is set). Screenshots of each role's
home page land in build-artifacts/screenshots/<engine>-<role>-home.png.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import (PASSWORD, SCREENSHOTS, USERS, ErrorTextParser, is_login_redirect,
                      parse_form)

WAIT = 30  # seconds for a page to appear after a click
METRICS = ("enrolment", "attendance-rate", "learners-assessed")
SEES_LEARNERS = {"teacher", "head_teacher"}
SEES_SCHOOLS = {"district_officer"}
# The national and admin homes break the country down by the level below (regions).
SEES_UNITS = {"national_analyst", "admin"}


# ---------------------------------------------------------------- helpers ---

def path_of(url: str) -> str:
    return urllib.parse.urlparse(url).path


def css(driver, selector: str):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def text_of(el) -> str:
    # .text is what is rendered; textContent also covers visually hidden text.
    return (el.text or el.get_attribute("textContent") or "").strip()


def click_and_wait(driver, element) -> None:
    """Click something that navigates, and wait until the new page has loaded.

    A marker on `window` tells the old page from the new one (staleness_of
    can trip over Chromium's own errors in the middle of a navigation)."""
    driver.execute_script("window.__darasaOldPage = true")
    element.click()
    WebDriverWait(driver, WAIT, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return !window.__darasaOldPage && document.readyState === 'complete'"),
        message="the page did not change after the click")


def login(driver, server, username: str, password: str = PASSWORD) -> None:
    driver.get(server.url("/login"))
    form = driver.find_element(By.CSS_SELECTOR, "form#login")
    form.find_element(By.CSS_SELECTOR, "input[name=username]").send_keys(username)
    form.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(password)
    click_and_wait(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def assert_redirects_to_login(driver, server) -> None:
    driver.get(server.url("/"))
    assert path_of(driver.current_url) == "/login", (
        f"GET / should redirect to /login, browser is at {driver.current_url}")
    assert css(driver, "form#login"), "the login form should be shown"


def integer_tokens(text: str) -> list[str]:
    return [t.rstrip(",.") for t in re.findall(r"\d[\d,.]*", text)]


def http_login(http_client, server, username: str, password: str):
    """Logs in over plain HTTP (cookie jar + CSRF token); returns the POST response."""
    page = http_client.get(server.url("/login"))
    assert page.status == 200, f"GET /login: HTTP {page.status}"
    form = parse_form(page.text, "login")
    assert form.found, "no form#login on /login"
    assert "csrf" in form.inputs, "form#login has no input[name=csrf]"
    action = urllib.parse.urljoin(server.url("/login"), form.action or "/login")
    return http_client.post(action, {
        "username": username,
        "password": password,
        "csrf": form.inputs["csrf"].get("value") or "",
    })


# ------------------------------------------------------------------ tests ---

def test_login_page_has_the_form(server, browser):
    browser.get(server.url("/login"))
    forms = css(browser, "form#login")
    assert len(forms) == 1, "expected exactly one form#login"
    form = forms[0]
    for sel in ("input[name=username]", "input[name=password]", "button[type=submit]"):
        assert form.find_elements(By.CSS_SELECTOR, sel), f"form#login lacks {sel}"
    assert form.find_element(By.CSS_SELECTOR, "input[name=password]") \
        .get_attribute("type") == "password"
    csrf = form.find_elements(By.CSS_SELECTOR, "input[name=csrf]")
    assert csrf, "form#login lacks input[name=csrf]"
    assert csrf[0].get_attribute("type") == "hidden", "the csrf input must be hidden"
    assert csrf[0].get_attribute("value"), "the csrf input must carry a token"


def test_unauthenticated_root_redirects_to_login(server, browser, http_client):
    r = http_client.get(server.url("/"))
    assert is_login_redirect(r), (
        f"GET / without a session: expected a redirect to /login, got HTTP {r.status} "
        f"Location={r.header('location')!r}")
    assert_redirects_to_login(browser, server)


def test_wrong_password_is_401_with_error_and_no_session(server, http_client):
    r = http_login(http_client, server, "teacher", "not-the-password")
    assert r.status == 401, f"wrong password: expected HTTP 401, got {r.status}"
    assert parse_form(r.text, "login").found, "the 401 page should show form#login again"
    err = ErrorTextParser()
    err.feed(r.text)
    assert err.found, "the 401 page has no .error element"
    assert "".join(err.text).strip(), "the .error element is empty"
    # The cookie jar holds whatever the server set: it must not be a session.
    again = http_client.get(server.url("/"))
    assert is_login_redirect(again), (
        f"after a failed login GET / must still redirect to /login, got HTTP {again.status}")


def test_right_password_over_http_creates_a_session(server, http_client):
    """The control for the test above: the same client, with the right password, gets in."""
    r = http_login(http_client, server, "teacher", PASSWORD)
    assert r.status < 400, f"login with the right password: HTTP {r.status}"
    home = http_client.get(server.url("/"))
    assert home.status == 200, f"GET / after login: HTTP {home.status}"
    assert re.search(r'data-role\s*=\s*"teacher"', home.text), "GET / is not the teacher's home"


def test_wrong_password_in_the_browser(server, browser):
    login(browser, server, "teacher", "not-the-password")
    errors = [e for e in css(browser, ".error") if text_of(e)]
    assert errors, "no .error element with text after a wrong password"
    assert css(browser, "form#login"), "the login form should be shown again"
    assert_redirects_to_login(browser, server)


@pytest.mark.parametrize("username", list(USERS))
def test_role_home_page(server, browser, username):
    role = USERS[username]
    login(browser, server, username)
    assert path_of(browser.current_url) == "/", (
        f"after login the browser should land on /, it is at {browser.current_url}")
    body = WebDriverWait(browser, WAIT).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "body[data-role]")))

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{server.engine}-{role}-home.png"))

    assert body.get_attribute("data-role") == role

    h1 = css(browser, "h1")
    assert h1 and text_of(h1[0]), "the home page needs an h1 with a greeting"

    for metric in METRICS:
        els = css(browser, f'[data-metric="{metric}"]')
        assert els, f'no [data-metric="{metric}"]'
        assert re.search(r"\d", text_of(els[0])), (
            f'[data-metric="{metric}"] shows no number: {text_of(els[0])!r}')
    enrolment = text_of(css(browser, '[data-metric="enrolment"]')[0])
    tokens = integer_tokens(enrolment)
    for t in tokens:
        assert re.fullmatch(r"\d{1,3}(,\d{3})+|\d+", t), (
            f"enrolment must be an integer (optionally with ',' thousands separators): "
            f"{enrolment!r}")
    assert any(int(t.replace(",", "")) > 0 for t in tokens), (
        f"enrolment must be positive: {enrolment!r}")

    learners = css(browser, 'table[data-table="learners"]')
    if role in SEES_LEARNERS:
        assert learners, f"{role} should see table[data-table=learners]"
        rows = learners[0].find_elements(By.CSS_SELECTOR, "tbody tr")
        assert rows, "the learners table has no rows"
        cells = rows[0].find_elements(By.CSS_SELECTOR, "th, td")
        assert cells and re.search(r"[^\W\d_]", text_of(cells[0])), (
            f"the first cell of a learner row should be a name: "
            f"{text_of(cells[0]) if cells else None!r}")
    else:
        assert not learners, f"{role} must not see a learners table"
        assert "learner-name" not in browser.page_source, (
            f"{role}'s page must not contain learner names (class learner-name)")

    if role in SEES_SCHOOLS:
        schools = css(browser, 'table[data-table="schools"]')
        assert schools, f"{role} should see table[data-table=schools]"
        assert schools[0].find_elements(By.CSS_SELECTOR, "tbody tr"), \
            "the schools table has no rows"

    if role in SEES_UNITS:
        units = css(browser, 'table[data-table="units"]')
        assert units, f"{role} should see table[data-table=units]"
        assert units[0].find_elements(By.CSS_SELECTOR, "tbody tr"), \
            "the units table has no rows"

    logout = css(browser, "button[data-action=logout]")
    assert logout, "no button[data-action=logout]"
    click_and_wait(browser, logout[0])
    assert_redirects_to_login(browser, server)


def test_logout_ends_the_session_on_the_server(server, browser, http_client):
    """The session cookie from before logout is useless afterwards."""
    login(browser, server, "head")
    assert path_of(browser.current_url) == "/"
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    assert http_client.get(server.url("/"), headers={"Cookie": cookies}).status == 200, \
        "the browser's cookies should work over plain HTTP before logout"
    click_and_wait(browser, css(browser, "button[data-action=logout]")[0])
    r = http_client.get(server.url("/"), headers={"Cookie": cookies})
    assert is_login_redirect(r), (
        f"the old session cookie still works after logout (HTTP {r.status})")


def test_openapi_document(server, http_client):
    r = http_client.get(server.url("/api/openapi.json"))
    assert r.status == 200, f"GET /api/openapi.json: HTTP {r.status}"
    doc = r.json()
    assert isinstance(doc, dict) and str(doc.get("openapi", "")).startswith("3."), (
        f"openapi version: {doc.get('openapi') if isinstance(doc, dict) else doc!r}")


def test_api_me_requires_login(server, http_client):
    r = http_client.get(server.url("/api/v1/me"), headers={"Accept": "application/json"})
    assert r.status == 401, f"GET /api/v1/me without a session: HTTP {r.status}"
    body = r.json()
    assert isinstance(body, dict) and "error" in body, f"401 body has no 'error': {body!r}"
