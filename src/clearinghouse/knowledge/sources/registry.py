"""The importers this installation knows, by pipeline id."""

from __future__ import annotations

from clearinghouse.knowledge.sources.csaf import CsafImporter
from clearinghouse.knowledge.sources.interface import Importer
from clearinghouse.knowledge.sources.osv import OsvImporter

IMPORTERS: dict[str, type[Importer]] = {
    OsvImporter.pipeline_id: OsvImporter,
    CsafImporter.pipeline_id: CsafImporter,
}


class UnknownSource(LookupError):
    pass


def importer_for(source: str) -> Importer:
    try:
        return IMPORTERS[source]()
    except KeyError:
        raise UnknownSource(
            f"no importer named {source!r}; known: {', '.join(sorted(IMPORTERS))}"
        ) from None
