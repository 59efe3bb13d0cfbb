"""Recall against speed for the main vector-index families, measured on synthetic embeddings.

The vector-databases chapter plots what this script writes to ``_data/ann-benchmark.yaml``. It builds each index
with FAISS over the same seeded set of unit vectors, searches it with held-out queries, and records for every
setting of the index's speed-accuracy knob:

* ``recall_at_10``: the share of the true 10 nearest neighbours (by exact search) that the index returns;
* ``qps``: queries per second on one CPU thread, batch of all queries (best of three runs);
* ``bytes_per_vector``: what the index stores per vector (codes and graph links; coarse centroids aside).

The data imitate sentence embeddings: 384 dimensions (the size of small embedding models), with most of their
variance in 64 directions, normalised so that inner product is cosine similarity. Synthetic data are not your data: the *shape* of each curve (what a
knob buys and what it costs) carries over; the absolute numbers do not. ANN-Benchmarks and VectorDBBench measure on
real data sets.

The indexes:

* ``Flat``: exact search, every vector compared (the baseline and the ground truth);
* ``IVF-Flat``: k-means partitions (``nlist``), search the ``nprobe`` nearest partitions exhaustively;
* ``HNSW``: a layered proximity graph with ``M`` links per node, search beam ``efSearch``;
* ``IVF-PQ``: IVF whose vectors are compressed by product quantisation to ``m`` bytes, then the best candidates
  re-ranked with the full vectors (``k_factor`` x 10 of them), as production systems do;
* ``HNSW-SQ8``: HNSW over vectors stored as 8-bit scalars (a quarter of float32);
* ``Binary+rescore``: one bit per dimension (the sign), Hamming search for 10 x ``oversample`` candidates, re-scored
  with the full vectors.

Run ``python examples/ann_benchmark.py`` to print the table, or ``--write PATH`` to regenerate the data file with
this machine's timings. ``--small`` runs a quick version (the tests use it).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

AS_OF = "2026-12-02"
SEED = 0
DIM = 384
LATENT = 64  # directions that carry most of the variance
NOISE = 0.02  # isotropic noise per dimension
K = 10
SOURCES = ["faiss2026changelog", "jegou2011pq", "malkov2016hnsw", "aumuller2018annbenchmarks"]


def embeddings(n: int, queries: int, dim: int = DIM, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors with the structure of real embeddings: most variance in a few dozen directions (a random
    basis with power-law weights, ``LATENT`` of them) plus isotropic noise; queries are fresh draws, not base vectors."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((dim, LATENT)))[0].T.astype(np.float32)
    weights = (np.arange(1, LATENT + 1, dtype=np.float32) ** -0.5)[:, None]

    def draw(count: int) -> np.ndarray:
        x = rng.standard_normal((count, LATENT)).astype(np.float32) @ (weights * basis)
        x += NOISE * rng.standard_normal((count, dim)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    return draw(n), draw(queries)


def timed(search: Callable[[], np.ndarray], repeats: int = 3) -> tuple[np.ndarray, float]:
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = search()
        best = min(best, time.perf_counter() - start)
    faiss.omp_set_num_threads(threads)
    return result, best  # type: ignore[return-value]


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))


def measure(n: int = 100_000, queries: int = 1000, repeats: int = 3) -> list[dict[str, object]]:
    import faiss

    base, query = embeddings(n, queries)
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # build with every core; search on one (set below)
    rows: list[dict[str, object]] = []

    def record(family: str, setting: str, found: np.ndarray, seconds: float, nbytes: float) -> None:
        rows.append(
            {
                "family": family,
                "setting": setting,
                "recall_at_10": round(recall(found, truth), 3),
                "qps": round(queries / seconds),
                "bytes_per_vector": round(nbytes),
            }
        )

    flat = faiss.IndexFlatIP(DIM)
    flat.add(base)
    (_, truth), seconds = timed(lambda: flat.search(query, K), repeats)
    record("Flat", "exact", truth, seconds, 4 * DIM)

    nlist = int(2 * np.sqrt(n))  # k-means wants about 40 training vectors per partition
    quantiser = faiss.IndexFlatIP(DIM)
    ivf = faiss.IndexIVFFlat(quantiser, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(base[: 40 * nlist])
    ivf.add(base)
    for nprobe in (1, 4, 16, 64, 128):
        ivf.nprobe = nprobe
        (_, found), seconds = timed(lambda: ivf.search(query, K), repeats)
        record("IVF-Flat", f"nprobe={nprobe}", found, seconds, 4 * DIM + 8)

    hnsw = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(base)
    links = 2 * 32 * 4  # level 0 holds 2M neighbour ids of 4 bytes; upper levels add a few per cent
    for ef in (16, 32, 64, 128, 256):
        hnsw.hnsw.efSearch = ef
        (_, found), seconds = timed(lambda: hnsw.search(query, K), repeats)
        record("HNSW", f"efSearch={ef}", found, seconds, 4 * DIM + links)

    m = 48  # bytes per vector: 384 dimensions in 48 sub-spaces of 8, one byte each
    pq = faiss.IndexIVFPQ(faiss.IndexFlatIP(DIM), DIM, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
    pq.train(base[: max(40 * nlist, 10_000)])  # each 256-centroid sub-quantiser wants ~10,000 points
    refine = faiss.IndexRefineFlat(pq)
    refine.add(base)
    for nprobe, k_factor in ((16, 1), (16, 4), (64, 4), (64, 16)):
        pq.nprobe = nprobe
        params = faiss.IndexRefineSearchParameters(k_factor=k_factor)
        (_, found), seconds = timed(lambda params=params: refine.search(query, K, params=params), repeats)
        # the re-ranking copy of the vectors can live on disk; the index in memory holds the codes
        record("IVF-PQ", f"nprobe={nprobe}, rerank {k_factor * K}", found, seconds, m + 8)

    sq = faiss.IndexHNSWSQ(DIM, faiss.ScalarQuantizer.QT_8bit, 32, faiss.METRIC_INNER_PRODUCT)
    sq.hnsw.efConstruction = 80
    sq.train(base)
    sq.add(base)
    for ef in (32, 64, 128, 256):
        sq.hnsw.efSearch = ef
        (_, found), seconds = timed(lambda: sq.search(query, K), repeats)
        record("HNSW-SQ8", f"efSearch={ef}", found, seconds, DIM + links)

    bits = faiss.IndexBinaryFlat(DIM)
    bits.add(np.packbits(base > 0, axis=1))
    packed = np.packbits(query > 0, axis=1)
    for oversample in (1, 4, 16):

        def binary_search(oversample: int = oversample) -> np.ndarray:
            _, candidates = bits.search(packed, K * oversample)
            scores = np.einsum("qd,qcd->qc", query, base[candidates])
            order = np.argsort(-scores, axis=1)[:, :K]
            return np.take_along_axis(candidates, order, axis=1)

        found, seconds = timed(binary_search, repeats)
        record("Binary+rescore", f"rescore {oversample * K}", found, seconds, DIM // 8)

    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, one thread, Python {platform.python_version()}, {os.cpu_count()} logical CPUs"


def to_yaml(rows: list[dict[str, object]], n: int, queries: int) -> str:
    import faiss

    lines = [
        "# GENERATED by examples/ann_benchmark.py: do not edit; run `python examples/ann_benchmark.py --write`.",
        f"# Recall@10 and single-thread queries per second on {n:,} synthetic {DIM}-dimensional unit vectors",
        f"# ({queries:,} queries), FAISS {faiss.__version__}, measured on: {machine()}.",
    ]
    for row in rows:
        lines.append(f'- name: "{row["family"]}, {row["setting"]}"')
        for key in ("family", "setting", "recall_at_10", "qps", "bytes_per_vector"):
            value = row[key]
            lines.append(f'  {key}: "{value}"' if isinstance(value, str) else f"  {key}: {value}")
        lines.append(f"  sources: [{', '.join(SOURCES)}]")
        lines.append(f"  as_of: {AS_OF}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="write the YAML data file here")
    parser.add_argument("--small", action="store_true", help="10,000 vectors and 100 queries: a quick run")
    args = parser.parse_args(argv)
    n, queries = (10_000, 100) if args.small else (100_000, 1000)
    rows = measure(n, queries)
    if args.write:
        args.write.write_text(to_yaml(rows, n, queries), encoding="utf-8")
        return 0
    print(f"{'index':<16}{'setting':<24}{'recall@10':>10}{'QPS':>9}{'bytes/vec':>10}")
    for row in rows:
        print(
            f"{row['family']:<16}{row['setting']:<24}{row['recall_at_10']:>10}{row['qps']:>9}{row['bytes_per_vector']:>10}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
