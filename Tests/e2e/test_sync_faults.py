"""Sync under faults, on each storage engine, against a real `darasa serve` process: the server
is killed with SIGKILL at random moments in the middle of pushes, again and again, and
connections are dropped half-way through a batch. Afterwards every record the server
acknowledged is stored exactly once, and the client still holds (and finally delivers) every
record it had not had acknowledged."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from conftest import HttpClient, _darasa_bin, _healthy, free_port, log_tail, parse_form

KILLS = 6


class Server:
    def __init__(self, engine: str, data_dir: Path, database: str | None):
        self.engine, self.data_dir, self.database = engine, data_dir, database
        self.port = free_port()
        self.proc = None
        self.log = data_dir / "serve.log"

    def args(self):
        db = ["--database", self.database] if self.database else []
        return ["--data-dir", str(self.data_dir), *db]

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(_darasa_bin()), "serve", "--port", str(self.port), *self.args()],
                                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while not _healthy(self.url("")):
            assert self.proc.poll() is None, f"serve exited: {log_tail(self.log)}"
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def query(self, sql: str):
        if self.engine == "sqlite":
            import sqlite3
            con = sqlite3.connect(str(self.data_dir / "darasa.sqlite"))
            try:
                return con.execute(sql).fetchall()
            finally:
                con.close()
        out = subprocess.run(["psql", self.database, "-At", "-F", "|", "-c", sql], capture_output=True, text=True, check=True).stdout
        return [tuple(line.split("|")) for line in out.splitlines() if line]


@pytest.fixture(params=["sqlite", "postgres"])
def fault_server(request, tmp_path):
    engine = request.param
    database = None
    if engine == "postgres":
        base = os.environ.get("DARASA_TEST_POSTGRES_URL", "").strip()
        if not base:
            if os.environ.get("DARASA_REQUIRE_POSTGRES") == "1":
                pytest.fail("DARASA_TEST_POSTGRES_URL is not set, but DARASA_REQUIRE_POSTGRES=1", pytrace=False)
            pytest.skip("no PostgreSQL")
        name = "faults_" + uuid.uuid4().hex[:10]
        subprocess.run(["psql", base, "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        parts = urllib.parse.urlsplit(base)
        database = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    data = tmp_path / "data"
    data.mkdir()
    load = subprocess.run([str(_darasa_bin()), "demo", "--learners", "800", "--seed", "4", "--no-serve", "--data-dir", str(data),
                           *(["--database", database] if database else [])], capture_output=True, text=True, timeout=600)
    assert load.returncode == 0, load.stderr
    srv = Server(engine, data, database)
    srv.start()
    yield srv
    srv.kill()


def sign_in(srv: Server) -> tuple[str, str, dict]:
    c = HttpClient()
    form = parse_form(c.get(srv.url("/login")).text, "login")
    r = c.post(srv.url("/login"), {"username": "teacher", "password": "demo", "csrf": form.inputs["csrf"]["value"]})
    assert r.status == 303, r.status
    cookie = "; ".join(f"{k.name}={k.value}" for k in c.jar if k.name == "darasa_session")
    pull = c.get(srv.url("/api/v1/sync/pull?limit=5000")).json()
    return cookie, pull["csrf"], pull


def push(srv: Server, cookie: str, csrf: str, records: list[dict]) -> list[dict] | None:
    """One batch; None when the connection failed (the server died or dropped it)."""
    body = json.dumps({"device": "fault-device-1", "batch": str(uuid.uuid4()), "records": records}).encode()
    req = (f"POST /api/v1/sync/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nCookie: {cookie}\r\n"
           f"X-CSRF-Token: {csrf}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as s:
            s.sendall(req)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    except OSError:
        return None
    head, _, payload = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        return None
    if b"chunked" in head.lower():
        out, rest = b"", payload
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        payload = out
    try:
        return json.loads(payload)["results"]
    except ValueError:
        return None


def drop_half_way(srv: Server, cookie: str, csrf: str, records: list[dict]) -> None:
    body = json.dumps({"device": "fault-device-1", "batch": str(uuid.uuid4()), "records": records}).encode()
    head = (f"POST /api/v1/sync/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nCookie: {cookie}\r\n"
            f"X-CSRF-Token: {csrf}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(head + body[: len(body) // 2])
        time.sleep(0.05)  # and hang up


def test_acknowledged_records_are_stored_exactly_once_through_kills_and_dropped_connections(fault_server):
    srv = fault_server
    cookie, csrf, pull = sign_in(srv)
    learners = pull["learners"]
    days = [d for d in pull["schoolDays"]][-15:]
    assert learners and days, "the teacher has a class and school days"
    rng = random.Random(11)
    outbox: dict[str, dict] = {}
    sent: dict[str, dict] = {}

    def record_a_day(day: str) -> None:
        # The teacher marks the class again (a correction, or the same day on a second device):
        # each sitting is a new set of records with later marking times.
        for l in learners:
            rid = str(uuid.uuid4())
            outbox[rid] = sent[rid] = {"id": rid, "type": "attendance", "learner": l["id"], "school": l["school"], "date": day,
                                       "mark": rng.choice(["present", "present", "present", "absent", "late", "excused"]),
                                       "markedAt": 1_700_000_000_000 + len(sent)}

    for day in days:
        record_a_day(day)
    acked: set[str] = set()

    # Half-sent batches first: nothing of them may be stored.
    for _ in range(3):
        drop_half_way(srv, cookie, csrf, list(outbox.values())[:40])
    time.sleep(0.5)
    assert int(srv.query("SELECT COUNT(*) FROM sync_records")[0][0]) == 0, "a batch cut off half-way stores nothing"

    kills = 0
    rounds = 0
    while (outbox or kills < KILLS) and rounds < 200:
        rounds += 1
        if kills < KILLS:
            for day in rng.sample(days, 3):
                record_a_day(day)
            timer = threading.Timer(rng.uniform(0.02, 0.6), srv.kill)
            timer.start()
        for batch in [list(outbox.values())[i:i + 40] for i in range(0, len(outbox), 40)]:
            results = push(srv, cookie, csrf, batch)
            if results is None:
                break
            for r in results:
                assert r["status"] in ("stored", "duplicate"), r
                acked.add(r["id"])
                outbox.pop(r["id"], None)  # the client deletes only what was acknowledged
        if kills < KILLS:
            timer.join()
            if srv.proc.poll() is not None:
                kills += 1
                # After each crash: everything acknowledged so far is there.
                ids = srv.query("SELECT record_id FROM sync_records")
                stored = {row[0] for row in ids}
                assert acked <= stored, f"{len(acked - stored)} acknowledged records lost in a crash"
                srv.start()
                cookie, csrf, _ = sign_in(srv)
    assert kills == KILLS, f"the server was killed {kills} times"
    assert not outbox, f"{len(outbox)} records never acknowledged"
    assert acked == set(sent)
    rows = srv.query("SELECT COUNT(*), COUNT(DISTINCT record_id) FROM sync_records")
    assert int(rows[0][0]) == int(rows[0][1]) == len(sent), rows
    marks = srv.query("SELECT COUNT(*), COUNT(DISTINCT record_id) FROM attendance_marks WHERE record_id NOT LIKE 'web-register%'")
    assert int(marks[0][0]) == int(marks[0][1]) == len(sent), marks
    # And the register shows, for every learner and day, the mark made last (latest-mark-wins),
    # whatever order the batches finally arrived in.
    latest: dict[tuple[int, str], dict] = {}
    for r in sent.values():
        k = (int(r["learner"]), r["date"])
        if k not in latest or (latest[k]["markedAt"], latest[k]["id"]) < (r["markedAt"], r["id"]):
            latest[k] = r
    bitmaps = {}
    for row in srv.query("SELECT learner_id, year, month, present, absent, late, excused FROM learner_attendance"):
        bitmaps[(int(row[0]), int(row[1]), int(row[2]))] = [int(v) for v in row[3:]]
    names = ["present", "absent", "late", "excused"]
    wrong = 0
    for (learner, day), r in latest.items():
        y, m, d = (int(p) for p in day.split("-"))
        bits = bitmaps.get((learner, y, m))
        shown = [n for n, b in zip(names, bits or [0, 0, 0, 0]) if b >> (d - 1) & 1]
        wrong += shown != [r["mark"]]
    assert wrong == 0, f"{wrong} of {len(latest)} learner-days do not show the latest mark"
