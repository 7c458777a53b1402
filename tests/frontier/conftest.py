"""Frontier fixtures: a test task key, the sandbox of tests/sandbox, settings that use both, and
the key the repository's designation store is sealed with (used by tests only)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clearinghouse.config import Settings
from tests.sandbox.conftest import sandbox, sandbox_root  # noqa: F401 (shared fixtures)

DESIGNATION_KEY_FILE = (
    Path(__file__).resolve().parents[1] / "data" / "frontier" / "designation-test.key"
)


@pytest.fixture
def designation_key() -> str:
    return DESIGNATION_KEY_FILE.read_text().strip()


@pytest.fixture
def task_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


@pytest.fixture
def benchmark_settings(tmp_path: Path, sandbox_root: Path, task_key: str) -> Settings:  # noqa: F811
    return Settings(
        data_dir=tmp_path / "data",
        sandbox_dir=sandbox_root,
        frontier_task_key=task_key,  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )
