"""Imports and identity review as a data officer and a head teacher would do them,
in headless Chromium, on each storage engine."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import SCREENSHOTS
from test_roles import WAIT, click_and_wait, css, login, path_of, text_of


def test_head_teacher_decides_an_identity_pair_and_undoes_it(server, browser):
    login(browser, server, "head")
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Identity review"))
    assert path_of(browser.current_url) == "/review"
    pairs = css(browser, "section[data-pair]")
    assert pairs, "the demo head teacher's school has pairs waiting for review"
    rows = css(browser, "table[data-table=evidence] tbody tr")
    assert {text_of(r.find_elements(By.TAG_NAME, "td")[0]) for r in rows} >= {"name", "sex", "birth", "school"}
    assert all(re.search(r"[+-]\d+\.\d", text_of(r.find_elements(By.TAG_NAME, "td")[4])) for r in rows), "each field shows its weight"
    waiting = int(re.search(r"Waiting for a decision: (\d+)", text_of(css(browser, "[data-metric=review-waiting]")[0])).group(1))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{server.engine}-head-review.png"))

    # The keyboard shortcut A accepts (the page works without it too).
    browser.execute_script("window.__darasaOldPage = true")
    browser.find_element(By.TAG_NAME, "body").send_keys("a")
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return !window.__darasaOldPage && document.readyState === 'complete'"))
    assert "Decision accepted" in text_of(css(browser, ".notice")[0])
    after = int(re.search(r"Waiting for a decision: (\d+)", text_of(css(browser, "[data-metric=review-waiting]")[0])).group(1))
    assert after < waiting

    click_and_wait(browser, css(browser, "table[data-table=recent] button[data-action=undo]")[0])
    assert "Decision undone" in text_of(css(browser, ".notice")[0])
    restored = int(re.search(r"Waiting for a decision: (\d+)", text_of(css(browser, "[data-metric=review-waiting]")[0])).group(1))
    assert restored == waiting


def test_district_officer_sees_counts_but_no_names(server, browser):
    login(browser, server, "district")
    browser.get(server.url("/review"))
    assert "Waiting for a decision" in browser.page_source
    assert not css(browser, "section[data-pair]"), "no pair (and no names) beyond the school"


def test_data_officer_uploads_checks_and_imports_a_file(server, browser):
    teachers = next(server.data_dir.glob("country-*/hr/teachers.csv"))
    login(browser, server, "admin")
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Imports"))
    Select(browser.find_element(By.ID, "mapping")).select_by_value("synthetic/20-teachers")
    browser.find_element(By.ID, "file").send_keys(str(teachers))
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form#upload button[type=submit]"))
    summary = text_of(css(browser, "[data-metric=preview-summary]")[0])
    rows = int(re.match(r"(\d+) rows", summary).group(1))
    assert summary == f"{rows} rows: 0 new, 0 updated, {rows} unchanged, 0 would be quarantined.", summary
    assert len(css(browser, "table[data-table=preview] tbody tr")) == min(rows, 20)
    browser.save_screenshot(str(SCREENSHOTS / f"{server.engine}-admin-import-preview.png"))

    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "button[data-action=commit]"))
    WebDriverWait(browser, WAIT).until(lambda d: "/imports/jobs/" not in d.current_url and css(d, "[data-metric=import-report]"))
    report = text_of(css(browser, "[data-metric=import-report]")[0])
    assert f"{rows} rows read = 0 new + 0 updated + {rows} unchanged + 0 quarantined" in report


def test_imports_are_for_data_officers(server, browser):
    login(browser, server, "teacher")
    browser.get(server.url("/imports"))
    assert "Imports are done by data officers" in browser.page_source
    assert not css(browser, "form#upload")
