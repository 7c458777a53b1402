"""`clearinghouse demo` (what `make demo` runs): accounts printed once, each can sign in."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import httpx

from tests.helpers import CLI, cli_env, free_port

ACCOUNT_LINE = re.compile(
    r"^\s+(?P<who>.+?)\s{2,}(?P<email>\S+@\S+)\s+(?P<password>[a-z2-9-]{23})$"
)


def run_demo(env: dict[str, str]) -> tuple[dict[str, str], str, subprocess.Popen[str]]:
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    accounts: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Knowledge base:"):
            accounts["knowledge"] = line
        match = ACCOUNT_LINE.match(line.rstrip("\n"))
        if match:
            accounts[match["email"]] = match["password"]
        if line.startswith("Stop with Ctrl-C"):
            break
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the demo server did not come up"
            time.sleep(0.1)
    return accounts, base, process


def sign_in(base: str, email: str, password: str) -> int:
    with httpx.Client(base_url=base) as browser:
        page = browser.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        return browser.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        ).status_code


def hospital_plan(base: str, password: str) -> str:
    with httpx.Client(base_url=base) as browser:
        page = browser.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        browser.post(
            "/login",
            data={"email": "it@valley-hospital.example", "password": password, "csrf_token": token},
        )
        return browser.get("/plan").text


def test_the_demo_prints_four_working_accounts_and_is_idempotent(tmp_path: Path):
    # httpx (unlike browsers) sends no Secure cookies to http://127.0.0.1
    env = cli_env(tmp_path / "var", CLEARINGHOUSE_COOKIE_SECURE="false")
    accounts, base, process = run_demo(env)
    try:
        assert "483 real advisories" in accounts.pop("knowledge")
        assert set(accounts) == {
            "coordinator@clearinghouse.example",
            "it@valley-hospital.example",
            "security@deepscan.example",
            "psirt@acme-medical.example",
        }
        for email, password in accounts.items():
            assert sign_in(base, email, password) == 303, email
        plan = hospital_plan(base, accounts["it@valley-hospital.example"])
        assert "Remediation plan: Valley County Hospital" in plan
        assert "Upgrade salt from 2019.2.0 to" in plan and "Known exploited" in plan
    finally:
        process.terminate()
        process.wait(timeout=15)
    again, base, process = run_demo(env)
    try:
        assert "483 real advisories" in again.pop("knowledge")
        assert set(again) == set(accounts)
        email = "it@valley-hospital.example"
        assert again[email] != accounts[email]
        assert sign_in(base, email, accounts[email]) == 401  # the old one-time password is gone
        assert sign_in(base, email, again[email]) == 303
    finally:
        process.terminate()
        process.wait(timeout=15)
