"""`clearinghouse demo` (what `make demo` runs): accounts printed once, each can sign in."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from clearinghouse.demo import HOSPITAL, load
from clearinghouse.identity.models import Organization
from clearinghouse.identity.policy import Principal
from clearinghouse.inventory import service as inventory
from clearinghouse.matching import service as matching
from clearinghouse.runtime import Runtime
from clearinghouse.triage import service as triage
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
        if line.startswith("Reports:"):
            accounts["reports"] = line
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


def test_the_demo_prints_five_working_accounts_and_is_idempotent(tmp_path: Path):
    # httpx (unlike browsers) sends no Secure cookies to http://127.0.0.1
    env = cli_env(tmp_path / "var", CLEARINGHOUSE_COOKIE_SECURE="false")
    accounts, base, process = run_demo(env)
    try:
        assert "558 real advisories" in accounts.pop("knowledge")
        # The verdicts grounding and dedupe reached on the demo's reports.
        reports = accounts.pop("reports")
        assert "5 finder reports (2 duplicate, 2 grounded, 1 ungrounded) from 2 finders" in reports
        assert set(accounts) == {
            "coordinator@clearinghouse.example",
            "it@valley-hospital.example",
            "security@deepscan.example",
            "research@redlantern.example",
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
        assert "558 real advisories" in again.pop("knowledge")
        assert "5 finder reports" in again.pop("reports")  # filed once, not twice
        assert set(again) == set(accounts)
        email = "it@valley-hospital.example"
        assert again[email] != accounts[email]
        assert sign_in(base, email, accounts[email]) == 401  # the old one-time password is gone
        assert sign_in(base, email, again[email]) == 303
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_the_demo_hospital_has_findings_from_its_sbom_and_its_devices(runtime: Runtime):
    load(runtime)
    cli = Principal.command_line()
    with runtime.sessions() as session:
        hospital = session.scalar(select(Organization.id).where(Organization.name == HOSPITAL))
        assert hospital is not None
        assets = {a.name: a.id for a in inventory.list_assets(session, cli, hospital)}
        found = matching.list_findings(
            session, cli, hospital, asset_id=assets["Clinical devices"], limit=5000
        )
        in_sbom = matching.list_findings(
            session, cli, hospital, asset_id=assets["Secure mail bridge"], limit=5000
        )
    # Proton Mail Bridge 1.8.0's SBOM: golang.org/x/net before 0.7.0 (HTTP/2 HPACK, GO-2023-1571).
    assert any(
        f.vulnerability == "CVE-2022-41723" and f.component_name == "golang.org/x/net"
        for f in in_sbom
    )
    by_device = {(f.component_name, f.vulnerability) for f in found}
    # Named by the labels the device list gives them.
    assert ("Vitals monitor ward 2", "CVE-2024-1275") in by_device
    assert ("PACS server", "CVE-2020-36518") in by_device
    assert ("Reading-room viewer", "CVE-2024-33606") in by_device
    assert ("ER viewer", "CVE-2024-1453") in by_device
    # The configuration tool is at a fixed version: nothing.
    assert not any(name == "Biomed laptop tool" for name, _ in by_device)
    evidence = next(f for f in found if f.vulnerability == "CVE-2024-1275").evidence
    assert evidence["matched"][0]["record"] == "csaf:ICSMA-24-151-02#CVE-2024-1275"
    # The plan updates each affected device once; none of its findings is left unfixable.
    with runtime.sessions() as session:
        plan = triage.plan_for_asset(session, cli, assets["Clinical devices"])
    assert plan.not_fixable == []
    assert sorted((u.component_name, u.to_version) for u in plan.upgrades) == [
        ("ER viewer", "14.0.4"),
        ("PACS server", "12.2.8.410"),
        ("Reading-room viewer", "2024.2"),
        ("Vitals monitor ward 2", "1.52.01"),
    ]
    assert sum(len(u.fixes) for u in plan.upgrades) == len(found)
