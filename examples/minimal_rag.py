"""Retrieval-augmented generation without a framework: chunk, embed, retrieve, prompt, answer with sources.

The SDK chapter shows this file next to the framework versions. Every step is a few lines against two endpoints
that every OpenAI-compatible server offers, ``/embeddings`` and ``/chat/completions``; the vectors live in a NumPy
array, which is enough for tens of thousands of chunks (see the vector-databases chapter for when it is not); embed the
corpus once and keep the array, as ``answer(index=...)`` allows.

    python examples/minimal_rag.py --base-url http://localhost:8000/v1 --model Qwen/Qwen3-8B \\
        --embedding-model Qwen/Qwen3-Embedding-0.6B docs/*.md
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

import numpy as np


def post(base_url: str, path: str, payload: dict, api_key: str = "none") -> dict:
    request = urllib.request.Request(
        base_url.rstrip("/") + path,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


def chunk(text: str, source: str, size: int = 800, overlap: int = 100) -> list[dict]:
    """Split on paragraph boundaries into pieces of about ``size`` characters, overlapping by ``overlap``;
    a paragraph longer than ``size`` is cut into ``size``-character pieces first."""
    paragraphs = [p[i : i + size] for p in text.split("\n\n") for i in range(0, max(len(p), 1), size)]
    pieces, current = [], ""
    for paragraph in paragraphs:
        if current and len(current) + len(paragraph) > size:
            pieces.append(current)
            current = current[-overlap:]
        current = (current + "\n\n" + paragraph).strip()
    if current:
        pieces.append(current)
    return [{"source": source, "n": i, "text": piece} for i, piece in enumerate(pieces)]


def embed(base_url: str, model: str, texts: list[str], batch: int = 256) -> np.ndarray:
    """Unit-length embeddings, requested ``batch`` texts at a time (APIs cap the inputs per request)."""
    vectors = []
    for start in range(0, len(texts), batch):
        data = post(base_url, "/embeddings", {"model": model, "input": texts[start : start + batch]})["data"]
        vectors += [item["embedding"] for item in sorted(data, key=lambda d: d["index"])]
    array = np.array(vectors, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def answer(
    base_url: str,
    model: str,
    embedding_model: str,
    chunks: list[dict],
    question: str,
    k: int = 4,
    index: np.ndarray | None = None,
) -> dict:
    """Answer from the ``k`` chunks nearest to the question. Pass a precomputed ``index`` (the chunks' embeddings,
    saved with ``np.save``) to avoid embedding the corpus again for every question."""
    if index is None:
        index = embed(base_url, embedding_model, [c["text"] for c in chunks])
    scores = index @ embed(base_url, embedding_model, [question])[0]
    top = [chunks[i] for i in np.argsort(-scores)[:k]]
    context = "\n\n".join(f"[{j + 1}] ({c['source']}) {c['text']}" for j, c in enumerate(top))
    messages = [
        {
            "role": "system",
            "content": "Answer only from the numbered sources and cite them like [1]. "
            "If they do not contain the answer, say so.",
        },
        {"role": "user", "content": f"Sources:\n{context}\n\nQuestion: {question}"},
    ]
    reply = post(base_url, "/chat/completions", {"model": model, "messages": messages})
    return {"answer": reply["choices"][0]["message"]["content"], "sources": [(c["source"], c["n"]) for c in top]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--base-url", default="http://localhost:8000/v1")
    parser.add_argument("--model", required=True)
    parser.add_argument("--embedding-model", required=True)
    parser.add_argument("--question", default="What does this project do?")
    args = parser.parse_args(argv)
    chunks = [c for f in args.files for c in chunk(f.read_text(encoding="utf-8"), f.name)]
    result = answer(args.base_url, args.model, args.embedding_model, chunks, args.question)
    print(result["answer"])
    print("sources:", result["sources"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
