"""Log lines as text or JSON, each carrying the request id of the request that wrote it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from clearinghouse.config import Settings
from clearinghouse.logs import configure_logging, request_id_var


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_log_lines_carry_the_request_id(
    log_format: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    settings = Settings(data_dir=tmp_path, log_format=log_format, log_level="debug", _env_file=None)  # type: ignore[call-arg]
    configure_logging(settings)
    token = request_id_var.set("req-12345678")
    try:
        logging.getLogger("clearinghouse.test").warning("réservé: %s", "ünïcode")
        logging.getLogger("clearinghouse.test").debug("details")
    finally:
        request_id_var.reset(token)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    if log_format == "json":
        entry = json.loads(lines[0])
        assert entry["request_id"] == "req-12345678"
        assert entry["level"] == "WARNING"
        assert entry["message"] == "réservé: ünïcode"
        assert entry["time"].endswith("+00:00")
        assert json.loads(lines[1])["level"] == "DEBUG"
    else:
        assert "[req-12345678]" in lines[0] and "WARNING" in lines[0]
    logging.getLogger().handlers.clear()
