"""Advisory sources: one importer (a declarative pipeline) per file."""
