"""The plan's picture: open findings by deadline (rows) and CISA decision (colours), as SVG.

Drawn on the server, no script: one horizontal bar per deadline bucket, split by the CISA
Coordinator decision, with the count at the end of each bar, so that "what is due soon and how
bad is it" reads at a glance. Every text is escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from html import escape

from clearinghouse.triage.schemas import TriagedFinding

BUCKETS = (
    "Overdue",
    "Within 3 days",
    "Within 14 days",
    "Within 60 days",
    "Later",
    "At next upgrade",
)
# CISA Coordinator outcomes, most urgent first, with colours that stay apart in grey print.
DECISIONS = (
    ("AC", "Act", "#b3261e"),
    ("AT", "Attend", "#e8710a"),
    ("T*", "Track*", "#f2c94c"),
    ("T", "Track", "#9aa5b1"),
)
WIDTH, LABEL, ROW, BAR_HEIGHT, TOP = 640, 130, 30, 20, 34


@dataclass(frozen=True)
class Bucketed:
    counts: dict[str, Counter[str]]  # bucket -> CISA decision key -> findings

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())


def bucket(finding: TriagedFinding, today: date) -> str:
    if finding.deadline is None:
        return "At next upgrade"
    days = (finding.deadline - today).days
    if days < 0:
        return "Overdue"
    for limit, name in ((3, "Within 3 days"), (14, "Within 14 days"), (60, "Within 60 days")):
        if days <= limit:
            return name
    return "Later"


def tally(findings: Iterable[TriagedFinding], today: date) -> Bucketed:
    counts: dict[str, Counter[str]] = {name: Counter() for name in BUCKETS}
    for finding in findings:
        counts[bucket(finding, today)][finding.cisa] += 1
    return Bucketed(counts)


def svg(findings: Iterable[TriagedFinding], today: date) -> str:
    data = tally(findings, today)
    largest = max((sum(c.values()) for c in data.counts.values()), default=0) or 1
    scale = (WIDTH - LABEL - 50) / largest
    height = TOP + ROW * len(BUCKETS) + 10
    summary = "; ".join(
        f"{name}: {sum(c.values())}" for name, c in data.counts.items() if sum(c.values())
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="chart-title chart-desc" '
        'class="chart" font-family="system-ui, sans-serif" font-size="13">',
        '<title id="chart-title">Open findings by deadline and CISA decision</title>',
        f'<desc id="chart-desc">{escape(summary or "No open findings")}</desc>',
    ]
    x: float = LABEL
    for _key, name, colour in DECISIONS:  # the legend
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="16">{escape(name)}</text>')
        x += 22 + 8 * len(name) + 12
    for row, name in enumerate(BUCKETS):
        y = TOP + row * ROW
        counts = data.counts[name]
        weight = ' font-weight="bold"' if name == "Overdue" and counts else ""
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end"{weight}>{escape(name)}</text>'
        )
        x = LABEL
        for key, label, colour in DECISIONS:
            count = counts.get(key, 0)
            if not count:
                continue
            width = count * scale
            tip = escape(f"{count} {label}, {name.lower()}")
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{colour}"><title>{tip}</title></rect>'
            )
            x += width
        total = sum(counts.values())
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}">{total if total else "-"}</text>')
    parts.append("</svg>")
    return "".join(parts)
