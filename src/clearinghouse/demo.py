"""Demo data for `make demo`: each domain adds what it has, and says how to use it."""

from __future__ import annotations

from clearinghouse.runtime import Runtime


def load(runtime: Runtime) -> list[str]:
    """Load the demo data (idempotent); return the lines to print for the person at the screen."""
    lines: list[str] = []
    run_id = runtime.queue.enqueue("system.optimize_database")
    lines.append(f"Queued a first maintenance job (run {run_id[:8]}); see it on the status page.")
    return lines
