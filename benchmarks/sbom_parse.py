"""Parse time and memory of a 10 MB CycloneDX SBOM, against plain `orjson.loads` of its bytes.

No real SBOM that large is in the shared data, so one is built from real ones: the components
of the juice-shop (npm) and laravel (Composer) CycloneDX 1.4 examples, repeated with distinct
bom-refs and versions until the document reaches the target size. Measured in the same run:

- baseline: `orjson.loads` of the bytes (what any reader must do at least);
- ours: `CycloneDxJson().parse`, which also validates against the CycloneDX 1.4 schema
  (compiled once, beforehand: the compilation is timed apart) and builds the components.

Time is the best of --repeat runs. Memory is the peak resident size of a fresh process that
reads the file and does only that one thing (tracemalloc is not used: it slows the generated
validator code down some two hundred times), with the process's size before it began beside it.

    PYTHONPATH=src .venv/bin/python benchmarks/sbom_parse.py [--mib 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from clearinghouse.inventory.formats.cyclonedx_json import CycloneDxJson
from clearinghouse.inventory.formats.json_schema import validator

EXAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "shared"
SOURCES = (
    "sbom-cyclonedx-examples/SBOM/juice-shop/via_npm/bare/bom.1.4.json.gz",
    "sbom-cyclonedx-examples/SBOM/laravel-7.12.0/bom.1.4.json",
)


def real_components() -> list[dict[str, Any]]:
    components: list[dict[str, Any]] = []
    for relative in SOURCES:
        data = (EXAMPLES / relative).read_bytes()
        if relative.endswith(".gz"):
            data = gzip.decompress(data)
        components.extend(orjson.loads(data)["components"])
    return components


def build(target_bytes: int) -> tuple[bytes, int]:
    """A CycloneDX 1.4 document of about `target_bytes`, and its number of components."""
    source = real_components()
    size_each = len(orjson.dumps(source)) / len(source)
    wanted = int(target_bytes / size_each)
    components = []
    for index in range(wanted):
        component = dict(source[index % len(source)])
        copy = index // len(source)
        if copy:  # keep bom-refs unique, as a real BOM's are
            component["bom-ref"] = f"{component.get('bom-ref', component['name'])}#{copy}"
            component["version"] = f"{component.get('version', '0')}-{copy}"
        components.append(component)
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "built", "bom-ref": "root"}},
        "components": components,
    }
    return orjson.dumps(document), len(components)


def best(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def measure(kind: str, path: str) -> None:
    """In a child process: read the file, do one thing, print the size before and the peak."""
    data = Path(path).read_bytes()
    validator("cyclonedx", "bom-1.4.schema.json")  # compiled once per process, not per upload
    # Reset the peak (VmHWM) so that it is the action's, not the schema compilation's.
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_mib("VmRSS")
    if kind == "baseline":
        orjson.loads(data)
    else:
        CycloneDxJson().parse("built.cdx.json", data)
    print(f"{before:.1f} {_status_mib('VmHWM'):.1f}")


def peak_mib(kind: str, path: str) -> tuple[float, float]:
    """The resident size before and the peak of a child process doing `kind`."""
    output = subprocess.run(  # noqa: S603 (this very script, with its own arguments)
        [sys.executable, __file__, "--measure", kind, path],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(output[0]), float(output[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        measure(*arguments.measure)
        return
    data, count = build(int(arguments.mib * 2**20))
    started = time.perf_counter()
    validator("cyclonedx", "bom-1.4.schema.json")
    compile_time = time.perf_counter() - started
    print(
        f"{len(data) / 2**20:.1f} MiB CycloneDX 1.4, {count:,} top-level components; "
        f"schema compiled once in {compile_time:.2f} s; best of {arguments.repeat}"
    )

    def ours() -> int:
        return len(CycloneDxJson().parse("built.cdx.json", data).components)

    kept = ours()  # nested components count too; those without a purl or a CPE do not
    assert kept > count // 2
    base_time = best(lambda: orjson.loads(data), arguments.repeat)
    ours_time = best(ours, arguments.repeat)
    with tempfile.NamedTemporaryFile(suffix=".cdx.json") as file:
        file.write(data)
        file.flush()
        base_before, base_peak = peak_mib("baseline", file.name)
        ours_before, ours_peak = peak_mib("ours", file.name)
    print(f"{'':<22} {'time':>8} {'peak resident size (before)':>28}")
    for label, took, peak, before in (
        ("orjson.loads", base_time, base_peak, base_before),
        ("CycloneDxJson.parse", ours_time, ours_peak, ours_before),
    ):
        print(f"{label:<22} {took:>7.2f}s {peak:>14.0f} MiB ({before:.0f} MiB)")
    base_used, ours_used = base_peak - base_before, ours_peak - ours_before
    print(
        f"ratio: {ours_time / base_time:.0f}x the time and {ours_used / base_used:.1f}x the memory "
        f"({ours_used:.0f} MiB against {base_used:.0f} MiB) of orjson.loads; "
        f"{kept:,} components kept"
    )


if __name__ == "__main__":
    main()
