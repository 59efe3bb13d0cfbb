"""What it takes to serve the largest open mixture-of-experts models yourself: memory first, then bytes per token.

The models chapter shows what this script writes to ``_data/moe-sizing.yaml``. For each model it reads the total
and active parameters from ``_data/models.yaml`` and the memory of three machines from ``_data/hardware.yaml``, and
computes

    weights (GB)           = total parameters x bits per weight / 8
    accelerators needed    = weights / (memory per accelerator x (1 - RESERVE)), rounded up to a power of two
    read per token (GB)    = active parameters x bits per weight / 8

at 8 bits (FP8, the precision most of these models are served at) and at 4.5 bits (NVFP4: 4-bit values with an FP8
scale per block of 16). The models in ``SHIPS_4BIT`` are published with their routed experts already in 4 bits,
so a further column counts the H200s they need as published, at the 4-bit size. One of them, DeepSeek-V4.1-Flash, also
ships memory tables that are looked up rather than computed (``LOOKUP_GB``: its Engram, about 189 GiB); every accelerator
count and the 512 GB check add them, because they sit in accelerator memory unless the engine is told
to keep them in host RAM. ``RESERVE`` is the share of memory kept free for the KV cache, activations and the runtime, an
assumption of this book (long contexts and many concurrent users need more). Counts are rounded up to a power of
two because tensor- and expert-parallel groups usually are. The last column says whether one machine with 512 GB of
unified memory (an M3 Ultra Mac Studio) holds the 4-bit weights, under the same reserve.

The memory a model needs grows with its *total* parameters; what each generated token reads grows with its
*active* ones, which is why a 1.6-trillion-parameter model can decode about as fast as a dense 50B one once it fits.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import datafile
import yaml

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-12-02"
RESERVE = 0.15
BITS = {"fp8": 8.0, "nvfp4": 4.5}
FORMAT_SOURCES = ["intel2026nvfp4"]
# Models whose published checkpoints already hold their routed experts in 4 bits (MXFP4 or FP4), with the source
# that says so. Sized as published, these need about the 4-bit column's memory on any hardware; the rest are
# sized at FP8.
SHIPS_4BIT = {
    "gpt-oss-120b": "openai2025gptossrepo",
    "DeepSeek-V4.1-Flash": "nvidia2026dynamov41flash",
    "DeepSeek-V4-Pro": "deepseek2026v4procard",
    "Kimi K3": "vllm2026kimik3pr",
    "Muse Spark Open 816B-A42B": "nvidia2026trtllmmusesparkopen",
    "Nemotron 3 Ultra 550B-A55B": "nvidia2026nemotron3ultranvfp4pr",
}
# Lookup tables that ship with a checkpoint on top of its parameter count, in GB, with the source that sizes them.
# SGLang keeps DeepSeek-V4.1-Flash's two Engram tables (about 189 GiB) in GPU memory by default.
GIB = 1024**3 / 1e9
LOOKUP_GB = {"DeepSeek-V4.1-Flash": (189 * GIB, "sglang2026engram")}
# The largest open-weight models of 2026 in the book's data, with gpt-oss-120b for scale.
MODELS = [
    "gpt-oss-120b",
    "Qwen3.5-397B-A17B",
    "MiniMax-M3",
    "Nemotron 3 Ultra 550B-A55B",
    "DeepSeek-V4.1-Flash",
    "Mistral Large 3",
    "GLM-5.2",
    "Muse Spark Open 816B-A42B",
    "MiMo-V2.5-Pro",
    "Mistral Large 4",
    "DeepSeek-V4-Pro",
    "Qwen3.8-2.4T-A95B",
    "Kimi K3",
]
H200, B300, MAC = "NVIDIA H200 SXM", "NVIDIA B300 (Blackwell Ultra)", "Apple M3 Ultra"


def load(name: str) -> dict[str, dict]:
    rows = yaml.safe_load((ROOT / "_data" / name).read_text(encoding="utf-8"))
    return {row["name"]: row for row in rows}


def weights_gb(params_b: float, fmt: str) -> float:
    return params_b * BITS[fmt] / 8


def accelerators(gb: float, memory_gb: float) -> int:
    """The smallest power of two of accelerators whose memory, less the reserve, holds ``gb``."""
    needed = math.ceil(gb / (memory_gb * (1 - RESERVE)))
    return 1 << (needed - 1).bit_length()


def rows() -> list[dict[str, object]]:
    models, hardware = load("models.yaml"), load("hardware.yaml")
    table = []
    for name in MODELS:
        model = models[name]
        total, active = model["params_total_b"], model["params_active_b"]
        fp8, fp4 = weights_gb(total, "fp8"), weights_gb(total, "nvfp4")
        sources = [*model["sources"]]
        if name in SHIPS_4BIT and SHIPS_4BIT[name] not in sources:
            sources.append(SHIPS_4BIT[name])
        lookup = 0.0
        if name in LOOKUP_GB:
            lookup, key = LOOKUP_GB[name]
            if key not in sources:
                sources.append(key)
        shipped = (fp4 if name in SHIPS_4BIT else fp8) + lookup
        for machine in (H200, B300, MAC):
            sources += [key for key in hardware[machine]["sources"] if key not in sources]
        table.append(
            {
                "name": name,
                "total_b": total,
                "active_b": active,
                "fp8_gb": round(fp8),
                "nvfp4_gb": round(fp4),
                "h200_fp8": accelerators(fp8 + lookup, hardware[H200]["memory_gb"]),
                "ships_4bit": name in SHIPS_4BIT,
                "h200_shipped": accelerators(shipped, hardware[H200]["memory_gb"]),
                "b300_nvfp4": accelerators(fp4 + lookup, hardware[B300]["memory_gb"]),
                "fits_512gb_nvfp4": fp4 + lookup <= hardware[MAC]["memory_gb"] * (1 - RESERVE),
                "read_per_token_gb": round(weights_gb(active, "nvfp4"), 1),
                "sources": sources + [key for key in FORMAT_SOURCES if key not in sources],
            }
        )
    return table


def to_yaml(table: list[dict[str, object]]) -> str:
    summary = [
        f"Weights at FP8 and NVFP4 (4.5 bits), accelerators needed with {RESERVE:.0%} of memory kept free (a power of",
        "two), H200s for the weights as published (4-bit where the checkpoint ships 4-bit experts), and the 4-bit",
        "weights each generated token reads. The accelerator counts and the 512 GB column add lookup tables shipped",
        "with the checkpoint ("
        + "; ".join(f"{name}'s, about {gb:.0f} GB" for name, (gb, _) in LOOKUP_GB.items())
        + "), which sit in accelerator memory by default.",
    ]
    keys = (
        "total_b",
        "active_b",
        "fp8_gb",
        "nvfp4_gb",
        "h200_fp8",
        "ships_4bit",
        "h200_shipped",
        "b300_nvfp4",
        "fits_512gb_nvfp4",
        "read_per_token_gb",
    )
    return datafile.to_yaml("moe_sizing.py", summary, table, keys, AS_OF)


def show(table: list[dict[str, object]]) -> None:
    print(
        f"{'model':<28}{'total':>7}{'active':>7}{'FP8 GB':>8}{'4-bit GB':>9}{'H200':>6}{'as pub':>7}{'B300':>6}{'512GB':>7}"
        f"{'GB/token':>9}"
    )
    for row in table:
        print(
            f"{row['name']:<28}{row['total_b']:>7}{row['active_b']:>7}{row['fp8_gb']:>8}{row['nvfp4_gb']:>9}"
            f"{row['h200_fp8']:>6}{row['h200_shipped']:>7}{row['b300_nvfp4']:>6}{'yes' if row['fits_512gb_nvfp4'] else 'no':>7}"
            f"{row['read_per_token_gb']:>9}"
        )


def main(argv: list[str] | None = None) -> int:
    return datafile.cli(__doc__, rows, to_yaml, show, argv)


if __name__ == "__main__":
    sys.exit(main())
