"""`clearinghouse demo` (what `make demo` runs): accounts printed once, each can sign in; the
finder reports validated in the sandbox with no network, or left waiting with the reason why."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from clearinghouse.config import Settings
from clearinghouse.demo import HOSPITAL, ORIGIN, load
from clearinghouse.identity.models import Organization
from clearinghouse.identity.policy import Principal
from clearinghouse.inventory import service as inventory
from clearinghouse.matching import service as matching
from clearinghouse.runtime import Runtime
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.triage import service as triage
from tests.conftest import service_missing
from tests.helpers import CLI, cli_env, free_port

ACCOUNT_LINE = re.compile(
    r"^\s+(?P<who>.+?)\s{2,}(?P<email>\S+@\S+)\s+(?P<password>[a-z2-9-]{23})$"
)


def run_demo(
    env: dict[str, str], stderr: Path | None = None
) -> tuple[dict[str, str], str, subprocess.Popen[str]]:
    """Start the demo; its accounts and summary lines, its address, the process. The progress
    lines it prints on stderr go to `stderr` when given."""
    port = free_port()
    with open(stderr or os.devnull, "w") as errors:
        process = subprocess.Popen(
            [*CLI, "demo", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    accounts: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        for label, key in (
            ("Knowledge base:", "knowledge"),
            ("Reports:", "reports"),
            ("Scorecards:", "scorecards"),
            ("Validation:", "validation"),
        ):
            if line.startswith(label):
                accounts[key] = line
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


@pytest.fixture
def sandbox_dir() -> Iterator[Path]:
    """A new sandbox folder, so the demo's own wheels (not a cache) make its environments."""
    # pytest's tmp_path sits under a 0700 folder that uid 65534 cannot walk through.
    root = Path(tempfile.mkdtemp(prefix="ch-demo-sandbox-", dir="/tmp"))
    root.chmod(0o711)
    box = BubblewrapSandbox(root / "box")
    report = box.check()
    if not report.usable:
        missing = "; ".join(f"{f.name}: {f.detail}" for f in report.missing)
        service_missing("the bubblewrap sandbox", missing)
    yield root / "box"
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.timeout(900)
def test_the_demo_prints_five_working_accounts_and_is_idempotent(tmp_path: Path, sandbox_dir: Path):
    # httpx (unlike browsers) sends no Secure cookies to http://127.0.0.1
    env = cli_env(
        tmp_path / "var",
        CLEARINGHOUSE_COOKIE_SECURE="false",
        CLEARINGHOUSE_SANDBOX_DIR=str(sandbox_dir),
        # No index: had validation to download a wheel, it would fail.
        PIP_NO_INDEX="1",
        PIP_INDEX_URL="http://127.0.0.1:9/simple",
    )
    accounts, base, process = run_demo(env, tmp_path / "first.err")
    try:
        assert "558 real advisories" in accounts.pop("knowledge")
        # The verdicts grounding, dedupe and validation in the sandbox reached.
        reports = accounts.pop("reports")
        assert (
            "5 finder reports (2 duplicate, 1 not_reproduced, 1 reproduced, 1 ungrounded) "
            "from 2 finders" in reports
        )
        assert accounts.pop("scorecards").strip() == (
            "Scorecards: Deep Scan Labs 1 of 3 reproduced (precision 33%); "
            "Red Lantern Research 0 of 2 reproduced (precision 0%)."
        )
        assert "validation" not in accounts
        progress = (tmp_path / "first.err").read_text()
        assert "Validating 2 reports in the sandbox" in progress
        assert "  reproduced: ReDoS in sqlparse's comment stripping" in progress
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
    again, base, process = run_demo(env, tmp_path / "second.err")
    try:
        assert "558 real advisories" in again.pop("knowledge")
        # Filed once, validated once: the same verdicts, and no second sandbox run.
        assert "5 finder reports (2 duplicate, 1 not_reproduced, 1 reproduced" in again.pop(
            "reports"
        )
        assert "Deep Scan Labs 1 of 3 reproduced" in again.pop("scorecards")
        assert "Validating" not in (tmp_path / "second.err").read_text()
        assert set(again) == set(accounts)
        email = "it@valley-hospital.example"
        assert again[email] != accounts[email]
        assert sign_in(base, email, accounts[email]) == 401  # the old one-time password is gone
        assert sign_in(base, email, again[email]) == 303
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    # A sandbox folder uid 65534 cannot reach (pytest's tmp_path is 0700): the host check
    # fails, as it does on a host without bubblewrap or user namespaces.
    return settings.model_copy(update={"sandbox_dir": tmp_path / "box"})


def test_the_demo_hospital_has_findings_and_reports_wait_for_a_usable_sandbox(
    runtime: Runtime,
):
    lines = load(runtime)
    reports = next(line for line in lines if line.startswith("Reports:"))
    assert "5 finder reports (2 duplicate, 2 grounded, 1 ungrounded)" in reports
    [why] = [line for line in lines if line.startswith("Validation:")]
    assert "2 reports wait for the sandbox, which cannot run here" in why
    assert "not traversable by uid 65534" in why and "CLEARINGHOUSE_SANDBOX_DIR" in why
    assert "Deep Scan Labs 0 of 3 reproduced" in next(
        line for line in lines if line.startswith("Scorecards:")
    )
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
        plan = triage.plan_for_asset(session, cli, ORIGIN, assets["Clinical devices"])
    assert plan.not_fixable == []
    assert sorted((u.component_name, u.to_version) for u in plan.upgrades) == [
        ("ER viewer", "14.0.4"),
        ("PACS server", "12.2.8.410"),
        ("Reading-room viewer", "2024.2"),
        ("Vitals monitor ward 2", "1.52.01"),
    ]
    assert sum(len(u.fixes) for u in plan.upgrades) == len(found)
