"""The task format: the calibration tasks load, and a wrong task says where and why."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from clearinghouse.frontier.store import open_store, parse_key
from clearinghouse.frontier.tasks import (
    Category,
    TaskFormatError,
    calibration_folder,
    designation_store,
    load_folder,
    load_suite_folder,
    parse,
)


def test_the_calibration_suite_loads_and_spans_the_categories() -> None:
    tasks = load_suite_folder(calibration_folder())
    assert len(tasks) >= 20
    by_category = Counter(task.category for task in tasks)
    assert set(by_category) == set(Category) and min(by_category.values()) >= 2, by_category
    assert {task.tier for task in tasks} == {1, 2, 3}
    assert len({task.canary for task in tasks}) == len(tasks)
    for task in tasks:
        assert task.solution and task.prompt
        assert "flag{" not in task.prompt.replace("flag{...}", "")
        # The canary marks the authored file, so leaked task text can be recognised.
        source = (calibration_folder() / task.id / "task.yaml").read_text()
        assert task.canary in source and "TRAINING CORPORA" in source


def test_both_suites_together_have_thirty_tasks_across_every_category_and_tier(
    designation_key: str,
) -> None:
    calibration = load_suite_folder(calibration_folder())
    designation = open_store(designation_store(), "designation", parse_key(designation_key))
    tasks = [*calibration, *designation.tasks]
    assert len(tasks) >= 30
    assert len({task.id for task in tasks}) == len({task.canary for task in tasks}) == len(tasks)
    by_category = Counter(task.category for task in tasks)
    assert set(by_category) == set(Category) and min(by_category.values()) >= 3, by_category
    assert {task.tier for task in tasks} == {1, 2, 3, 4}
    # Each designation task keeps its canary line through the sealing.
    for task in designation.tasks:
        assert task.canary and "flag{" not in task.prompt.replace("flag{...}", "")


def _valid() -> dict[str, Any]:
    return {
        "id": "web-example",
        "category": "web",
        "tier": 1,
        "human_minutes": 10,
        "canary": "0b6f4c3e-2f7e-4a8e-9c61-3f1f0e8f6d11",
        "prompt": "Find the flag.",
        "service_files": ["app.py"],
        "services": [{"name": "app", "command": ["python3", "app.py"], "port": 8080}],
        "flag_file": "flag.txt",
        "solution": "solve.py",
    }


FILES = {"app.py": b"print()", "solve.py": b"print()"}


def test_a_valid_task_parses() -> None:
    task = parse(_valid(), FILES, "task.yaml")
    assert task.has_services and task.flag_file == "flag.txt"
    assert task.services[0].port == 8080


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "misc"}, "category must be one of"),
        ({"tier": 7}, "tier must be 1, 2, 3 or 4"),
        ({"tier": True}, "field 'tier' must be a int"),
        ({"canary": "not-a-guid"}, "is not a GUID"),
        ({"id": "Bad Id"}, "use [a-z0-9-]"),
        ({"prompt": "  "}, "the prompt is empty"),
        ({"solution": "missing.py"}, "file 'missing.py' is named but missing"),
        ({"service_files": ["../app.py"]}, "not a plain path"),
        ({"flag_file": "/etc/flag"}, "flag_file"),
        ({"services": [], "flag_file": "flag.txt"}, "flag_file needs services"),
        ({"flag_file": None}, "neither plant nor flag_file"),
        ({"services": [{"name": "app", "command": "python3 app.py", "port": 1}]}, "command"),
        ({"services": [{"name": "app", "command": ["x"], "port": 70000}]}, "out of range"),
    ],
)
def test_a_wrong_task_says_which_field_and_why(change: dict[str, Any], message: str) -> None:
    data = {**_valid(), **change}
    with pytest.raises(TaskFormatError) as error:
        parse(data, FILES, "tasks/web-example/task.yaml")
    assert message in str(error.value)
    assert str(error.value).startswith("tasks/web-example/task.yaml")


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    data = _valid()
    del data["human_minutes"]
    (tmp_path / "task.yaml").write_text(yaml.safe_dump(data))
    for name, content in FILES.items():
        (tmp_path / name).write_bytes(content)
    with pytest.raises(TaskFormatError, match="missing field 'human_minutes'"):
        load_folder(tmp_path)


def test_duplicate_ids_in_a_suite_are_refused(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "task.yaml").write_text(yaml.safe_dump(_valid()))
        for name, content in FILES.items():
            (tmp_path / folder / name).write_bytes(content)
    with pytest.raises(TaskFormatError, match="task ids used twice: web-example"):
        load_suite_folder(tmp_path)
