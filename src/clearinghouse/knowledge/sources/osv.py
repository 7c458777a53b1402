"""OSV records in JSON or YAML, any ecosystem: osv.dev exports, PyPA, Go, AlmaLinux, GHSA …"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ryaml._ryaml import InvalidYamlError  # the typed names
from ryaml._ryaml import loads as load_yaml

from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import Importer, RecordRejected, SourceRecord
from clearinghouse.knowledge.sources.osv_records import record_from_osv


def load_json_or_yaml(document: InputDocument) -> Any:
    if document.content is None:
        raise RecordRejected(document.problem or "unreadable")
    try:
        text = document.content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordRejected(f"not UTF-8 text: {exc}") from None
    try:
        if document.name.lower().endswith((".yaml", ".yml")):
            # ryaml (libyaml's Rust port) builds plain data only, ten times faster than PyYAML:
            # YAML 1.2 (no timestamps, `yes` is a string), duplicate keys refused, alias
            # expansion bounded.
            return load_yaml(text)
        return json.loads(text)
    except (json.JSONDecodeError, InvalidYamlError) as exc:
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
