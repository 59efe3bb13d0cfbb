"""The decode-speed ceiling that memory bandwidth sets, accelerator by accelerator.

The hardware chapter shows what this script writes to ``_data/decode-ceiling.yaml``. Generating one token for one
conversation reads every weight the token needs from memory once, so a single stream can go no faster than

    tokens per second <= memory bandwidth / bytes read per token

(the KV cache adds to the bytes read as the context grows; it is left out here, so the ceilings are for short
contexts). Three workloads cover the common cases, with their sizes from the book's other chapters:

* a dense 8B model at Q4_K_M (Llama 3.1 8B: 4.9 GB, from llama.cpp's quantisation table);
* a dense 70B model at Q4_K_M (Llama 3.1 70B: 42.8 GB);
* a mixture-of-experts model, gpt-oss-120b, as published: about 65 GB must be held in memory (114.71 billion
  expert weights in MXFP4, 2.12 billion others in BF16), but a token reads only its
  5.13 billion active parameters. Its model card splits them: 0.96 billion of attention and 0.58 billion of
  unembedding (the embedding is a lookup of one row) stay in BF16, and the rest, about 3.59 billion in the four
  routed experts, is MXFP4 at 4.25 bits a weight. That is 1.9 GB of experts plus 3.1 GB of BF16, about 5.0 GB a
  token: the BF16 part weighs more than the experts. llama.cpp's GGUF file stores the non-expert weights at about
  8 bits (its size, 59.02 GiB, leaves about 9 bits a weight for them once the experts are counted), so its
  measurement below is checked against Q8_0's 8.5 bits for those weights, about 3.5 GB a token.

A workload that does not fit in the accelerator's memory gets no ceiling (it would need several accelerators or
offloading). Bandwidth and memory come from ``_data/hardware.yaml``. ``MEASURED`` holds published single-stream
speeds: they land at 58-77% of their ceiling, and the tests check that none exceeds it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import datafile
import yaml

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-12-02"
MXFP4_BITS = 4.25  # 4-bit elements plus an 8-bit scale per 32
Q8_0_BITS = 8.5  # llama.cpp's Q8_0: 8-bit values plus a 16-bit scale per 32
# gpt-oss-120b's active parameters per token (billions), from its model card
GPTOSS_ACTIVE_B, GPTOSS_ATTENTION_B, GPTOSS_UNEMBED_B = 5.13, 0.96, 0.58
GPTOSS_EXPERT_B = GPTOSS_ACTIVE_B - GPTOSS_ATTENTION_B - GPTOSS_UNEMBED_B
GPTOSS_ALL_EXPERTS_B, GPTOSS_OTHER_B = 114.71, 2.12  # all parameters: experts, and attention plus embeddings
GPTOSS_HELD_GB = GPTOSS_ALL_EXPERTS_B * MXFP4_BITS / 8 + GPTOSS_OTHER_B * 2


def gptoss_read_gb(other_bits: float = 16.0) -> float:
    """GB gpt-oss-120b reads per token: its active experts in MXFP4, its attention and unembedding at ``other_bits``."""
    return GPTOSS_EXPERT_B * MXFP4_BITS / 8 + (GPTOSS_ATTENTION_B + GPTOSS_UNEMBED_B) * other_bits / 8


# (label, GB held in memory, GB read per token)
WORKLOADS = {
    "dense_8b_q4": ("Dense 8B, Q4_K_M", 8.0 * 4.8944 / 8, 8.0 * 4.8944 / 8),
    "dense_70b_q4": ("Dense 70B, Q4_K_M", 70.0 * 4.8944 / 8, 70.0 * 4.8944 / 8),
    "moe_120b_mxfp4": ("gpt-oss-120b, as published", GPTOSS_HELD_GB, gptoss_read_gb()),
}
SOURCES = ["ggml2026quantizereadme", "openai2025gptossrepo", "openai2025gptosscard", "ocp2023mxspec"]

# Published single-stream decode speeds, to check the ceiling against: (what, GB/s, GB read per token, measured
# tokens/s, references.bib key). Bytes read per token are the quantised weights the token touches.
MEASURED = [
    ("DGX Spark, Llama 3.3 70B in NVFP4 (vLLM)", 273, 40.61, 4.1, "nvidia2026sparkplaybookpr91"),
    (
        "DGX Spark, gpt-oss-120b as published (vLLM, NVIDIA's image)",
        273,
        gptoss_read_gb(),
        33.5,
        "nvidia2026sparkplaybookpr91",
    ),
    ("DGX Spark, gpt-oss-120b GGUF (llama.cpp)", 273, gptoss_read_gb(Q8_0_BITS), 59.02, "ggml2025dgxsparkbench"),
    ("M1 Max, Qwen3.8-27B at IQ4_NL (llama.cpp)", 400, 16.34, 14.29, "ggml2026llamacppissue27525"),
]


def efficiency() -> list[tuple[str, float, float, float]]:
    """Each measurement as (what, ceiling tokens/s, measured tokens/s, measured / ceiling)."""
    return [(what, bw / read, measured, measured / (bw / read)) for what, bw, read, measured, _ in MEASURED]


def hardware(path: Path = ROOT / "_data" / "hardware.yaml") -> list[dict]:
    return [
        row
        for row in yaml.safe_load(path.read_text(encoding="utf-8"))
        if row.get("bandwidth_gbs") and row.get("memory_gb")
    ]


def ceiling(bandwidth_gbs: float, memory_gb: float, workload: str) -> float | None:
    """Tokens per second for one stream, or None when the workload's weights do not fit in memory."""
    _, held, read = WORKLOADS[workload]
    if held > memory_gb:
        return None
    return bandwidth_gbs / read


def rows(path: Path = ROOT / "_data" / "hardware.yaml") -> list[dict[str, object]]:
    table = []
    for accelerator in sorted(hardware(path), key=lambda r: -r["bandwidth_gbs"]):
        row: dict[str, object] = {
            "name": accelerator["name"],
            "bandwidth_gbs": accelerator["bandwidth_gbs"],
            "memory_gb": accelerator["memory_gb"],
        }
        for key in WORKLOADS:
            value = ceiling(accelerator["bandwidth_gbs"], accelerator["memory_gb"], key)
            row[key] = None if value is None else round(value)
        row["sources"] = sorted(set(SOURCES) | set(accelerator["sources"]))
        table.append(row)
    return table


def to_yaml(table: list[dict[str, object]]) -> str:
    summary = [
        "From _data/hardware.yaml. Single-stream decode ceilings (tokens/s) = memory bandwidth / bytes read per",
        "token, short context; null = the weights do not fit in the accelerator's memory.",
    ]
    return datafile.to_yaml("decode_ceiling.py", summary, table, ("bandwidth_gbs", "memory_gb", *WORKLOADS), AS_OF)


def show(table: list[dict[str, object]]) -> None:
    print(f"{'accelerator':<34}{'GB/s':>7}{'GB':>6}{'8B':>7}{'70B':>6}{'120B MoE':>9}")
    for row in table:
        cells = ["-" if row[k] is None else row[k] for k in WORKLOADS]
        print(
            f"{row['name']:<34}{row['bandwidth_gbs']:>7}{row['memory_gb']:>6}{cells[0]:>7}{cells[1]:>6}{cells[2]:>9}"
        )
    print("\nmeasured against the ceiling:")
    for what, limit, measured, share in efficiency():
        print(f"  {what:<48} ceiling {limit:6.1f}  measured {measured:6.1f}  {share:4.0%}")


def main(argv: list[str] | None = None) -> int:
    return datafile.cli(__doc__, rows, to_yaml, show, argv)


if __name__ == "__main__":
    sys.exit(main())
