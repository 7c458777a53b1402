"""OSV records in JSON or YAML, any ecosystem: osv.dev exports, PyPA, Go, AlmaLinux, GHSA …"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml

from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import Importer, RecordRejected, SourceRecord
from clearinghouse.knowledge.sources.osv_records import record_from_osv


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader when present, keeping timestamps as the strings OSV wants."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_json_or_yaml(document: InputDocument) -> Any:
    if document.content is None:
        raise RecordRejected(document.problem or "unreadable")
    try:
        text = document.content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordRejected(f"not UTF-8 text: {exc}") from None
    try:
        if document.name.lower().endswith((".yaml", ".yml")):
            # safe_load: no Python objects, no tags; YAML advisories are data only.
            return yaml.load(text, Loader=_YamlLoader)  # noqa: S506 (a safe loader)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise RecordRejected(
            f"not valid {'YAML' if 'yaml' in document.name else 'JSON'}: {str(exc).splitlines()[0]}"
        ) from None


class OsvImporter(Importer):
    pipeline_id = "osv"
    licence = "LicenseRef-per-database"  # each OSV database states its own (see NOTICE)
    description = "OSV records (JSON or YAML) from a folder, a .zip or a .tar.gz"
    suffixes = (".json", ".yaml", ".yml")

    def parse(self, document: InputDocument) -> Iterator[SourceRecord]:
        data = load_json_or_yaml(document)
        # osv.dev's `all.zip` holds one record per file; some exports are a list.
        items = data if isinstance(data, list) else [data]
        for item in items:
            yield record_from_osv(item, source=self.pipeline_id, origin=document.name)
