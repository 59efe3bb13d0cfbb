"""Hybrid search in a few lines: BM25 keyword ranking, vector ranking, and reciprocal rank fusion (RRF).

The vector-databases chapter shows the fusion function. RRF needs only each retriever's *ranks*, not its scores,
which is why engines use it to merge keyword and vector results whose scores are not comparable
(Cormack, Clarke and Buettcher, SIGIR 2009). ``k = 60`` is the conventional constant.

Run ``python examples/hybrid_rrf.py`` to see a query where keyword search finds the exact product code, vector
search finds the paraphrase, and the fused list puts both near the top. Everything is standard-library Python and
NumPy, with a toy embedding (hashed character trigrams) standing in for a real model.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np


def rrf(rankings: Iterable[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    """Fuse ranked lists of document ids: each document scores sum(1 / (k + rank)) over the lists it appears in."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9-]+", text.lower())


def bm25_ranking(query: str, docs: dict[str, str], k1: float = 1.2, b: float = 0.75) -> list[str]:
    """Okapi BM25 (Robertson and Zaragoza, 2009) over a small in-memory corpus."""
    tokenised = {doc_id: tokens(text) for doc_id, text in docs.items()}
    average = sum(len(t) for t in tokenised.values()) / len(tokenised)
    frequency = Counter(term for t in tokenised.values() for term in set(t))
    scores = {}
    for doc_id, terms in tokenised.items():
        counts = Counter(terms)
        score = 0.0
        for term in set(tokens(query)):
            if term in counts:
                idf = math.log(1 + (len(docs) - frequency[term] + 0.5) / (frequency[term] + 0.5))
                tf = counts[term]
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(terms) / average))
        scores[doc_id] = score
    return [doc_id for doc_id, score in sorted(scores.items(), key=lambda item: -item[1]) if score > 0]


def embed(text: str, dim: int = 256) -> np.ndarray:
    """A stand-in for an embedding model: hashed character trigrams of the words, normalised. Like many real
    embedding models it carries little signal for codes and numbers, which it drops here."""
    vector = np.zeros(dim)
    words = " ".join(w for w in tokens(text) if not any(c.isdigit() for c in w))
    padded = f"  {words}  "
    for i in range(len(padded) - 2):
        vector[sum(map(ord, padded[i : i + 3])) * 2654435761 % dim] += 1.0
    return vector / np.linalg.norm(vector)


def vector_ranking(query: str, docs: dict[str, str]) -> list[str]:
    q = embed(query)
    return sorted(docs, key=lambda doc_id: -float(q @ embed(docs[doc_id])))


DOCS = {
    "a": "Error E-4471 appears when the pump controller loses power during a firmware update.",
    "b": "If the controller reboots while updating its firmware, the device reports a power fault.",
    "c": "Cleaning the pump filter every month keeps the flow rate within specification.",
    "d": "Firmware release notes: version 3.2 improves battery life of the handheld display.",
    "e": "The E-4471 spare part kit contains two gaskets and a replacement impeller.",
}


def main() -> list[tuple[str, float]]:
    query = "what does E-4471 mean after a firmware update"
    keyword, dense = bm25_ranking(query, DOCS), vector_ranking(query, DOCS)
    fused = rrf([keyword, dense])
    print("BM25:  ", keyword)
    print("vector:", dense)
    print("RRF:   ", [(doc, round(score, 4)) for doc, score in fused])
    return fused


if __name__ == "__main__":
    main()
