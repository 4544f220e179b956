"""Data quality as a head teacher and a district officer use it, in headless Chromium, on each
storage engine: the to-do list, resolving a finding, the scorecard worst first, sign-off and
its lock."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from conftest import SCREENSHOTS
from test_roles import click_and_wait, css, login, path_of, text_of


def switch_to(browser, server, username):
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    login(browser, server, username)


def open_quality(browser):
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Data quality"))
    assert path_of(browser.current_url) == "/quality"


def signoff_row(browser, domain: str):
    rows = css(browser, f'tr[data-signoff^="{domain}-"]')
    assert rows, f"a sign-off row for {domain}"
    return rows[0]  # the latest year comes first


def test_head_teacher_works_through_the_to_do_list_and_signs_off(server, browser):
    login(browser, server, "head")
    open_quality(browser)
    metrics = {m.get_attribute("data-metric"): text_of(m) for m in css(browser, ".metric .value")}
    assert set(metrics) == {"quality-completeness", "quality-timeliness", "quality-validity", "quality-consistency"}
    assert all(re.fullmatch(r"\d+(\.\d)? %|–", v) for v in metrics.values()), metrics
    narrative = text_of(css(browser, "[data-narrative=quality]")[0])
    assert "of the expected data arrived" in narrative, narrative
    items = css(browser, "ol[data-list=todo] > li")
    assert items, "the demo school has findings to fix"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{server.engine}-head-quality.png"))
    count = int(re.search(r"\((\d+) open\)", text_of(browser.find_element(By.ID, "todo"))).group(1))

    # Resolve the first finding: "not a problem", with a reason.
    first = items[0]
    finding = first.get_attribute("data-finding")
    first.find_element(By.TAG_NAME, "summary").click()
    first.find_element(By.CSS_SELECTOR, "input[value=dismissed]").click()
    first.find_element(By.NAME, "reason").send_keys("checked with the class teacher")
    click_and_wait(browser, first.find_element(By.CSS_SELECTOR, "button[data-action=resolve]"))
    assert "Recorded" in text_of(css(browser, ".notice")[0])
    assert not css(browser, f'li[data-finding="{finding}"]'), "the resolved finding leaves the list"
    after = int(re.search(r"\((\d+) open\)", text_of(browser.find_element(By.ID, "todo"))).group(1))
    assert after == count - 1

    # Approve the school's teacher data for the latest year (no errors open there).
    row = signoff_row(browser, "teachers")
    click_and_wait(browser, row.find_element(By.CSS_SELECTOR, "button[data-action=approve]"))
    assert "Approved" in text_of(css(browser, ".notice")[0])
    assert "Approved by head" in text_of(signoff_row(browser, "teachers"))


def test_district_officer_sees_schools_worst_first_and_locks_over_the_school(server, browser):
    login(browser, server, "district")
    open_quality(browser)
    units = css(browser, "table[data-table=quality-units] tbody tr")
    assert units, "the district's zones are listed"
    assert not css(browser, ".learner-name"), "no learner names beyond the school"
    overall = [text_of(u.find_elements(By.TAG_NAME, "td")[5]) for u in units]
    values = [float(v.split()[0]) for v in overall if v != "–"]
    assert values == sorted(values), f"worst first: {overall}"
    assert css(browser, "a[data-download=quality-csv]") and css(browser, "a[data-download=quality-xlsx]")
    browser.save_screenshot(str(SCREENSHOTS / f"{server.engine}-district-quality.png"))

    # Drill down into the first zone: its schools.
    click_and_wait(browser, units[0].find_element(By.TAG_NAME, "a"))
    assert "unit=" in browser.current_url and css(browser, "table[data-table=quality-units] tbody tr")

    # Lock the district's teacher data; the head teacher cannot withdraw under it.
    browser.get(server.url("/quality"))
    click_and_wait(browser, signoff_row(browser, "teachers").find_element(By.CSS_SELECTOR, "button[data-action=approve]"))
    assert "Approved" in text_of(css(browser, ".notice")[0])

    switch_to(browser, server, "head")
    browser.get(server.url("/quality"))
    row = signoff_row(browser, "teachers")
    assert "Locked at district level" in text_of(row)
    assert not row.find_elements(By.CSS_SELECTOR, "button"), "no button under a higher level's lock"

    # The district withdraws with a reason; the school may then withdraw its own.
    switch_to(browser, server, "district")
    browser.get(server.url("/quality"))
    row = signoff_row(browser, "teachers")
    row.find_element(By.NAME, "reason").send_keys("a posting was missed")
    click_and_wait(browser, row.find_element(By.CSS_SELECTOR, "button[data-action=withdraw]"))
    assert "withdrawn" in text_of(css(browser, ".notice")[0])
    switch_to(browser, server, "head")
    browser.get(server.url("/quality"))
    row = signoff_row(browser, "teachers")
    row.find_element(By.NAME, "reason").send_keys("recount")
    click_and_wait(browser, row.find_element(By.CSS_SELECTOR, "button[data-action=withdraw]"))
    assert "Not approved" in text_of(signoff_row(browser, "teachers"))


def test_teachers_leave_data_quality_to_the_head(server, browser):
    login(browser, server, "teacher")
    assert not browser.find_elements(By.LINK_TEXT, "Data quality")
    browser.get(server.url("/quality"))
    assert "ask your head teacher" in browser.page_source
