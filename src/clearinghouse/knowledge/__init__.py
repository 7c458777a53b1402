"""The knowledge base: vulnerabilities, their aliases and source records, importers, versions."""
