"""Bad input at the command line: one clear sentence on stderr, a non-zero exit, no stack
trace, nothing half-written. Runs the real `darasa` binary."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import free_port

BIN = os.environ.get("DARASA_BIN", str(Path(__file__).resolve().parents[2] / ".build/debug/darasa"))


def run(*args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True, timeout=timeout)


def assert_one_clear_sentence(p: subprocess.CompletedProcess, *must_contain: str) -> None:
    assert p.returncode != 0, f"expected a failure, got exit 0: {p.stdout}"
    err = p.stderr.strip()
    lines = [l for l in err.splitlines() if l.strip()]
    assert lines, "stderr is empty"
    # argument-parser errors add a usage block after the sentence; the sentence comes first
    first = lines[0]
    for text in must_contain:
        assert text.lower() in err.lower(), f"{text!r} not in {err!r}"
    for bad in ("Fatal error", "Stack dump", "fatalError", "Thread 0", "SQLSTATE"):
        assert bad not in err, f"stack trace or internals leaked: {err!r}"
    assert len(first) < 300, f"first line too long: {first!r}"


def test_malformed_database_url():
    p = run("migrate", "--database", "postgres://nohost")
    assert_one_clear_sentence(p, "database URL is not valid")


def test_database_url_with_another_scheme():
    p = run("migrate", "--database", "mysql://u@h/db")
    assert_one_clear_sentence(p, "postgres://")


def test_unreachable_postgres():
    port = free_port()  # nothing listens here
    p = run("migrate", "--database", f"postgres://darasa@127.0.0.1:{port}/darasa")
    assert_one_clear_sentence(p, "cannot reach PostgreSQL", f"127.0.0.1:{port}")
    assert "password" not in p.stderr.lower() or "refused" in p.stderr.lower()


def test_password_is_never_echoed():
    port = free_port()
    p = run("migrate", "--database", f"postgres://darasa:s3cret-pw@127.0.0.1:{port}/darasa")
    assert p.returncode != 0
    assert "s3cret-pw" not in p.stderr + p.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; checked below with a file in the way")
def test_unwritable_data_dir_as_user():
    with tempfile.TemporaryDirectory() as d:
        ro = Path(d) / "ro"
        ro.mkdir()
        ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
        p = run("migrate", "--data-dir", str(ro / "data"))
        assert_one_clear_sentence(p, "data folder")


def test_data_dir_that_is_a_file():
    with tempfile.TemporaryDirectory() as d:
        blocker = Path(d) / "not-a-folder"
        blocker.write_text("x")
        p = run("migrate", "--data-dir", str(blocker))
        assert_one_clear_sentence(p, "data folder")
        assert blocker.read_text() == "x", "the file in the way must be left alone"


def test_port_already_in_use():
    with tempfile.TemporaryDirectory() as d:
        assert run("migrate", "--data-dir", d).returncode == 0
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            p = run("serve", "--data-dir", d, "--port", str(port))
        assert_one_clear_sentence(p, f"Port {port}", "already in use")


def test_serve_on_an_unmigrated_database_says_what_to_run():
    with tempfile.TemporaryDirectory() as d:
        p = run("serve", "--data-dir", d, "--port", str(free_port()))
        assert_one_clear_sentence(p, "darasa migrate")


def test_migrate_is_idempotent_and_says_so():
    with tempfile.TemporaryDirectory() as d:
        first = run("migrate", "--data-dir", d)
        assert first.returncode == 0 and "applied" in first.stdout
        second = run("migrate", "--data-dir", d)
        assert second.returncode == 0 and "up to date" in second.stdout


def test_generate_is_deterministic_and_rejects_tiny_countries():
    with tempfile.TemporaryDirectory() as d:
        a, b = Path(d) / "a", Path(d) / "b"
        assert run("generate", "--out", str(a), "--learners", "400", "--seed", "3").returncode == 0
        assert run("generate", "--out", str(b), "--learners", "400", "--seed", "3").returncode == 0
        files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
        assert files_a == files_b and files_a
        for rel in files_a:
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), f"{rel} differs between runs with one seed"
    p = run("generate", "--out", "/tmp/never", "--learners", "5")
    assert_one_clear_sentence(p, "--learners")


def test_create_user_then_wrong_inputs(tmp_path):
    d = str(tmp_path)
    assert run("migrate", "--data-dir", d).returncode == 0
    p = run("admin", "create-user", "--data-dir", d, "--username", "amina", "--role", "district_officer",
            "--org-unit", "NOPE", stdin="a long passphrase\n")
    assert_one_clear_sentence(p, "No org unit has the code NOPE")
    p = run("admin", "create-user", "--data-dir", d, "--username", "amina", "--role", "wizard",
            "--org-unit", "X", stdin="a long passphrase\n")
    assert_one_clear_sentence(p, "--role")
    p = run("admin", "create-user", "--data-dir", d, "--username", "amina", "--role", "admin",
            "--org-unit", "X", stdin="short\n")
    assert_one_clear_sentence(p, "at least 8 characters")


def test_export_after_demo_load(tmp_path):
    d = str(tmp_path)
    load = run("demo", "--data-dir", d, "--learners", "1500", "--seed", "5", "--no-serve", timeout=300)
    assert load.returncode == 0, load.stderr
    csv = run("export", "attendance_rate", "--data-dir", d, "--level", "2", "--by", "sex")
    assert csv.returncode == 0, csv.stderr
    lines = csv.stdout.strip().splitlines()
    assert lines[0].startswith("indicator,year,level,unit_code")
    assert len(lines) > 2
    out = tmp_path / "dv.json"
    # Without a mapping DHIS2 gets Darasa's own codes, said so in the payload.
    p = run("export", "enrolment", "--data-dir", d, "--format", "dhis2-json", "--level", "1")
    assert p.returncode == 0, p.stderr
    assert '"idScheme" : "CODE"' in p.stdout and '"dataElement" : "ENROLMENT"' in p.stdout
    # Two breakdowns at once, as a workbook.
    xlsx = tmp_path / "ner.xlsx"
    p = run("export", "net_enrolment_ratio", "--data-dir", d, "--level", "1", "--by", "sex", "--format", "xlsx", "--out", str(xlsx))
    assert p.returncode == 0, p.stderr
    assert xlsx.read_bytes()[:2] == b"PK"
    # ADX validates against the profile's structure (Tests/e2e/schemas/adx.xsd), disaggregations as attributes.
    import xmlschema
    schema = xmlschema.XMLSchema(str(Path(__file__).resolve().parent / "schemas" / "adx.xsd"))
    for indicator, by in (("attendance_rate", "sex,locality"), ("enrolment", "grade"), ("sdg_4_1_1_reading", "sex")):
        p = run("export", indicator, "--data-dir", d, "--format", "adx", "--level", "2", "--by", by)
        assert p.returncode == 0, p.stderr
        errors = [str(e.reason) for e in schema.iter_errors(p.stdout)]
        assert errors == [], f"{indicator}: ADX not valid: {errors[:3]}"
        assert 'period="' in p.stdout and by.split(",")[0].upper() + '="' in p.stdout
    # DHIS2 dataValueSets: every value has the five fields DHIS2 requires, values are decimal strings.
    p = run("export", "attendance_rate", "--data-dir", d, "--format", "dhis2-json", "--level", "2", "--by", "sex")
    assert p.returncode == 0, p.stderr
    import json as _json
    body = _json.loads(p.stdout)
    assert body["dataValues"], "no data values"
    for v in body["dataValues"]:
        assert set(v) == {"dataElement", "period", "orgUnit", "categoryOptionCombo", "value"}, v
        assert re.fullmatch(r"\d{4}", v["period"]) and re.fullmatch(r"-?\d+(\.\d+)?", v["value"]), v
        assert v["categoryOptionCombo"] in ("FEMALE", "MALE"), v
    # SDMX-CSV: the UIS SDG 4 column set, one row per value.
    p = run("export", "attendance_rate", "--data-dir", d, "--format", "sdmx-csv", "--level", "2", "--by", "sex")
    assert p.returncode == 0, p.stderr
    rows = p.stdout.strip().splitlines()
    assert rows[0].split(",")[:4] == ["DATAFLOW", "REF_AREA", "INDICATOR", "SEX"] and len(rows) == 1 + len(body["dataValues"])
    # A level below the population figures, a breakdown the sources lack, a bad format: one sentence each.
    assert_one_clear_sentence(run("export", "net_enrolment_ratio", "--data-dir", d, "--level", "3"), "choose level 2 or above")
    assert_one_clear_sentence(run("export", "net_enrolment_ratio", "--data-dir", d, "--by", "locality"), "cannot be broken down by locality")
    assert_one_clear_sentence(run("export", "enrolment", "--data-dir", d, "--format", "pdf"), "--format")
    assert_one_clear_sentence(run("export", "--data-dir", d, "--format", "oneroster", "--out", str(tmp_path / "r.zip")), "--unit")
    roster = tmp_path / "roster.zip"
    p = run("export", "--data-dir", d, "--format", "oneroster", "--unit", "D001", "--out", str(roster))
    assert p.returncode == 0, p.stderr
    assert roster.read_bytes()[:2] == b"PK"
    bad_catalogue = tmp_path / "catalogue.yaml"
    bad_catalogue.write_text("indicators:\n  a:\n    title: A\n    definition: B\n    numerator: nothing\n    denominator: scored\n")
    assert_one_clear_sentence(run("indicators", "check", str(bad_catalogue)), "catalogue.yaml, line 5", "is not a measure")
    bad = tmp_path / "bad.json"
    bad.write_text('{"indicators": {"enrolment": {"categoryOptionCombos": {}}}}')
    p = run("export", "enrolment", "--data-dir", d, "--format", "dhis2-json", "--mapping", str(bad), "--out", str(out))
    assert_one_clear_sentence(p, "bad.json", "dataElement")
    assert not out.exists(), "nothing is written when the mapping is refused"


def test_bench_indicators_end_to_end(tmp_path):
    """`darasa bench indicators` on a small country: every catalogue table answers, the district
    dashboard is served, and the held-back month shows in the district's figure once imported."""
    import json as _json
    p = run("bench", "indicators", "--learners", "1200", "--seed", "3", "--data-dir", str(tmp_path / "data"),
            "--dashboards", "2", "--requests", "3", "--keep", str(tmp_path / "country"), "--json", timeout=600)
    assert p.returncode == 0, p.stderr
    out = _json.loads(p.stdout[p.stdout.index("{"):])
    c = out["catalogue"]
    assert c["skipped"] == {} and c["tables"] >= c["indicators"] and c["cells"] > 0
    assert set(out["compared"]["values"]) == {"attendance_rate|", "attendance_rate|sex", "attendance_rate|grade",
                                              "chronic_absence_rate|", "chronic_absence_rate|sex"}
    assert all(0 <= v <= 1 for t in out["compared"]["values"].values() for v in t.values())
    d = out["dashboard"]
    assert d["districts"] == 2 and d["bytes_mean"] > 1000 and d["warm_ms"]["p50"] > 0
    m = out["new_month"]
    assert m["reflected"] is True, m
    assert m["one_school"]["district_recorded_days_after"] > m["one_school"]["district_recorded_days_before"]
    assert re.fullmatch(r"\d{4}-\d{2}", m["held_back_month"])
    assert (tmp_path / "country" / "truth" / "summary.json").exists(), "--keep keeps the country for bench/indicators.py"
