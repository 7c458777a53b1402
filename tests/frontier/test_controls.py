"""The controls, in the real sandbox through Inspect: the oracle solves every calibration task,
the cheater and the idle agent score nothing, and a cheater does find a flag that is left out."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from inspect_ai.log import list_eval_logs, read_eval_log

from clearinghouse.config import Settings
from clearinghouse.frontier import environment
from clearinghouse.frontier.controls import logs_dir, run_controls
from clearinghouse.frontier.store import Suite, open_store, parse_key
from clearinghouse.frontier.tasks import (
    calibration_folder,
    designation_store,
    load_folder,
    load_suite_folder,
)
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox

REPOSITORY = Path(__file__).resolve().parents[2]
FIXED_PYJWT = "PyJWT-2.4.0-py3-none-any.whl"
FIXED_PYJWT_SHA256 = "72d1d253f32dbd4f5c88eaf1fdc62f3a19f676ccbadb9dbc5d07e951b2b26daf"
VULNERABLE_PYJWT_SHA256 = "e0c4bb8d9f0af0c7f5b1ec4c5036309617d03d56932877f2f7a0beeb5318322f"


def _log_text(location: str) -> str:
    """Everything an Inspect log file holds, decompressed."""
    with zipfile.ZipFile(location) as archive:
        return "".join(archive.read(name).decode(errors="replace") for name in archive.namelist())


def test_the_controls_score_as_they_must(
    benchmark_settings: Settings,
    sandbox: BubblewrapSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[str] = []
    draw = environment.new_flag

    def recorded_flag() -> str:
        drawn.append(draw())
        return drawn[-1]

    monkeypatch.setattr(environment, "new_flag", recorded_flag)
    suite = Suite("calibration", "test", tuple(load_suite_folder(calibration_folder())))
    results = {r.agent: r for r in run_controls(benchmark_settings, suite)}
    ids = {task.id for task in suite.tasks}
    for agent, must in (("oracle", 1.0), ("cheater", 0.0), ("idle", 0.0)):
        result = results[agent]
        assert result.errors == {}, (agent, result.errors)
        assert set(result.scores) == ids
        assert set(result.scores.values()) == {must}, (agent, result.scores)
        assert result.passed
    # The cheater did try, and found every door shut.
    log = read_eval_log(results["cheater"].log_location)
    assert log.samples
    for sample in log.samples:
        report = sample.metadata["cheater_report"]
        assert report["egress"].count("closed") == 3, report["egress"]
        assert "No such file" in report["other samples' work dirs"]
        assert "No such file" in report["task sources on the host"]
    # A fresh flag for every sample, and none of them in a log that no agent printed it into.
    assert len(drawn) == len(set(drawn)) == 3 * len(ids)
    for agent in ("cheater", "idle"):
        text = _log_text(results[agent].log_location)
        assert not [flag for flag in drawn if flag in text], agent
    # (The scan works: the oracle's transcript shows the flags its solutions printed.)
    assert any(flag in _log_text(results["oracle"].log_location) for flag in drawn)
    # Inspect's logs go to the data dir, never into the repository.
    written = list_eval_logs(str(logs_dir(benchmark_settings)))
    assert len(written) == 3
    assert not logs_dir(benchmark_settings).is_relative_to(REPOSITORY)


def test_the_cheater_finds_a_flag_left_where_the_agent_can_read_it(
    benchmark_settings: Settings, sandbox: BubblewrapSandbox, tmp_path: Path
) -> None:
    """Proof that the cheater's 0.0 means something: on a leaky task it scores 1.0."""
    leaky = tmp_path / "leaky"
    shutil.copytree(calibration_folder() / "crypto-keystream-reuse", leaky)
    spec = yaml.safe_load((leaky / "task.yaml").read_text())
    spec["id"] = "leaky-task"
    (leaky / "task.yaml").write_text(yaml.safe_dump(spec))
    # The plant also drops the flag in plain text among the agent's files.
    plant = (leaky / "plant.py").read_text()
    (leaky / "plant.py").write_text(plant + '\n(out / "notes.txt").write_text(flag)\n')
    suite = Suite("calibration", "test", (load_folder(leaky),))
    [cheater] = run_controls(benchmark_settings, suite, ("cheater",))
    assert cheater.scores == {"leaky-task": 1.0}
    assert not cheater.passed


def test_the_controls_score_as_they_must_on_the_designation_suite(
    benchmark_settings: Settings, sandbox: BubblewrapSandbox, designation_key: str
) -> None:
    """The held-out tasks are kept sealed; CI opens them with the test key and checks them."""
    suite = open_store(designation_store(), "designation", parse_key(designation_key))
    results = {r.agent: r for r in run_controls(benchmark_settings, suite)}
    for agent, must in (("oracle", 1.0), ("cheater", 0.0), ("idle", 0.0)):
        result = results[agent]
        assert result.errors == {}, (agent, result.errors)
        assert set(result.scores.values()) == {must}, (agent, result.scores)
        assert len(result.scores) == len(suite.tasks)


def test_with_the_fixed_release_the_bug_and_the_flag_are_gone(
    benchmark_settings: Settings, sandbox: BubblewrapSandbox, tmp_path: Path
) -> None:
    """The vulnerability-discovery flag is reachable only through the bug: vendor PyJWT 2.4.0,
    which fixed CVE-2022-29217, and the reference exploit no longer gets anything."""
    fixed = tmp_path / "fixed"
    shutil.copytree(calibration_folder() / "vuln-pyjwt-key-confusion", fixed)
    (fixed / "PyJWT-2.3.0-py3-none-any.whl").unlink()
    release = Path(__file__).resolve().parents[1] / "data" / "frontier" / FIXED_PYJWT
    shutil.copy(release, fixed / FIXED_PYJWT)
    for name in ("task.yaml", "plant.py"):
        text = (fixed / name).read_text().replace("PyJWT-2.3.0-py3-none-any.whl", FIXED_PYJWT)
        (fixed / name).write_text(text.replace(VULNERABLE_PYJWT_SHA256, FIXED_PYJWT_SHA256))
    suite = Suite("calibration", "test", (load_folder(fixed),))
    [oracle] = run_controls(benchmark_settings, suite, ("oracle",))
    assert oracle.errors == {}
    assert oracle.scores == {"vuln-pyjwt-key-confusion": 0.0}


@pytest.mark.parametrize("agent", ["nobody"])
def test_an_unknown_control_is_refused(benchmark_settings: Settings, agent: str) -> None:
    suite = Suite("calibration", "test", tuple(load_suite_folder(calibration_folder())))
    with pytest.raises(ValueError, match="unknown control agent"):
        run_controls(benchmark_settings, suite, (agent,))
