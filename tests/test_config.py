from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from clearinghouse.config import ConfigError, Settings, load_settings


def test_defaults_put_everything_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database.get_backend_name() == "sqlite"
    assert settings.database.database == str(tmp_path / "var" / "clearinghouse.db")
    assert settings.queue == f"sqlite:///{tmp_path / 'var' / 'queue.db'}"
    assert settings.uses_embedded_database


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("CLEARINGHOUSE_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("CLEARINGHOUSE_DATABASE_URL", "postgresql://u:pw@db.example/ch")
    monkeypatch.setenv("CLEARINGHOUSE_QUEUE_URL", "redis://:hunter2@cache.example:6379/1")
    monkeypatch.setenv("CLEARINGHOUSE_LOG_LEVEL", "debug")
    monkeypatch.setenv("CLEARINGHOUSE_LOG_FORMAT", "json")
    settings = load_settings()
    assert settings.database.drivername == "postgresql+psycopg"
    assert settings.log_level.value == "DEBUG"
    assert settings.log_format.value == "json"
    shown = settings.masked()
    assert "pw" not in shown["database_url"]
    assert "hunter2" not in shown["queue_url"]
    assert shown["queue_url"] == "redis://:***@cache.example:6379/1"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("CLEARINGHOUSE_DATABASE_URL", "mysql://root@localhost/x", "unsupported database 'mysql'"),
        ("CLEARINGHOUSE_DATABASE_URL", "not a url", "not a database URL"),
        ("CLEARINGHOUSE_DATABASE_URL", "postgresql://host", "names no database"),
        ("CLEARINGHOUSE_QUEUE_URL", "amqp://guest@localhost", "unsupported queue URL"),
        ("CLEARINGHOUSE_LOG_LEVEL", "loud", "Input should be"),
        ("CLEARINGHOUSE_LOG_FORMAT", "xml", "Input should be"),
        ("CLEARINGHOUSE_WORKER_THREADS", "0", "greater than or equal to 1"),
    ],
)
def test_an_invalid_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"invalid setting {variable}: ")
    assert named in message
    assert "\n" not in message


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    first = settings.effective_secret_key()
    assert len(first) >= 48
    assert settings.effective_secret_key() == first
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_concurrent_first_starts_agree_on_one_secret_key(tmp_path: Path):
    keys: list[str] = []
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    threads = [
        threading.Thread(target=lambda: keys.append(settings.effective_secret_key()))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1


def test_a_configured_secret_key_wins_and_is_masked(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, secret_key="s3cr3t-value", _env_file=None)  # type: ignore[call-arg]
    assert settings.effective_secret_key() == "s3cr3t-value"
    assert "s3cr3t" not in str(settings.masked())
    assert not (tmp_path / "secret_key").exists()
