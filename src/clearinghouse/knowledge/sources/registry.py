"""The importers this installation knows, by pipeline id."""

from __future__ import annotations

from clearinghouse.knowledge.sources.csaf import CsafImporter
from clearinghouse.knowledge.sources.cve5 import Cve5Importer
from clearinghouse.knowledge.sources.epss import EpssImporter
from clearinghouse.knowledge.sources.ghsa import GhsaImporter
from clearinghouse.knowledge.sources.interface import Importer
from clearinghouse.knowledge.sources.kev import KevImporter
from clearinghouse.knowledge.sources.nswg import NswgImporter
from clearinghouse.knowledge.sources.osv import OsvImporter
from clearinghouse.knowledge.sources.rustsec import RustSecImporter

IMPORTERS: dict[str, type[Importer]] = {
    importer.pipeline_id: importer
    for importer in (
        OsvImporter,
        RustSecImporter,
        GhsaImporter,
        NswgImporter,
        CsafImporter,
        KevImporter,
        Cve5Importer,
        EpssImporter,
    )
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
