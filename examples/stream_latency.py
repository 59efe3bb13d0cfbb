"""Measure time to first token and inter-token latency of one streamed chat completion.

Works against any server that speaks the OpenAI chat-completions API with streaming (vLLM, SGLang, llama.cpp's
llama-server, Ollama, TensorRT-LLM's trtllm-serve, a hosted API), using only the Python standard library:

    python examples/stream_latency.py --base-url http://localhost:8000/v1 --model Qwen/Qwen3-8B

The server streams server-sent events, one ``data: {json}`` line per chunk and ``data: [DONE]`` at the end. Each
chunk that carries text (or reasoning text) counts as a token arrival. A chunk can hold more than one token (with
speculative decoding, or when the server batches its writes), so inter-token gaps measured here are gaps between
*chunks*, which is what a user sees. One request on an idle server measures the best case; a load generator
(``vllm bench serve``, GuideLLM, AIPerf) runs many at a chosen concurrency.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from dataclasses import dataclass


@dataclass
class Timing:
    ttft_s: float  # request sent -> first chunk with text
    total_s: float  # request sent -> end of stream
    chunks: int
    gaps_s: list[float]  # between consecutive chunks with text

    @property
    def tpot_s(self) -> float:
        """Time per output chunk after the first, averaged over the request (vLLM's TPOT, counted in chunks)."""
        return (self.total_s - self.ttft_s) / (self.chunks - 1) if self.chunks > 1 else 0.0


def measure(base_url: str, model: str, prompt: str, max_tokens: int = 128, api_key: str = "none") -> Timing:
    body = json.dumps(
        {
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "stream": True,
        }
    ).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + "/chat/completions",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"},
    )
    start = time.perf_counter()
    arrivals: list[float] = []
    with urllib.request.urlopen(request, timeout=300) as response:
        for raw in response:  # one server-sent-event line at a time
            line = raw.decode("utf-8").strip()
            if not line.startswith("data:"):
                continue
            payload = line[len("data:") :].strip()
            if payload == "[DONE]":
                break
            for choice in json.loads(payload).get("choices", []):
                delta = choice.get("delta", {})
                if delta.get("content") or delta.get("reasoning_content") or delta.get("reasoning"):
                    arrivals.append(time.perf_counter())
    end = time.perf_counter()
    if not arrivals:
        raise RuntimeError("the stream carried no text")
    return Timing(arrivals[0] - start, end - start, len(arrivals), [b - a for a, b in zip(arrivals, arrivals[1:])])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://localhost:8000/v1")
    parser.add_argument("--model", required=True)
    parser.add_argument("--prompt", default="Explain in three sentences why LLM decoding is memory-bound.")
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args(argv)
    t = measure(args.base_url, args.model, args.prompt, args.max_tokens)
    gaps = sorted(t.gaps_s) or [0.0]
    p99 = gaps[min(len(gaps) - 1, round(0.99 * (len(gaps) - 1)))]
    print(
        f"TTFT {1000 * t.ttft_s:.0f} ms; {t.chunks} chunks in {t.total_s:.2f} s; "
        f"TPOT {1000 * t.tpot_s:.1f} ms; median gap {1000 * statistics.median(gaps):.1f} ms, p99 {1000 * p99:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
