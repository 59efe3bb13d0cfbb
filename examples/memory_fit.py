"""Which models fit on which machine: memory for weights plus the KV cache of a conversation, by quantisation.

The desktop-apps chapter shows what this script writes to ``_data/memory-fit.yaml``. For each model and GGUF
quantisation it computes

    memory = parameters x bits per weight / 8  +  KV cache for the context  (+ the fixed state of windowed layers)

with bits per weight as llama.cpp's quantisation table measures them on Llama 3.1 8B (Q4_K_M 4.8944, Q8_0 8.5008,
F16 16.0005, scales included), except for gpt-oss, which is run in its native MXFP4 at the published file size, and the KV cache from the model's published attention layout in 16-bit precision
(the same layouts as ``kv_cache.py``). It then names the smallest common memory size that holds the model with
``HEADROOM_GB`` to spare for the operating system, the app and the runtime's buffers, an assumption of this book,
not a measured figure. On a discrete GPU the memory is the card's; on Apple silicon and other unified-memory machines
it is the system's, of which the GPU can use most but not all.

Mixture-of-experts models need memory for *all* their parameters but compute only the active ones, which is why a
120B MoE model can be usable on a 128 GB laptop where a dense 70B model is slow (see the chapter).
"""

from __future__ import annotations

import sys

import datafile
from kv_cache import MODELS as LAYOUTS
from kv_cache import Layout

AS_OF = "2026-12-02"
CONTEXT = 32_768
HEADROOM_GB = 4.0
MACHINES_GB = (8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 512)
BITS = {"Q4_K_M": 4.8944, "Q8_0": 8.5008, "F16": 16.0005}
# gpt-oss ships its expert weights in MXFP4 and is run as published, not re-quantised: its GGUF files weigh what
# llama.cpp's DGX Spark benchmark lists (GiB), so those sizes replace the bits-per-weight formula for these models.
NATIVE_GIB = {"gpt-oss-20b": ("MXFP4", 11.27), "gpt-oss-120b": ("MXFP4", 59.02)}

# Total parameters in billions, as the book's models data records them.
PARAMS_B = {
    "Llama 3.1 8B": 8.0,
    "gpt-oss-20b": 21.0,
    "Gemma 3 27B": 27.0,
    "Qwen3-32B": 32.8,
    "Llama 3.1 70B": 70.0,
    "Qwen3-Next-80B-A3B": 80.0,
    "gpt-oss-120b": 117.0,
}
EXTRA_LAYOUTS = (
    Layout(
        "gpt-oss-20b",
        "GQA; 12 of 24 layers use a 128-token window",
        full_layers=12,
        kv_heads=8,
        head_dim=64,
        window_layers=12,
        window=128,
        sources=("openai2025gptossrepo", "nvidia2026megatronbridgegptoss"),
    ),
)
SOURCES = [
    "ggml2026quantizereadme",
    "ggml2025dgxsparkbench",
    "meta2024llamamodelssku",
    "qwen2025qwen332bcard",
    "gdm2025gemmalib",
    "openai2025gptossrepo",
    "qwen2025qwen3nextcard",
]


def layouts() -> dict[str, Layout]:
    return {layout.name: layout for layout in (*LAYOUTS, *EXTRA_LAYOUTS)}


def quants(model: str) -> tuple[str, ...]:
    return (NATIVE_GIB[model][0],) if model in NATIVE_GIB else tuple(BITS)


def memory_gb(model: str, quant: str, context: int = CONTEXT) -> tuple[float, float]:
    """(weights, KV cache) in GB (10^9 bytes) for ``model`` quantised as ``quant`` with ``context`` tokens."""
    if model in NATIVE_GIB:
        weights = NATIVE_GIB[model][1] * 2**30 / 1e9
    else:
        weights = PARAMS_B[model] * 1e9 * BITS[quant] / 8 / 1e9
    cache = layouts()[model].sequence_bytes(context) / 1e9
    return weights, cache


def smallest_machine(total_gb: float) -> int | None:
    return next((size for size in MACHINES_GB if total_gb + HEADROOM_GB <= size), None)


def rows() -> list[dict[str, object]]:
    table = []
    for model in PARAMS_B:
        for quant in quants(model):
            weights, cache = memory_gb(model, quant)
            total = weights + cache
            table.append(
                {
                    "name": f"{model}, {quant}",
                    "model": model,
                    "quant": quant,
                    "params_b": PARAMS_B[model],
                    "weights_gb": round(weights, 1),
                    "kv_32k_gb": round(cache, 1),
                    "total_gb": round(total, 1),
                    "smallest_machine_gb": smallest_machine(total),
                }
            )
    return table


def to_yaml(table: list[dict[str, object]]) -> str:
    summary = [
        f"Memory for weights (GGUF bits per weight) plus a {CONTEXT:,}-token 16-bit KV cache, and the smallest",
        f"common memory size that holds it with {HEADROOM_GB:g} GB to spare.",
    ]
    keys = ("model", "quant", "params_b", "weights_gb", "kv_32k_gb", "total_gb", "smallest_machine_gb")
    return datafile.to_yaml("memory_fit.py", summary, table, keys, AS_OF, SOURCES)


def show(table: list[dict[str, object]]) -> None:
    print(f"{'model':<30}{'weights':>9}{'KV 32K':>8}{'total':>8}{'machine':>9}")
    for row in table:
        print(
            f"{row['name']:<30}{row['weights_gb']:>9}{row['kv_32k_gb']:>8}{row['total_gb']:>8}"
            f"{str(row['smallest_machine_gb']):>9}"
        )


def main(argv: list[str] | None = None) -> int:
    return datafile.cli(__doc__, rows, to_yaml, show, argv)


if __name__ == "__main__":
    sys.exit(main())
