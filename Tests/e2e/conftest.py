"""Fixtures for Darasa's browser tests (pytest + selenium + headless Chromium).

Environment:
  DARASA_BIN                the `darasa` binary (default: .build/debug/darasa)
  DARASA_TEST_POSTGRES_URL  a PostgreSQL URL; without it the Postgres-backed
                            server is skipped ...
  DARASA_REQUIRE_POSTGRES   ... unless this is 1: then its absence fails
  DARASA_SERVER_START_TIMEOUT  seconds to wait for /healthz (default 600)
  DARASA_SCREENSHOT_DIR     default build-artifacts/screenshots
  CHROMIUM_BIN, CHROMEDRIVER   default /usr/bin/chromium, /usr/bin/chromedriver

Each engine gets its own session-scoped server (`darasa demo ...`); pytest
runs all tests of one engine before it starts the next, so at most one server
runs at a time. One Chromium serves all tests; each test starts with no
cookies.
"""

from __future__ import annotations

import html.parser
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "build-artifacts"
SCREENSHOTS = Path(os.environ.get("DARASA_SCREENSHOT_DIR", ARTIFACTS / "screenshots"))
LOGS = ARTIFACTS / "logs"

START_TIMEOUT = float(os.environ.get("DARASA_SERVER_START_TIMEOUT", "600"))
STOP_TIMEOUT = 20.0
HTTP_TIMEOUT = 30.0

# Demo users (password "demo") and the role code each must get.
PASSWORD = "demo"
USERS = {
    "teacher": "teacher",
    "head": "head_teacher",
    "district": "district_officer",
    "national": "national_analyst",
    "admin": "admin",
}
ENGINES = ["sqlite", "postgres"]


# ---------------------------------------------------------------- helpers ---

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as e:
        return f"(no log: {e})"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx response


class HttpClient:
    """A tiny stdlib HTTP client with a cookie jar that never follows redirects."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, method: str, url: str, form: dict | None = None,
                headers: dict | None = None) -> Response:
        data = None
        hdrs = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        try:
            with self.opener.open(req, timeout=HTTP_TIMEOUT) as r:
                return Response(r.status, {k.lower(): v for k, v in r.headers.items()},
                                r.read(), url)
        except urllib.error.HTTPError as e:
            body = e.read() if e.fp is not None else b""
            return Response(e.code, {k.lower(): v for k, v in e.headers.items()}, body, url)

    def get(self, url: str, **kw) -> Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, form: dict, **kw) -> Response:
        return self.request("POST", url, form=form, **kw)


class FormParser(html.parser.HTMLParser):
    """Finds <form id=ID>: its action, method and named inputs' values."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.found = False
        self.action = None
        self.method = "get"
        self.inputs: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = self.found = True
            self.action = a.get("action")
            self.method = (a.get("method") or "get").lower()
        elif self.inside and tag in ("input", "button") and a.get("name"):
            self.inputs[a["name"]] = a

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def parse_form(page: str, form_id: str) -> FormParser:
    p = FormParser(form_id)
    p.feed(page)
    return p


class ErrorTextParser(html.parser.HTMLParser):
    """Collects the text inside elements whose class list contains `error`."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
            "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.depth = 0  # >0 while inside an .error element
        self.found = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.depth += 1
        elif "error" in classes:
            self.depth = 1
            self.found = True

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def is_login_redirect(resp: Response) -> bool:
    if resp.status not in (301, 302, 303, 307, 308):
        return False
    return urllib.parse.urlparse(resp.header("location")).path == "/login"


# ----------------------------------------------------------------- server ---

@dataclass
class DarasaServer:
    engine: str
    base_url: str
    proc: subprocess.Popen
    log_path: Path
    data_dir: Path

    def url(self, path: str) -> str:
        return self.base_url + path


def _darasa_bin() -> Path:
    env = os.environ.get("DARASA_BIN")
    path = Path(env) if env else ROOT / ".build" / "debug" / "darasa"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"darasa binary not found at {path}: run `swift build` "
                    f"(or set DARASA_BIN); scripts/test.sh does both", pytrace=False)
    return path


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=2) as r:
            return r.status == 200 and r.read().decode(errors="replace").strip() == "ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _start_server(engine: str, workdir: Path, extra: list[str]) -> DarasaServer:
    binary = _darasa_bin()
    for attempt in range(1, 4):
        port = free_port()
        data_dir = workdir / f"data-{attempt}"
        data_dir.mkdir(parents=True, exist_ok=True)
        log_path = workdir / f"server-{attempt}.log"
        cmd = [str(binary), "demo", "--port", str(port), "--data-dir", str(data_dir),
               "--learners", "3000", "--seed", "7", *extra]
        with open(log_path, "wb") as log:
            log.write(("$ " + " ".join(cmd) + "\n").encode())
            log.flush()
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=workdir,
                                    start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        t0 = time.monotonic()
        while True:
            rc = proc.poll()
            if rc is not None:
                tail = log_tail(log_path)
                # Another process may have taken the port between free_port()
                # and the server's bind: try again on a new one.
                if attempt < 3 and re.search(r"address already in use|EADDRINUSE",
                                             tail, re.IGNORECASE):
                    break
                pytest.fail(f"[{engine}] darasa demo exited early with code {rc}; "
                            f"log {log_path}:\n{tail}", pytrace=False)
            if _healthy(base):
                print(f"\n[{engine}] server ready at {base} after "
                      f"{time.monotonic() - t0:.1f}s")
                return DarasaServer(engine, base, proc, log_path, data_dir)
            if time.monotonic() > deadline:
                _kill(proc)
                pytest.fail(f"[{engine}] /healthz did not answer `ok` within "
                            f"{START_TIMEOUT:.0f}s; log {log_path}:\n{log_tail(log_path)}",
                            pytrace=False)
            time.sleep(0.25)
    pytest.fail(f"[{engine}] could not find a free port", pytrace=False)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def _stop_server(srv: DarasaServer) -> None:
    """SIGTERM, wait up to STOP_TIMEOUT s, and require exit code 0."""
    proc = srv.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill(proc)
            pytest.fail(f"[{srv.engine}] server still running {STOP_TIMEOUT:.0f}s "
                        f"after SIGTERM (killed); log {srv.log_path}:\n{log_tail(srv.log_path)}",
                        pytrace=False)
    LOGS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(srv.log_path, LOGS / f"{srv.engine}-server.log")
    assert proc.returncode == 0, (
        f"[{srv.engine}] server exited with code {proc.returncode} after SIGTERM "
        f"(clean shutdown must exit 0); log {srv.log_path}:\n{log_tail(srv.log_path)}")


@pytest.fixture(scope="session", params=ENGINES)
def server(request, tmp_path_factory):
    """A running `darasa demo` server, once per storage engine."""
    engine = request.param
    extra: list[str] = []
    if engine == "postgres":
        url = os.environ.get("DARASA_TEST_POSTGRES_URL", "").strip()
        if not url:
            msg = ("DARASA_TEST_POSTGRES_URL is not set (scripts/test.sh starts a "
                   "PostgreSQL and sets it)")
            if os.environ.get("DARASA_REQUIRE_POSTGRES") == "1":
                pytest.fail(msg + ", but DARASA_REQUIRE_POSTGRES=1", pytrace=False)
            pytest.skip(msg)
        extra = ["--database", url]
    srv = _start_server(engine, tmp_path_factory.mktemp(f"darasa-{engine}"), extra)
    try:
        yield srv
    finally:
        _stop_server(srv)


# ---------------------------------------------------------------- browser ---

@pytest.fixture(scope="session")
def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_AVOID_STATS", "true")
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,1800", "--disable-gpu", "--no-first-run",
                "--disable-extensions", "--password-store=basic"):
        opts.add_argument(arg)
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


@pytest.fixture
def browser(_driver, request):
    """The shared Chromium, with no cookies at the start of each test.

    On a failing test it saves a screenshot named ...-FAILED.png."""
    _driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    yield _driver
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        try:
            _driver.save_screenshot(str(SCREENSHOTS / f"{name}-FAILED.png"))
        except Exception:  # the browser may be the thing that broke
            pass


@pytest.fixture
def http_client():
    """A fresh stdlib HTTP client (own cookie jar, redirects not followed)."""
    return HttpClient()
