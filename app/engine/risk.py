"""Document level: a 0-100 risk score with a level, counts per category, document findings.

The score adds up the findings' weight (by severity, times confidence) and a
bonus for each distinct category, discounts it on pages whose other sentences
are cautions (a warning page that quotes the claims it warns about), and
saturates: ``100 * (1 - exp(-S / 16))``, with
``S = weight * flagged / (flagged + CAUTION_DISCOUNT * cautions)`` where
``flagged`` counts sentences with findings and ``cautions`` the unflagged
sentences that warn.  Levels: ``high`` from 60, ``medium`` from 25, else ``low``.  A page that
promotes (two findings or more, in promotional categories) without one
sentence, outside its flagged ones, on risks, experimental or regulatory
status gets ``missing-risk-disclosure``.
"""

from __future__ import annotations

import math
from typing import Literal

from app.engine.context import DocumentContext
from app.engine.facts import FactBase
from app.engine.finding import CATEGORIES, DocumentFinding, Finding, Risk

SEVERITY_WEIGHT = {"suggestion": 1.0, "warning": 2.0, "error": 3.0}
CATEGORY_BONUS = 2.0
SCALE = 16.0
CAUTION_DISCOUNT = 0.5
HIGH, MEDIUM = 60, 25
PROMOTIONAL = frozenset(
    {
        "efficacy-overclaim",
        "absolute-safety",
        "call-to-action",
        "availability-normalization",
        "testimonial",
        "broad-spectrum",
        "approval-misrepresentation",
        "evidence-inflation",
    }
)
DISCLOSURE_FACTS = (
    "fda-licensure-and-harms",
    "corpus-fda-consumer-alerts",
    "ftc-hedges-do-not-cure",
)


def risk_of(findings: list[Finding], cautions: int = 0) -> Risk:
    """``cautions``: sentences without findings that warn, criticise or state a regulatory limit."""
    counts: dict[str, int] = {}
    s = 0.0
    sentences = set()
    for f in findings:  # one loop: a Counter and two generators cost more on a page
        counts[f.category] = counts.get(f.category, 0) + 1
        s += SEVERITY_WEIGHT[f.severity] * f.confidence
        sentences.add(f.sentence_start)
    s += CATEGORY_BONUS * len(counts)
    flagged = len(sentences)
    if flagged:
        s *= flagged / (flagged + CAUTION_DISCOUNT * cautions)
    score = round(100 * (1 - math.exp(-s / SCALE)))
    level: Literal["low", "medium", "high"] = (
        "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"
    )
    return Risk(score=score, level=level, counts={c: counts.get(c, 0) for c in CATEGORIES})


def document_findings(
    sentences: list[tuple[int, int]],
    sentence_sources: list[int],
    findings: list[Finding],
    ctx: DocumentContext,
    facts: FactBase,
) -> list[DocumentFinding]:
    """``sentence_sources[i]`` is the input offset of sentence ``i`` (as in ``Finding.sentence_start``)."""
    promo = [f for f in findings if f.category in PROMOTIONAL]
    if len(promo) < 2:
        return []
    flagged = {f.sentence_start for f in findings}
    for (s, e), src in zip(sentences, sentence_sources, strict=True):
        if src not in flagged and ctx.discloses(s, e):
            return []
    cited = tuple(facts.facts[f] for f in DISCLOSURE_FACTS if f in facts.facts)
    return [
        DocumentFinding(
            id="missing-risk-disclosure",
            severity="warning",
            message=(
                "The page promotes a treatment without any mention of its risks, its experimental "
                "status or its regulatory status."
            ),
            suggestion=(
                "State the risks, that the treatment is experimental, and whether the FDA has approved it "
                "(for stem-cell and exosome products outside cord-blood transplants, it has not)."
            ),
            facts=cited,
        )
    ]
