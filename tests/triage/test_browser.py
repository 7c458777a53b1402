"""The demo hospital's plan in a real Chromium: the chart, the upgrades, a printable page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import ARTIFACTS
from tests.helpers import cli_env
from tests.test_browser import browser  # noqa: F401 - the fixture
from tests.test_demo import run_demo

pytestmark = pytest.mark.browser


# The lowest WCAG contrast ratio between a decision label's colour and the page's background.
LOWEST_DECISION_CONTRAST = """() => {
  const luminance = (css) => {
    const [r, g, b] = css.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = luminance(getComputedStyle(document.body).backgroundColor);
  const ratios = [...document.querySelectorAll('.decision')].map((e) => {
    const [a, b] = [luminance(getComputedStyle(e).color), background].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  });
  return Math.min(...ratios);
}"""


def test_the_hospital_reads_its_plan(browser: Browser, tmp_path: Path) -> None:  # noqa: F811
    # The plan needs no validated reports: a sandbox folder uid 65534 cannot reach (pytest's
    # tmp_path is 0700) makes the demo skip validation, with a line saying why.
    env = cli_env(
        tmp_path / "var",
        CLEARINGHOUSE_COOKIE_SECURE="false",
        CLEARINGHOUSE_SANDBOX_DIR=str(tmp_path / "box"),
    )
    accounts, base, process = run_demo(env)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/login")
        page.get_by_label("Email").fill("it@valley-hospital.example")
        page.get_by_label("Password").fill(accounts["it@valley-hospital.example"])
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Plan").click()
        expect(
            page.get_by_role("heading", name="Remediation plan: Valley County Hospital")
        ).to_be_visible()
        chart = page.get_by_role("img", name="Open findings by deadline and CISA decision")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150
        first = page.locator("ol.steps li").first
        expect(first).to_contain_text("Upgrade salt from 2019.2.0 to")
        expect(first).to_contain_text("Known exploited")
        # The decision labels (Act, Attend…) are readable text: WCAG AA contrast, light and dark.
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            worst = page.evaluate(LOWEST_DECISION_CONTRAST)
            assert worst >= 4.5, (scheme, worst)
        page.emulate_media(color_scheme="light")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "plan-page.png"), full_page=True)
        page.get_by_role("link", name="Printable page").click()
        expect(page.locator("nav")).to_have_count(0)
        expect(page.get_by_text("Printed from Clearinghouse")).to_be_visible()
        assert errors == []
    finally:
        process.terminate()
        process.wait(timeout=15)
