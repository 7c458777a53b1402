"""The sandbox folder's set-up: safe when runs start together on a folder no run has used."""

from __future__ import annotations

import threading
from pathlib import Path

from clearinghouse.sandbox.bubblewrap import _ETC_FILES, BubblewrapSandbox


def _prepare_together(box: BubblewrapSandbox, starters: int) -> list[OSError]:
    barrier = threading.Barrier(starters)
    errors: list[OSError] = []

    def start() -> None:
        barrier.wait()
        try:
            box.prepare_root()
        except OSError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_runs_starting_together_on_a_new_folder_all_find_its_etc_ready(tmp_path: Path) -> None:
    # As the frontier suite starts two samples at once on a new folder: each writes the
    # folder's /etc files, and none may lose its temporary file to another.
    for attempt in range(20):
        box = BubblewrapSandbox(tmp_path / f"box-{attempt}")
        assert _prepare_together(box, 4) == []
        etc = box.root / "etc"
        assert sorted(p.name for p in etc.iterdir()) == sorted(_ETC_FILES)  # no temporary left
        for name, content in _ETC_FILES.items():
            assert (etc / name).read_text() == content
            assert (etc / name).stat().st_mode & 0o777 == 0o644
