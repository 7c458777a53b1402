"""The importers this installation knows, by pipeline id."""

from __future__ import annotations

from clearinghouse.knowledge.sources.cve5 import Cve5Importer
from clearinghouse.knowledge.sources.epss import EpssImporter
from clearinghouse.knowledge.sources.interface import Importer
from clearinghouse.knowledge.sources.kev import KevImporter
from clearinghouse.knowledge.sources.osv import OsvImporter

IMPORTERS: dict[str, type[Importer]] = {
    OsvImporter.pipeline_id: OsvImporter,
    KevImporter.pipeline_id: KevImporter,
    Cve5Importer.pipeline_id: Cve5Importer,
    EpssImporter.pipeline_id: EpssImporter,
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
