"""`clearinghouse scan`: real lockfiles against the real corpora; outputs and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import fastjsonschema
import pytest

import clearinghouse
from clearinghouse.runtime import Runtime
from tests.helpers import cli_env, run_cli
from tests.shared_data import shared_file

# One pytest-xdist worker runs all of these: the corpus_runtime fixture (three OSV corpora) is
# built once.
pytestmark = pytest.mark.xdist_group("osv-corpus")

FIXTURES = "osv-scanner-fixtures/testdata/exp-plugins-pkgdeprecate"


def scan(runtime: Runtime, *args: str) -> tuple[int, str, str]:
    result = run_cli("scan", *args, env=cli_env(runtime.settings.data_dir))
    return result.returncode, result.stdout, result.stderr


def test_a_vulnerable_lockfile_exits_1_and_names_the_advisories(corpus_runtime: Runtime):
    lockfile = shared_file(f"{FIXTURES}/deprecated-vuln/Cargo.lock")
    code, out, err = scan(corpus_runtime, str(lockfile), "--format", "json")
    assert code == 1, err
    document = json.loads(out)
    (result,) = document["results"]
    assert result["source"]["path"] == str(lockfile)
    net2 = [p for p in result["packages"] if p["package"]["name"] == "net2"]
    assert net2 and net2[0]["package"] == {
        "ecosystem": "crates.io",
        "name": "net2",
        "version": "0.2.33",
        "purl": "pkg:cargo/net2@0.2.33",
    }
    ids = {v["id"]: v for v in net2[0]["vulnerabilities"]}
    assert "CVE-2020-35919" in ids and "RUSTSEC-2020-0078" in ids["CVE-2020-35919"]["aliases"]
    assert ids["CVE-2020-35919"]["fixed_versions"] == ["0.2.36"]
    assert "RUSTSEC-2020-0016" in ids  # unmaintained: no fixed version
    assert ids["RUSTSEC-2020-0016"]["fixed_versions"] == []


def test_a_clean_folder_exits_0_and_says_so(corpus_runtime: Runtime):
    code, _, err = scan(corpus_runtime, str(shared_file(f"{FIXTURES}/clean")))
    assert code == 0, err
    assert "no known vulnerabilities" in err


def test_bad_input_exits_2_with_the_reason(corpus_runtime: Runtime, tmp_path: Path):
    code, _, err = scan(corpus_runtime, str(tmp_path / "missing"))
    assert code == 2 and "no such file or folder" in err
    broken = tmp_path / "Cargo.lock"
    broken.write_text('[[package]]\nname = "x"\nversion = ', encoding="utf-8")
    code, _, err = scan(corpus_runtime, str(broken))
    assert code == 2 and "Cargo.lock" in err
    code, _, err = scan(corpus_runtime, str(tmp_path / "nothing-here.txt"), "--json")
    assert code == 2


def test_sarif_output_is_valid_sarif(corpus_runtime: Runtime):
    lockfile = shared_file(f"{FIXTURES}/deprecated-vuln/Cargo.lock")
    code, out, _ = scan(corpus_runtime, str(lockfile), "--format", "sarif")
    assert code == 1
    document = json.loads(out)
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    rules = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in run["results"]} == rules
    assert all(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    )


def test_cyclonedx_vex_output_validates_against_the_1_6_schema(corpus_runtime: Runtime):
    lockfile = shared_file(f"{FIXTURES}/deprecated-vuln/Cargo.lock")
    code, out, _ = scan(corpus_runtime, str(lockfile), "--format", "cyclonedx-vex")
    assert code == 1
    document = json.loads(out)
    # The official schemas, as the product ships them unchanged (with their licence).
    schema_dir = Path(clearinghouse.__file__).parent / "inventory/formats/schemas/cyclonedx"
    schema = json.loads((schema_dir / "bom-1.6.schema.json").read_text(encoding="utf-8"))
    handlers = {
        "http": lambda uri: json.loads((schema_dir / uri.rsplit("/", 1)[-1]).read_text()),
    }
    validate = fastjsonschema.compile(schema, handlers=handlers)
    validate(document)
    refs = {c["bom-ref"] for c in document["components"]}
    assert all(a["ref"] in refs for v in document["vulnerabilities"] for a in v["affects"])
