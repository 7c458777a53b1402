"""Version ordering for every OSV ecosystem we match, and OSV range evaluation.

    compare("PyPI", "1.0", "1.0.post1")          # < 0
    parse("Debian:12", "1:2.3-4~deb12u1")        # a hashable, ordered DebianVersion
    affected("Go", "1.2.3", record["affected"][0]["ranges"])
    explain("npm", "1.2.3", ranges)              # which range matched, which versions fix it
    satisfies_npm_range("1.2.3", "^1.2.0 || >=2.0.0 <2.1.0")

See docs/versions.md for the rules of each ecosystem and where they come from.
"""

from clearinghouse.knowledge.versions._base import Family, InvalidVersion, UnknownEcosystem, Version
from clearinghouse.knowledge.versions.ecosystems import Ecosystem, normalize_ecosystem
from clearinghouse.knowledge.versions.npm_ranges import (
    InvalidNpmRange,
    NpmRange,
    npm_range_to_osv_ranges,
    satisfies_npm_range,
)
from clearinghouse.knowledge.versions.ranges import (
    AffectedRanges,
    Evaluation,
    InvalidRange,
    Match,
    affected,
    evaluate,
    explain,
)
from clearinghouse.knowledge.versions.registry import compare, parse, parse_in_family

__all__ = [
    "AffectedRanges",
    "Ecosystem",
    "Evaluation",
    "Family",
    "InvalidNpmRange",
    "InvalidRange",
    "InvalidVersion",
    "Match",
    "NpmRange",
    "UnknownEcosystem",
    "Version",
    "affected",
    "compare",
    "evaluate",
    "explain",
    "normalize_ecosystem",
    "npm_range_to_osv_ranges",
    "parse",
    "parse_in_family",
    "satisfies_npm_range",
]
