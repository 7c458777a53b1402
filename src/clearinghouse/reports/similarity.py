"""Text similarity for deduplication: TF-IDF cosine over words and word pairs, our own code.

How two texts are compared (docs/reports.md, "Deduplication"):

1. **Tokens.** Lower-cased words of letters, digits and `_` (dotted names such as
   `werkzeug.http.parse_cookie` are kept whole and also split into their parts). English and
   advisory boiler words ("the", "allows", "vulnerability", …) are dropped. Identifiers of
   vulnerabilities (CVE-…, GHSA-…, PYSEC-…, GO-…, RUSTSEC-…) and URLs are removed first: a match
   must come from what the texts say, never from an id one of them happens to quote.
2. **Features.** Each word, and each pair of neighbouring words ("request smuggling").
3. **Weights.** `(1 + ln tf) * idf`, with `idf = ln((1 + N) / (1 + df)) + 1` over the documents
   being compared — in practice the new report and every known advisory of the same package.
   Words every advisory of the package shares ("TensorFlow is an open source platform…") weigh
   little; the words that tell one advisory from another weigh most.
4. **Score.** The cosine of the two weight vectors, 0 (nothing shared) to 1 (the same words in
   the same proportions).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

_IDENTIFIERS = re.compile(
    r"\b(?:CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|PYSEC-\d{4}-\d+|"
    r"GO-\d{4}-\d+|RUSTSEC-\d{4}-\d+|OSV-\d{4}-\d+|BIT-[\w-]+)\b",
    re.IGNORECASE,
)
_URLS = re.compile(r"\b(?:https?|ftp)://\S+", re.IGNORECASE)
_WORDS = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "allow",
        "allows",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "via",
        "may",
        "might",
        "must",
        "affected",
        "affects",
        "version",
        "versions",
        "vulnerability",
        "vulnerable",
        "issue",
        "package",
        "user",
        "users",
        "attacker",
        "attackers",
        "remote",
        "possible",
        "prior",
        "earlier",
        "later",
        "fixed",
        "fix",
        "patch",
        "patched",
        "upgrade",
        "update",
    ]
)


def strip_identifiers(text: str) -> str:
    """The text without URLs and vulnerability ids."""
    return _IDENTIFIERS.sub(" ", _URLS.sub(" ", text))


_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ies", "es", "ed", "ly", "s")


def stem(word: str) -> str:
    """A light suffix stripper, so that "comments", "backtracking" and "parsed" meet "comment",
    "backtrack" and "parse". Names with `_` or digits are left as written."""
    if "_" in word or any(c.isdigit() for c in word):
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """The text's words as compared; dotted names also give their last two parts."""
    found: list[str] = []
    for word in _WORDS.findall(strip_identifiers(text).lower()):
        word = word.strip(".")
        if "." in word and not word.replace(".", "").isdigit():
            parts = word.split(".")
            found.append(word)
            found += [p for p in parts[-2:] if p and p not in STOPWORDS]
        elif word and word not in STOPWORDS and len(word) > 1:
            found.append(stem(word))
    return found


def features(text: str) -> Counter[str]:
    """Words and neighbouring pairs of words, with their counts."""
    tokens = words(text)
    counted = Counter(tokens)
    counted.update(f"{a} {b}" for a, b in pairwise(tokens))
    return counted


class Corpus:
    """The documents compared with one another; the inverse document frequencies come from them."""

    def __init__(self, documents: Sequence[Counter[str]]) -> None:
        self.documents = list(documents)
        frequency: Counter[str] = Counter()
        for document in self.documents:
            frequency.update(document.keys())
        n = len(self.documents)
        self._idf = {term: math.log((1 + n) / (1 + df)) + 1 for term, df in frequency.items()}
        self._vectors = [self._weigh(d) for d in self.documents]

    def _weigh(self, document: Counter[str]) -> dict[str, float]:
        vector = {t: (1 + math.log(c)) * self._idf.get(t, 1.0) for t, c in document.items()}
        norm = math.sqrt(sum(w * w for w in vector.values()))
        return {t: w / norm for t, w in vector.items()} if norm else {}

    def cosine(self, first: int, second: int) -> float:
        """The cosine similarity of documents `first` and `second` (indexes), 0 to 1."""
        a, b = self._vectors[first], self._vectors[second]
        if len(b) < len(a):
            a, b = b, a
        return min(1.0, sum(w * b.get(t, 0.0) for t, w in a.items()))


def cosine_against(query: str, others: Sequence[str]) -> list[float]:
    """The similarity of `query` to each of `others`, weighed over all of them together."""
    corpus = Corpus([features(query), *(features(o) for o in others)])
    return [corpus.cosine(0, index + 1) for index in range(len(others))]
