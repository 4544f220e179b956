"""The offline app as a teacher uses it, in headless Chromium on each storage engine: load the
app, go offline, take a class register and a timed reading check, reload while offline, come
back online, sync, and find the records in the database exactly once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time

from selenium.webdriver.support.ui import WebDriverWait

from conftest import SCREENSHOTS
from test_roles import css, login, text_of

WAIT = 60


def offline(browser, on: bool):
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions",
                            {"offline": on, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def waiting(browser) -> int:
    el = css(browser, "#status")
    return int(el[0].get_attribute("data-waiting") or -1) if el else -1


def query(server, sql: str) -> list[tuple]:
    """Reads the server's database directly (SQLite file, or psql for PostgreSQL)."""
    if server.engine == "sqlite":
        con = sqlite3.connect(str(server.data_dir / "darasa.sqlite"))
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    url = os.environ["DARASA_TEST_POSTGRES_URL"]
    out = subprocess.run(["psql", url, "-At", "-F", "|", "-c", sql], capture_output=True, text=True, check=True).stdout
    return [tuple(line.split("|")) for line in out.splitlines() if line]


def open_app(browser, server):
    browser.get(server.url("/app/"))
    WebDriverWait(browser, WAIT).until(lambda d: css(d, "[data-class]"), "the app lists the teacher's classes")
    # Wait until the service worker controls the page (the shell is cached for offline use).
    browser.set_script_timeout(WAIT)
    browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        navigator.serviceWorker.ready.then(() => done(true));""")
    if not browser.execute_script("return !!navigator.serviceWorker.controller"):
        browser.refresh()
        WebDriverWait(browser, WAIT).until(lambda d: css(d, "[data-class]"))
    assert browser.execute_script("return !!navigator.serviceWorker.controller"), "the service worker controls the app"
    WebDriverWait(browser, WAIT).until(lambda d: waiting(d) == 0, "nothing waiting after the first sync")


def test_register_and_reading_check_offline_then_sync_once(server, browser):
    login(browser, server, "teacher")
    open_app(browser, server)
    before = int(query(server, "SELECT COUNT(*) FROM sync_records")[0][0])

    offline(browser, True)
    try:
        WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return navigator.onLine") is False)
        # A class register: everyone present, the first learner absent.
        css(browser, "[data-class]")[0].click()
        rows = css(browser, "[data-list=register] button[data-learner]")
        assert rows, "the class list, from the last pull"
        learners = len(rows)
        first = rows[0].get_attribute("data-learner")
        rows[0].click()
        assert rows[0].get_attribute("data-mark") == "absent"
        css(browser, "[data-action=save-register]")[0].click()
        WebDriverWait(browser, WAIT).until(lambda d: waiting(d) == learners, "the register waits to sync")

        # A timed reading check: start the clock, two words wrong, stop, mark the last word read.
        css(browser, "[data-assess]")[0].click()
        tasks = css(browser, "#task option")
        orf = [o for o in tasks if "Oral reading" in o.text] or tasks
        orf[0].click()
        css(browser, "[data-action=start-assessment]")[0].click()
        css(browser, "[data-action=start-timer]")[0].click()
        time.sleep(2.2)
        css(browser, "[data-item='2']")[0].click()
        css(browser, "[data-item='5']")[0].click()
        css(browser, "[data-action=stop-timer]")[0].click()
        css(browser, "[data-item='14']")[0].click()
        fluency = css(browser, "[data-fluency]")[0]
        assert float(fluency.get_attribute("data-fluency")) > 0, text_of(fluency)
        css(browser, "[data-action=save-assessment]")[0].click()
        if css(browser, "[data-action=save-comprehension]"):
            css(browser, "[data-question='1'][data-answer=right]")[0].click()
            css(browser, "[data-action=save-comprehension]")[0].click()
        WebDriverWait(browser, WAIT).until(lambda d: waiting(d) > learners, "the reading check waits too")
        pending = waiting(browser)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / f"{server.engine}-app-offline.png"))

        # Reload with no network: the app and its waiting records are still there.
        browser.refresh()
        WebDriverWait(browser, WAIT).until(lambda d: css(d, "[data-class]"), "the app opens offline")
        WebDriverWait(browser, WAIT).until(lambda d: waiting(d) == pending)
        assert int(query(server, "SELECT COUNT(*) FROM sync_records")[0][0]) == before, "nothing reached the server while offline"
    finally:
        offline(browser, False)

    css(browser, "[data-action=sync]")[0].click()
    WebDriverWait(browser, WAIT).until(lambda d: waiting(d) == 0, "everything synced")
    browser.save_screenshot(str(SCREENSHOTS / f"{server.engine}-app-synced.png"))
    stored = int(query(server, "SELECT COUNT(*) FROM sync_records WHERE status = 'stored'")[0][0])
    assert stored - before == pending, f"{pending} records sent, {stored - before} stored"
    marks = query(server, f"SELECT mark FROM attendance_marks WHERE learner_id = {first} ORDER BY marked_at DESC")
    assert marks and marks[0][0] == "absent"
    dupes = query(server, "SELECT record_id, COUNT(*) FROM attendance_marks GROUP BY record_id HAVING COUNT(*) > 1")
    assert not dupes, "each mark once"
    # Syncing again sends nothing more and stores nothing twice.
    css(browser, "[data-action=sync]")[0].click()
    time.sleep(1)
    assert int(query(server, "SELECT COUNT(*) FROM sync_records")[0][0]) - before == pending
