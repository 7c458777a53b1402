"""A wheelhouse from a local folder of wheels (the demo's): the same cache entry the download
path makes, made with no index, and nothing left behind when a wheel is missing."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from clearinghouse.reports.demo import SDISTS, WHEELS
from clearinghouse.sandbox import prepare
from clearinghouse.sandbox.interface import InvalidRequest
from clearinghouse.sandbox.local_wheels import fill_wheelhouse

PYTHON = "3.11"


@pytest.fixture(autouse=True)
def no_index(monkeypatch: pytest.MonkeyPatch) -> None:
    # Were an index asked, it would be this unreachable one, and the download would fail.
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_NO_INDEX", "1")


def test_the_wheelhouse_is_the_one_the_download_path_would_find(tmp_path: Path) -> None:
    cache = tmp_path / "wheelhouse"
    made = fill_wheelhouse(cache, ["SQLParse==0.4.1"], WHEELS, python_version=PYTHON)
    assert made.name == prepare.wheelhouse_key(("sqlparse==0.4.1",), PYTHON)
    assert sorted(p.name for p in made.iterdir()) == [
        "requirements.txt",
        "sqlparse-0.4.1-py3-none-any.whl",
    ]
    wheel = made / "sqlparse-0.4.1-py3-none-any.whl"
    assert wheel.read_bytes() == (WHEELS / wheel.name).read_bytes()
    assert wheel.stat().st_mode & 0o777 == 0o644
    assert (made / "requirements.txt").read_text() == "sqlparse==0.4.1\n"
    # The download path finds it ready: without it, PIP_NO_INDEX would make it fail.
    assert prepare.prepare_wheelhouse(cache, ["sqlparse==0.4.1"], python_version=PYTHON) == made
    assert fill_wheelhouse(cache, ["sqlparse==0.4.1"], WHEELS, python_version=PYTHON) == made
    assert [p.name for p in cache.iterdir()] == [made.name]


def test_a_missing_wheel_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "wheelhouse"
    with pytest.raises(prepare.PrepareError, match=r"lacks wheels for sqlparse==0\.4\.3"):
        fill_wheelhouse(cache, ["sqlparse==0.4.3"], WHEELS, python_version=PYTHON)
    # Both pins or neither: the one that is there is not kept alone.
    with pytest.raises(prepare.PrepareError, match="lacks wheels"):
        fill_wheelhouse(cache, ["sqlparse==0.4.1", "six==1.16.0"], WHEELS, python_version=PYTHON)
    assert list(cache.iterdir()) == []
    with pytest.raises(prepare.PrepareError, match="no folder of wheels"):
        fill_wheelhouse(cache, ["sqlparse==0.4.1"], tmp_path / "absent", python_version=PYTHON)


def test_an_sdist_in_the_folder_is_never_used(tmp_path: Path) -> None:
    folder = tmp_path / "sdists-only"
    folder.mkdir()
    shutil.copy(SDISTS / "sqlparse-0.4.1.tar.gz", folder)
    with pytest.raises(prepare.PrepareError, match="lacks wheels"):
        fill_wheelhouse(tmp_path / "cache", ["sqlparse==0.4.1"], folder, python_version=PYTHON)
    assert list((tmp_path / "cache").iterdir()) == []


def test_only_exact_pins(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="exact pins"):
        fill_wheelhouse(tmp_path / "cache", ["sqlparse>=0.4"], WHEELS, python_version=PYTHON)


def test_two_workers_filling_the_same_wheelhouse_agree(tmp_path: Path) -> None:
    cache = tmp_path / "wheelhouse"
    with ThreadPoolExecutor(2) as pool:
        made = list(
            pool.map(
                lambda _: fill_wheelhouse(
                    cache, ["sqlparse==0.4.2"], WHEELS, python_version=PYTHON
                ),
                range(2),
            )
        )
    assert made[0] == made[1]
    assert [p.name for p in cache.iterdir()] == [made[0].name]
    assert (made[0] / "sqlparse-0.4.2-py3-none-any.whl").is_file()
