"""The view each tier needs, as a person uses it, in headless Chromium on each storage engine:
the teacher's class and register, the head teacher's report card printed to PDF (one A4 page),
the district officer's ranking, map, planner and drill-down, the ministry's equity tables and
downloads, languages, and the 150 KB page budget. Screenshots land in build-artifacts/screenshots/."""

from __future__ import annotations

import base64
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import ARTIFACTS, SCREENSHOTS
from test_roles import click_and_wait, css, login, path_of, text_of

BUDGET = 150 * 1024


def shot(browser, server, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{server.engine}-{name}.png"))


def transferred(browser) -> int:
    """Bytes the page cost: its HTML plus every resource it loaded (charts are inline SVG)."""
    return browser.execute_script("""
        const nav = performance.getEntriesByType('navigation')[0];
        let total = nav ? (nav.transferSize || nav.encodedBodySize) : 0;
        for (const r of performance.getEntriesByType('resource')) total += (r.transferSize || r.encodedBodySize);
        return total;""")


def visit(browser, server, path, name):
    browser.get(server.url(path))
    size = transferred(browser)
    assert size <= BUDGET, f"{path} transferred {size} bytes, over the 150 KB budget"
    assert not css(browser, "script"), f"{path} must work without JavaScript"
    shot(browser, server, name)
    return size


def switch_to(browser, server, username):
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    login(browser, server, username)


def test_teacher_reads_the_class_and_takes_the_register(server, browser):
    login(browser, server, "teacher")
    visit(browser, server, "/", "teacher-class")
    narrative = text_of(css(browser, "[data-narrative=home]")[0])
    assert "learners are enrolled" in narrative, narrative
    assert "could not read a single word" in narrative or "cannot yet read words" in narrative, narrative
    table = css(browser, "table[data-table=learners]")[0]
    assert "Benchmark band per task" in text_of(table)
    assert css(browser, "table[data-table=groups] tbody tr"), "reading groups with an activity each"
    assert css(browser, "[data-section=absentees]"), "who was absent 3 or more of the last 10 days"
    click_and_wait(browser, css(browser, "a[data-link=register]")[0])
    assert path_of(browser.current_url) == "/register"
    rows = css(browser, "table[data-table=register] tbody tr")
    assert rows, "the class list to mark"
    learner = rows[0].get_attribute("data-learner")
    rows[0].find_element(By.CSS_SELECTOR, "input[value=absent]").click()
    click_and_wait(browser, css(browser, "button[data-action=save-register]")[0])
    assert "Register saved" in text_of(css(browser, "[data-notice=register]")[0])
    mark = css(browser, f'tr[data-learner="{learner}"] input[value=absent]')[0]
    assert mark.is_selected(), "the saved mark is shown when the register is opened again"
    shot(browser, server, "teacher-register")


def test_head_teacher_prints_the_report_card_on_one_a4_page(server, browser):
    login(browser, server, "head")
    click_and_wait(browser, css(browser, "a[data-link=report-card]")[0])
    assert path_of(browser.current_url) == "/report-card"
    visit(browser, server, "/report-card", "head-report-card")
    assert css(browser, "table[data-table=enrolment-by-grade] tbody tr")
    assert css(browser, "table[data-table=learning] tbody tr")
    assert text_of(css(browser, "[data-narrative=report-card]")[0])
    assert css(browser, ".metric svg"), "a trend line for the headlines"
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": False,
                                                        "preferCSSPageSize": True})
    data = base64.b64decode(pdf["data"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{server.engine}-report-card.pdf").write_bytes(data)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages == 1, f"the report card prints on {pages} pages; it must fit one A4 page"


def test_district_officer_ranks_schools_maps_them_plans_and_drills_down(server, browser):
    login(browser, server, "district")
    visit(browser, server, "/", "district-needs")
    rows = css(browser, "table[data-table=needs] tbody tr")
    assert len(rows) >= 2, "the district's schools, ranked"
    scores = [int(text_of(r.find_elements(By.CSS_SELECTOR, "td")[2])) for r in rows]
    assert scores == sorted(scores, reverse=True), "most in need first"
    assert css(browser, "table[data-table=needs] .reason"), "reasons in words"
    assert css(browser, "svg[aria-labelledby='map-title map-desc']"), "a map drawn from coordinates"
    assert css(browser, "table[data-table=timeliness] tbody tr"), "submission timeliness"
    click_and_wait(browser, css(browser, "a[data-link=plan]")[0])
    assert path_of(browser.current_url) == "/plan"
    assert css(browser, "table[data-table=proposal] tbody tr"), "a proposed plan"
    click_and_wait(browser, css(browser, "button[data-action=record-plan]")[0])
    assert css(browser, "table[data-table=planned] tbody tr"), "the recorded plan"
    shot(browser, server, "district-plan")
    first = css(browser, "table[data-table=planned] tbody tr")[0].get_attribute("data-planned")
    click_and_wait(browser, css(browser, f'tr[data-planned="{first}"] button[data-action=cancel-visit]')[0])
    assert not css(browser, f'tr[data-planned="{first}"]'), "a cancelled visit leaves the plan"
    browser.get(server.url("/"))
    click_and_wait(browser, css(browser, "a[data-link=drill]")[0])
    assert path_of(browser.current_url) == "/units"
    zone = css(browser, "table[data-table=children] tbody tr a")[0]
    click_and_wait(browser, zone)
    school = [a for a in css(browser, "table[data-table=children] tbody tr a") if "report-card" in a.get_attribute("href")]
    assert school, "a zone lists its schools, each with a report card"
    click_and_wait(browser, school[0])
    assert path_of(browser.current_url) == "/report-card"
    assert "learner-name" not in browser.page_source


def test_ministry_sees_equity_learning_allocation_quality_and_trends(server, browser):
    login(browser, server, "national")
    visit(browser, server, "/", "national-equity")
    for table in ("parity", "sdg", "allocation", "quality-districts"):
        assert css(browser, f"table[data-table={table}] tbody tr"), f"the {table} table"
    assert text_of(css(browser, "[data-narrative=ministry]")[0])
    assert len(css(browser, "[data-section=equity] .cols svg")) >= 3, "trend lines"
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    import urllib.request
    for link in css(browser, "[data-section=equity] a[href^='/api/v1/indicators/']"):
        req = urllib.request.Request(link.get_attribute("href"), headers={"Cookie": cookies})
        with urllib.request.urlopen(req, timeout=60) as r:
            assert r.status == 200 and r.headers.get("Content-Disposition", "").startswith("attachment"), link.get_attribute("href")


def test_every_tier_switches_language_and_back(server, browser):
    for user, home_word in (("teacher", None), ("head", None), ("district", None), ("national", None)):
        switch_to(browser, server, user)
        for code in ("fr", "sw", "pt", "en"):
            Select(css(browser, "select[name=language]")[0]).select_by_value(code)
            click_and_wait(browser, css(browser, "button[data-action=language]")[0])
            assert css(browser, f"html[lang={code}]"), f"{user} page in {code}"
            nav = text_of(css(browser, "header a[data-nav=home]")[0])
            assert nav and "nav_" not in browser.page_source, f"{user} in {code}: no raw keys"
            if code == "fr":
                assert nav != "Home", "French navigation"
                shot(browser, server, f"{user}-home-fr")
            if code == "sw":
                shot(browser, server, f"{user}-home-sw")
        assert css(browser, "html[lang=en]"), "back in English for the other tests"
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(server.url("/login?lang=pt"))
    assert css(browser, "html[lang=pt]")
    shot(browser, server, "login-pt")
    browser.get(server.url("/login?lang=en"))
