"""The text measure dedupe uses: TF-IDF cosine over words and word pairs, ids and URLs removed."""

from __future__ import annotations

from clearinghouse.reports.similarity import cosine_against, stem, strip_identifiers, words

ADVISORY = (
    "Werkzeug's parse_cookie accepts a nameless cookie such as '=__Host-test=bad', so a "
    "neighbouring subdomain can shadow a __Host- cookie."
)


def test_the_same_text_scores_one_and_unrelated_text_zero():
    same, unrelated = cosine_against(ADVISORY, [ADVISORY, "Integer overflow in the PNG decoder."])
    assert abs(same - 1.0) < 1e-9 and unrelated == 0.0


def test_ids_and_urls_never_make_texts_alike():
    quoting = "See CVE-2023-23934, GHSA-px8h-6qxv-m22q and https://example.org/PYSEC-2023-57."
    other = "Fixed: CVE-2023-23934 (GHSA-px8h-6qxv-m22q), PYSEC-2023-57, GO-2023-1234."
    assert cosine_against(quoting, [other]) == [0.0]
    assert "CVE" not in strip_identifiers(quoting) and "https" not in strip_identifiers(quoting)


def test_words_keep_dotted_names_and_meet_across_suffixes():
    found = words("werkzeug.http.parse_cookie backtracking comments")
    assert "werkzeug.http.parse_cookie" in found and "parse_cookie" in found
    assert stem("comments") == "comment" and stem("backtracking") == "backtrack"
    assert stem("parse_cookie") == "parse_cookie"  # names stay as written


def test_words_common_to_every_document_weigh_less_than_distinctive_ones():
    shared = "TensorFlow is an open source platform for machine learning."
    query = f"{shared} Heap overflow in QuantizedConv2D."
    twin, sibling = cosine_against(
        query,
        [f"{shared} QuantizedConv2D overflows the heap.", f"{shared} Segfault in RaggedTensor."]
        + [f"{shared} Another issue {n}." for n in range(5)],
    )[:2]
    assert twin > 2 * sibling
