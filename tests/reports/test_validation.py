"""Validation: the oracle readings, the verdict rules, hostile PoCs, and infrastructure errors.

The sandbox runs are real (bubblewrap, the target's wheels from PyPI, prepared once and kept in
the test sandbox folder, like the corpus test's).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearinghouse.config import Settings
from clearinghouse.jobs import JobContext
from clearinghouse.knowledge import service as knowledge_service
from clearinghouse.reports import cli as reports_cli
from clearinghouse.reports import environments, oracle
from clearinghouse.reports.schemas import ReportIn, Verdict
from clearinghouse.reports.tasks import VALIDATION_RETRIES, ground_report, validate_report
from clearinghouse.reports.validation import (
    Config,
    FixedVersion,
    InfrastructureError,
    Validator,
    capped,
    known_fix,
)
from clearinghouse.runtime import Runtime
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.sandbox.interface import Limits
from tests.conftest import service_missing
from tests.identity_world import World, sign_in
from tests.reports.conftest import CORPUS, DATA, finder_headers, sqlparse_report
from tests.reports.test_validation_corpus import SANDBOX_DIR
from tests.sandbox.test_index import closed_port, only_index

OSV_RECORDS = DATA / "osv-records"
TRACEBACK = """Traceback (most recent call last):
  File "/sandbox/poc.py", line 3, in <module>
    raise Exception("x")
Exception: first

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/sandbox/poc.py", line 5, in <module>
    jwt.decode(token)
jwt.exceptions.InvalidKeyError: Expecting a PEM-formatted key.
"""


def test_the_uncaught_exception_is_the_last_one_printed() -> None:
    assert oracle.uncaught_exception(TRACEBACK) == "jwt.exceptions.InvalidKeyError"
    assert oracle.uncaught_exception("Traceback (most recent call last):\nKeyboardInterrupt\n") == (
        "KeyboardInterrupt"
    )
    assert oracle.uncaught_exception("InvalidKeyError: printed, not raised\n") is None


def test_an_output_pattern_that_backtracks_forever_is_stopped() -> None:
    assert oracle.regex_search(r"^VULN", ["x\nVULN here", "nothing"]) == [True, False]
    with pytest.raises(oracle.OracleTimeout):
        oracle.regex_search(r"^(a+)+$", ["a" * 64 + "!"], timeout=1)


def test_logs_keep_their_head_and_tail() -> None:
    text = capped(b"a" * 1000 + b"b" * 1000, 100)
    assert text.startswith("a" * 50) and text.endswith("b" * 50)
    assert "[1900 bytes left out]" in text


def test_a_failed_build_is_told_by_its_own_last_words() -> None:
    stderr = (
        "  error: subprocess-exited-with-error\n\n"
        "  \u00d7 python setup.py egg_info did not run successfully.\n"
        "  \u2502 exit code: 1\n  \u2570\u2500> [3 lines of output]\n"
        "      Traceback (most recent call last):\n"
        "      SystemExit: needs the network\n      [end of output]\n\n"
        "  note: This error originates from a subprocess.\nerror: metadata-generation-failed\n"
    )
    assert environments.build_error(stderr) == (
        "python setup.py egg_info did not run successfully. / "
        "Traceback (most recent call last): / SystemExit: needs the network"
    )
    assert environments.build_error("one\ntwo\n") == "one / two"


@pytest.fixture(scope="module")
def box() -> BubblewrapSandbox:
    sandbox = BubblewrapSandbox(SANDBOX_DIR)
    if not sandbox.check().usable:
        service_missing("the bubblewrap sandbox", "see `clearinghouse sandbox check`")
    return sandbox


def _report(poc: str, oracle_: dict[str, Any], **changes: Any) -> ReportIn:
    document = sqlparse_report()
    document["proof_of_concept"]["files"] = [{"path": "poc.py", "content": poc}]
    document["proof_of_concept"]["oracle"] = oracle_
    for key, value in changes.items():
        document["proof_of_concept"][key] = value
    return ReportIn.model_validate(document)


QUICK = Config(
    runs=1,
    limits=Limits(
        wall_seconds=5,
        cpu_seconds=5,
        memory_bytes=256 * 2**20,
        processes=32,
        output_bytes=64 * 1024,
        artifact_bytes=0,
        artifact_files=0,
    ),
)
HOSTILE = {
    "fork bomb": ("import os\nwhile True:\n    os.fork()\n", {"kind": "exit_code", "exit_code": 3}),
    "huge output": (
        "while True:\n    print('x' * 65536)\n",
        {"kind": "output_regex", "stream": "stdout", "pattern": "^DONE"},
    ),
    "sleeping forever": (
        "import time\ntime.sleep(10**6)\nprint('WOKE')\n",
        {"kind": "output_regex", "stream": "stdout", "pattern": "^WOKE"},
    ),
    "writing outside": (
        "for path in ('/usr/lib/ch-escape', '/etc/ch-escape', '/tmp/../ch-escape'):\n"
        "    try:\n        open(path, 'w').write('x')\n        print('WROTE', path)\n"
        "    except OSError as exc:\n        print('refused', path, exc)\n",
        {"kind": "output_regex", "stream": "stdout", "pattern": "^WROTE /(usr|etc)"},
    ),
    "the network": (
        "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
        "    print('CONNECTED')\nexcept OSError as exc:\n    print('no network:', exc)\n",
        {"kind": "output_regex", "stream": "stdout", "pattern": "^CONNECTED"},
    ),
}


def test_hostile_pocs_are_bounded_and_reported_cleanly(box: BubblewrapSandbox) -> None:
    outcomes = {}
    for name, (poc, oracle_) in HOSTILE.items():
        outcome = Validator(box, QUICK).validate(
            _report(poc, oracle_), FixedVersion("0.4.2", "report")
        )
        assert outcome.verdict is Verdict.NOT_REPRODUCED, (name, outcome.reason)
        (run,) = outcome.evidence["versions"][0]["runs"]
        assert run["wall_seconds"] < 30, name
        outcomes[name] = run
    assert outcomes["fork bomb"]["process_limit_hit"] or outcomes["fork bomb"]["limit"]
    assert outcomes["huge output"]["limit"] == "output"
    assert outcomes["huge output"]["stdout_bytes"] > 64 * 1024
    assert len(outcomes["huge output"]["stdout"]) < 10 * 1024  # the stored log is capped
    assert outcomes["sleeping forever"]["limit"] == "wall_time"
    assert "refused /usr/lib/ch-escape" in outcomes["writing outside"]["stdout"]
    assert not Path("/usr/lib/ch-escape").exists() and not Path("/etc/ch-escape").exists()
    assert "no network" in outcomes["the network"]["stdout"]


def test_the_verdict_depends_on_where_the_fix_comes_from(box: BubblewrapSandbox) -> None:
    """The same PoC triggers on both versions: against the report's own fixed version it shows
    nothing; against a fix the knowledge base knows, the fix does not stop it."""
    document = json.loads((CORPUS / "bogus" / "absurd-argument-type.json").read_text())
    report = ReportIn.model_validate(document)
    claimed = Validator(box, QUICK).validate(report, FixedVersion("0.4.2", "report"))
    assert claimed.verdict is Verdict.NOT_REPRODUCED
    known = Validator(box, QUICK).validate(report, FixedVersion("0.4.2", "knowledge base"))
    assert known.verdict is Verdict.REPRODUCED_UNFIXED
    none = Validator(box, QUICK).validate(report, None)
    assert none.verdict is Verdict.REPRODUCED_UNFIXED
    assert [v["role"] for v in none.evidence["versions"]] == ["affected"]


def test_every_verdict_keeps_its_evidence(box: BubblewrapSandbox) -> None:
    report = ReportIn.model_validate_json(
        (CORPUS / "bogus" / "absurd-argument-type.json").read_text()
    )
    outcome = Validator(box, Config(runs=3, limits=QUICK.limits)).validate(
        report, FixedVersion("0.4.2", "report")
    )
    evidence = outcome.evidence
    content = report.proof_of_concept.files[0].content.encode()
    assert evidence["inputs"]["poc_files"] == [
        {"path": "poc.py", "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    ]
    affected, fixed = evidence["versions"]
    assert (affected["version"], fixed["version"]) == ("0.4.1", "0.4.2")
    assert len(affected["runs"]) == 3 and affected["triggered"] == 3 and not affected["flaky"]
    environment = affected["environment"]
    assert environment["python"].startswith("3.11")
    assert {"name": "sqlparse", "version": "0.4.1"} in environment["installed"]
    assert all(len(d["sha256"]) == 64 for d in environment["distributions"])
    assert any(d["file"].startswith("sqlparse-0.4.1-") for d in environment["distributions"])
    assert "TypeError" in affected["runs"][0]["stderr"]
    assert set(evidence["timings"]) == {
        "prepare_seconds", "install_seconds", "sandbox_seconds", "poc_seconds", "total_seconds"
    }  # fmt: skip
    assert evidence["timings"]["poc_seconds"] > 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"command": ["python4", "poc.py"]}, "does not exist in the sandbox"),
        ({"command": ["./poc.py"]}, "not executable"),
        ({"command": ["/root/tool"]}, "does not exist in the sandbox"),
        ({"command": ["python", "poc\x00.py"]}, "NUL"),
        ({"files": [{"path": "out", "content": "x"}]}, "reserved"),
        (
            {"files": [{"path": "a", "content": "x"}, {"path": "a/b.py", "content": "x"}]},
            "inside the file 'a'",
        ),
    ],
)
def test_a_poc_that_cannot_run_as_written_is_invalid(
    box: BubblewrapSandbox, changes: dict[str, Any], message: str
) -> None:
    document = copy.deepcopy(sqlparse_report())
    document["proof_of_concept"].update(changes)
    outcome = Validator(box, QUICK).validate(ReportIn.model_validate(document), None)
    assert outcome.verdict is Verdict.INVALID
    assert message in outcome.reason


@pytest.fixture
def broken_sandbox_settings(settings: Settings, tmp_path: Path) -> Settings:
    # A sandbox folder others can write: the host check refuses it, nothing runs.
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    return settings.model_copy(update={"sandbox_dir": shared / "box"})


def test_infrastructure_failures_are_retried_then_the_verdict_is_error(
    client: TestClient, world: World, broken_sandbox_settings: Settings
) -> None:
    headers = finder_headers(world)
    report = client.post("/api/v1/reports", json=sqlparse_report(), headers=headers).json()[
        "report"
    ]
    runtime = world.runtime
    queued: list[str] = []
    context = JobContext(
        runtime.settings, runtime.sessions, "t", lambda name, **kw: queued.append(name) or "x"
    )
    ground_report(context, report_id=report["id"])
    assert queued == ["reports.validate"]
    broken = JobContext(broken_sandbox_settings, runtime.sessions, "t")
    for _ in range(VALIDATION_RETRIES):
        with pytest.raises(Exception, match=r"sandbox folder|owned|write"):
            validate_report(broken, report_id=report["id"])
        shown = client.get(f"/api/v1/reports/{report['id']}", headers=headers).json()
        assert shown["status"] == "grounded" and shown["verdict"] is None
    assert validate_report(broken, report_id=report["id"])["verdict"] == "error"
    shown = client.get(f"/api/v1/reports/{report['id']}", headers=headers).json()
    assert (shown["status"], shown["verdict"]) == ("validation_failed", "error")
    assert len(shown["verdict_details"]["validation_attempts"]) == VALIDATION_RETRIES + 1
    # A report already past validation is not validated again.
    assert validate_report(broken, report_id=report["id"])["skipped"] is True


def test_the_evidence_is_shown_by_the_api_and_the_report_page(
    client: TestClient, browser_client: TestClient, world: World, settings: Settings
) -> None:
    document = json.loads((CORPUS / "bogus" / "absurd-argument-type.json").read_text())
    headers = finder_headers(world)
    report = client.post("/api/v1/reports", json=document, headers=headers).json()["report"]
    runtime = world.runtime
    context = JobContext(
        settings.model_copy(update={"sandbox_dir": SANDBOX_DIR, "validation_runs": 2}),
        runtime.sessions,
        "t",
    )
    if not BubblewrapSandbox(SANDBOX_DIR).check().usable:
        service_missing("the bubblewrap sandbox", "see `clearinghouse sandbox check`")
    ground_report(context, report_id=report["id"])
    assert validate_report(context, report_id=report["id"])["verdict"] == "not_reproduced"
    shown = client.get(f"/api/v1/reports/{report['id']}", headers=headers).json()
    assert (shown["status"], shown["verdict"]) == ("validated", "not_reproduced")
    validation = shown["verdict_details"]["validation"]
    assert [len(v["runs"]) for v in validation["versions"]] == [2, 2]
    assert "grounding" in shown["verdict_details"]
    sign_in(browser_client, world.users["finder_admin"])
    page = browser_client.get(f"/reports/{report['id']}")
    assert page.status_code == 200
    assert "the version the report says is fixed" in page.text
    assert "sqlparse==0.4.2" in page.text and "TypeError" in page.text


def test_the_knowledge_base_gives_the_lowest_fix_above_every_affected_version(
    runtime: Runtime, tmp_path: Path
) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    for name in ("PYSEC-2021-335.yaml", "PYSEC-2022-42969.yaml"):
        shutil.copy(OSV_RECORDS / name, feed / name)
    knowledge_service.import_feed(runtime.sessions, "osv", feed)
    with runtime.sessions() as session:
        assert known_fix(session, "AccessControl", ["4.1"]) == FixedVersion(
            "4.3", "knowledge base", ("PYSEC-2021-335",)
        )
        assert known_fix(session, "accesscontrol", ["5.1"]).version == "5.2"  # type: ignore[union-attr]
        # 4.3 leaves the first range only; both versions leave every range at 5.2.
        assert known_fix(session, "accesscontrol", ["4.1", "5.1"]).version == "5.2"  # type: ignore[union-attr]
        assert known_fix(session, "accesscontrol", ["4.3"]) is None  # not affected
        assert known_fix(session, "py", ["1.11.0"]) is None  # affected, never fixed


def test_a_link_planted_by_the_build_run_is_never_followed(tmp_path: Path) -> None:
    target = tmp_path / "host-file"
    target.write_text("host")
    (tmp_path / "complete.json").symlink_to(target)
    with pytest.raises(environments.BuildFailed):
        environments._write_new(tmp_path / "complete.json", b"{}")
    assert target.read_text() == "host"


# -- releases published only as an sdist, and pins that do not exist -------------------------


def _package_report(
    name: str, affected: str, poc: str, oracle_: dict[str, Any], **changes: Any
) -> ReportIn:
    document = sqlparse_report()
    purl = f"pkg:pypi/{name}"
    document["target"] = {"kind": "package", "purl": purl, "affected_versions": [affected]}
    document["proof_of_concept"]["files"] = [{"path": "poc.py", "content": poc}]
    document["proof_of_concept"]["oracle"] = oracle_
    document["proof_of_concept"]["environment"].update(changes)
    return ReportIn.model_validate(document)


def test_a_release_published_only_as_an_sdist_is_built_in_the_sandbox(
    box: BubblewrapSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """six 1.4.1 has no wheel on PyPI, only six-1.4.1.tar.gz; 1.16.0 has a wheel."""
    report = _package_report(
        "six",
        "1.4.1",
        "import six\nprint('six', six.__version__)\n",
        {"kind": "output_regex", "stream": "stdout", "pattern": r"^six 1\.4\.1$"},
    )
    outcome = Validator(box, QUICK).validate(report, FixedVersion("1.16.0", "report"))
    assert outcome.verdict is Verdict.REPRODUCED, outcome.reason
    affected, fixed = outcome.evidence["versions"]
    (built,) = affected["environment"]["built_from_sdist"]
    assert built["requirement"] == "six==1.4.1"
    assert built["file"] == "six-1.4.1.tar.gz"
    assert built["built"] == "in the sandbox, offline"
    assert built["build_requires"] == ["setuptools>=40.8.0", "wheel"]
    # The digest PyPI publishes for six-1.4.1.tar.gz, checked when it was fetched.
    assert built["sha256"] == "f045afd6dffb755cc0411acb7ce9acc4de0e71261d4b5f91de2e68d9aa5f8367"
    assert {"name": "six", "version": "1.4.1"} in affected["environment"]["installed"]
    assert fixed["environment"]["built_from_sdist"] == []
    assert not fixed["reproduces"]
    reports_cli._validation_tables(outcome.evidence)  # what `reports show ID` prints
    assert "six==1.4.1: no wheel; built from six-1.4.1.tar.gz in the sandbox, offline" in (
        capsys.readouterr().out
    )


@pytest.fixture
def own_box() -> Any:
    """A sandbox with its own empty caches (reachable by uid 65534, unlike tmp_path)."""
    root = Path(tempfile.mkdtemp(prefix="ch-sdist-", dir="/tmp"))
    root.chmod(0o711)
    sandbox = BubblewrapSandbox(root / "box")
    if not sandbox.check().usable:
        service_missing("the bubblewrap sandbox", "see `clearinghouse sandbox check`")
    yield sandbox
    shutil.rmtree(root, ignore_errors=True)


def _local_sdist(folder: Path, monkeypatch: pytest.MonkeyPatch, name: str, setup_py: str) -> None:
    """An sdist `name`-1.0 with this setup.py, offered to pip through find-links (its build
    requirements still come from the configured index)."""
    package = folder / f"{name}-1.0"
    package.mkdir()
    (package / "setup.py").write_text(setup_py)
    (package / "PKG-INFO").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    links = folder / "links"
    links.mkdir()
    with tarfile.open(links / f"{name}-1.0.tar.gz", "w:gz") as archive:
        archive.add(package, arcname=f"{name}-1.0")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))


def test_an_sdist_that_does_not_build_offline_is_an_error_not_the_finder_s(
    own_box: BubblewrapSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its setup.py wants the network: it fails in the sandbox, and never ran on this side."""
    mark = tmp_path / "setup-py-ran"
    _local_sdist(
        tmp_path,
        monkeypatch,
        "needsnet",
        f"try:\n    open({str(mark)!r}, 'w').write('ran')\nexcept OSError:\n    pass\n"
        "raise SystemExit('needsnet: this build downloads its sources from the network')\n",
    )
    report = _package_report(
        "needsnet",
        "1.0",
        "import needsnet\n",
        {"kind": "output_regex", "stream": "stdout", "pattern": "^never"},
    )
    outcome = Validator(own_box, QUICK).validate(report, None)
    assert outcome.verdict is Verdict.ERROR
    assert outcome.reason.startswith("the sdist of needsnet==1.0 did not build offline")
    assert "downloads its sources from the network" in outcome.reason
    assert "downloads its sources" in outcome.evidence["build_log"]
    assert outcome.evidence["versions"] == []
    assert not mark.exists()
    assert not any((own_box.root / "environments").glob("[!.]*"))  # nothing half-built kept

    # The same sdist in the same build environment fails the same way: not built again.
    builds: list[object] = []
    run = own_box.run
    monkeypatch.setattr(own_box, "run", lambda *a, **k: builds.append(a) or run(*a, **k))
    again = Validator(own_box, QUICK).validate(report, None)
    assert again.verdict is Verdict.ERROR
    assert again.reason.startswith(outcome.reason)
    assert again.reason.endswith("(the same build failed before; not run again)")
    assert again.evidence["build_log"] == outcome.evidence["build_log"]
    assert builds == []
    # Other limits make another build environment: that one is tried.
    other = replace(environments.BUILD_LIMITS, wall_seconds=500)
    with pytest.raises(environments.SdistBuildFailed, match="build offline") as failed:
        environments.environment(own_box, ["needsnet==1.0"], limits=other)
    assert "not run again" not in str(failed.value)
    assert len(builds) == 1


def test_a_failed_build_record_is_written_whole_and_an_unreadable_one_is_ignored(
    tmp_path: Path,
) -> None:
    (tmp_path / "k.json").write_text('{"message": "m", "log": ')  # cut short
    assert environments._known_failure(tmp_path, "k") is None
    failure = environments.SdistBuildFailed("m", b"\xff\x00 pip's log")
    environments._record_failure(tmp_path, "k", failure)
    known = environments._known_failure(tmp_path, "k")
    assert known is not None and known.log == failure.log
    assert str(known) == "m (the same build failed before; not run again)"
    assert [p.name for p in tmp_path.iterdir()] == ["k.json"]


def test_an_sdist_build_stopped_by_a_sandbox_limit_is_not_blamed_on_the_sdist(
    own_box: BubblewrapSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The memory limit is ours: the build is an infrastructure failure (the job retries it),
    not `SdistBuildFailed`, whose verdict `error` is final at once."""
    _local_sdist(tmp_path, monkeypatch, "hog", "held = b'x' * (768 * 2**20)\n")
    small = replace(environments.BUILD_LIMITS, memory_bytes=256 * 2**20)
    with pytest.raises(environments.BuildFailed, match="limit memory") as stopped:
        environments.environment(own_box, ["hog==1.0"], limits=small)
    assert not isinstance(stopped.value, environments.SdistBuildFailed)
    assert not any((own_box.root / "environments").glob("[!.]*"))
    assert not any((own_box.root / environments.FAILED_BUILDS).glob("*"))  # not remembered


@pytest.mark.parametrize(
    ("changes", "fixed", "message"),
    [
        (
            {"dependencies": ["requests==99.0.0"]},
            None,
            "the PoC's dependency requests==99.0.0 does not exist: requests has no release 99.0.0",
        ),
        (
            {"affected": "99.0.0"},
            None,
            "the target version sqlparse==99.0.0 does not exist: sqlparse has no release 99.0.0",
        ),
        (
            {},
            FixedVersion("99.0.1", "report"),
            "the target version sqlparse==99.0.1 does not exist",
        ),
    ],
)
def test_a_pin_that_does_not_exist_is_the_finder_s_mistake(
    box: BubblewrapSandbox,
    changes: dict[str, Any],
    fixed: FixedVersion | None,
    message: str,
) -> None:
    document = json.loads((CORPUS / "bogus" / "absurd-argument-type.json").read_text())
    document["proof_of_concept"]["environment"]["dependencies"] = changes.get("dependencies", [])
    if "affected" in changes:
        document["target"]["affected_versions"] = [changes["affected"]]
    outcome = Validator(box, QUICK).validate(ReportIn.model_validate(document), fixed)
    assert outcome.verdict is Verdict.INVALID, outcome.reason
    assert outcome.reason.startswith(message)


def test_a_known_fix_the_index_lacks_is_not_the_finder_s_mistake(box: BubblewrapSandbox) -> None:
    report = ReportIn.model_validate_json(
        (CORPUS / "bogus" / "absurd-argument-type.json").read_text()
    )
    with pytest.raises(InfrastructureError, match=r"known fix sqlparse==99\.0\.1 does not exist"):
        Validator(box, QUICK).validate(report, FixedVersion("99.0.1", "knowledge base"))


def test_an_unreachable_index_is_an_infrastructure_error(
    box: BubblewrapSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not `invalid`: the job retries it and, in the end, records `error`."""
    only_index(monkeypatch, f"http://127.0.0.1:{closed_port()}/simple")
    report = _report(
        "import idna\n",
        {"kind": "output_regex", "stream": "stdout", "pattern": "^never"},
        environment={"python": "3.11", "dependencies": ["idna==3.7"]},
    )
    with pytest.raises(InfrastructureError, match=r"cannot reach http://127\.0\.0\.1"):
        Validator(box, QUICK).validate(report, None)


def test_the_page_says_the_target_was_built_from_its_sdist(
    client: TestClient, browser_client: TestClient, world: World, settings: Settings
) -> None:
    """Through the jobs: grounding reads six-1.4.1.tar.gz from PyPI, validation builds it."""
    document = sqlparse_report()
    document["target"] = {"kind": "package", "purl": "pkg:pypi/six", "affected_versions": ["1.4.1"]}
    document["locations"] = [{"file": "six.py", "symbol": "with_metaclass"}]
    document["fixed_version"] = None
    document["proof_of_concept"]["files"] = [
        {"path": "poc.py", "content": "import six\nprint('six', six.__version__)\n"}
    ]
    document["proof_of_concept"]["oracle"] = {
        "kind": "output_regex", "stream": "stdout", "pattern": r"^six 1\.4\.1$"
    }  # fmt: skip
    headers = finder_headers(world)
    report = client.post("/api/v1/reports", json=document, headers=headers).json()["report"]
    context = JobContext(
        settings.model_copy(
            update={
                "sandbox_dir": SANDBOX_DIR,
                "validation_runs": 1,
                "source_index_url": "https://pypi.org/simple",
            }
        ),
        world.runtime.sessions,
        "t",
    )
    if not BubblewrapSandbox(SANDBOX_DIR).check().usable:
        service_missing("the bubblewrap sandbox", "see `clearinghouse sandbox check`")
    assert ground_report(context, report_id=report["id"])["status"] == "grounded"
    assert validate_report(context, report_id=report["id"])["verdict"] == "reproduced_unfixed"
    sign_in(browser_client, world.users["finder_admin"])
    page = browser_client.get(f"/reports/{report['id']}")
    assert "built from its sdist" in page.text and "six-1.4.1.tar.gz" in page.text
