"""The status page in a real Chromium, driven by Playwright; screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.conftest import ARTIFACTS
from tests.helpers import cli_env, run_cli, running_server

pytestmark = pytest.mark.browser


@pytest.fixture
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def test_status_page_shows_the_system_and_refreshes_itself(browser: Browser, tmp_path: Path):
    env = cli_env(tmp_path / "data")
    assert (
        run_cli(
            "admin",
            "create",
            "--email",
            "chief@coord.example",
            env=env,
            stdin="a long enough password\n",
        ).returncode
        == 0
    )
    with running_server(env) as base:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.get_by_label("Email").fill("chief@coord.example")
        page.get_by_label("Password").fill("a long enough password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="System status")).to_be_visible()
        expect(page.get_by_test_id("database-state")).to_have_text("OK")
        expect(page.get_by_test_id("queue-state")).to_have_text("OK")
        # No assertion on an empty job list: scheduled jobs (matching.fan_out, every minute)
        # may have run already.

        # A job queued from the command line appears without a reload (htmx polls the panel).
        queued = run_cli("jobs", "enqueue", "system.optimize_database", "--json", env=env)
        run_id = json.loads(queued.stdout)["id"]
        row = page.locator("tr", has_text=run_id[:8])
        expect(row).to_contain_text("succeeded", timeout=20_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "status-page.png"), full_page=True)

        page.get_by_role("link", name="Jobs").click()
        expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
        expect(page.locator("tr", has_text=run_id[:8])).to_contain_text("system.optimize_database")

        # The audit log lists the sign-in; filtering swaps the results in place (htmx).
        page.get_by_role("link", name="Audit log").click()
        expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
        expect(page.get_by_test_id("chain-status")).to_contain_text("Intact")
        sign_in_row = page.locator("tr", has_text="session.login")
        expect(sign_in_row.first).to_contain_text("chief@coord.example")
        expect(sign_in_row.first).to_contain_text("success")
        # The details column keeps a readable width instead of one letter per line.
        details = sign_in_row.first.locator("code.details")
        assert details.evaluate("e => e.getBoundingClientRect().width") > 150
        page.get_by_label("Action starts with").fill("session.")
        page.get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(r"action=session\."))
        expect(page.locator("#audit-results tbody tr")).to_have_count(1)
        page.screenshot(path=str(ARTIFACTS / "audit-page.png"), full_page=True)

        page.goto(base + "/no-such-page")
        expect(page.get_by_role("heading")).to_contain_text("404")
        assert errors == []
