"""composer.lock: packages, and packages-dev as development dependencies."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.composer_lock import ComposerLock
from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.registry import detect
from tests.shared_data import shared_file

FIXTURES = "osv-scalibr-lockfiles/language/php/composerlock/testdata"


def test_packages_and_dev_packages() -> None:
    data = shared_file(f"{FIXTURES}/two-packages.json").read_bytes()
    sdk, tokenizer = ComposerLock().parse("composer.lock", data).components
    assert (sdk.name, sdk.version, sdk.ecosystem, sdk.dev) == (
        "sentry/sdk",
        "2.0.4",
        "Packagist",
        False,
    )
    assert sdk.purl == "pkg:composer/sentry/sdk@2.0.4"
    assert (tokenizer.name, tokenizer.dev, tokenizer.location) == (
        "theseer/tokenizer",
        True,
        "packages-dev[0]",
    )


def test_prerelease_versions_are_kept_as_written() -> None:
    data = shared_file(f"{FIXTURES}/drupal-packages.json").read_bytes()
    versions = {c.name: c.version for c in ComposerLock().parse("composer.lock", data).components}
    assert versions["drupal/tfa"] == "2.0.0-alpha4"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"packages": [{"name": "a/b"}]}', r"packages\[0\]: 'version' missing"),
        (b'{"packages-dev": [[]]}', r"packages-dev\[0\]: not an object"),
        (b'{"packages": {}}', "'packages' is not a list"),
        (b"[]", "expected a JSON object"),
        (b'{"packages": [', "not valid JSON: line 1"),
        (b"[" * 100_000, "JSON nested too deeply"),
    ],
)
def test_bad_files_are_rejected_saying_where(data: bytes, message: str) -> None:
    with pytest.raises(InventoryRejected, match=message):
        ComposerLock().parse("composer.lock", data)


def test_detected_by_name() -> None:
    assert detect("composer.lock", b"") is ComposerLock
