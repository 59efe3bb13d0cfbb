"""How much memory a conversation's KV cache takes, and how many conversations fit, model by model.

The serving-engines chapter shows what this script writes to ``_data/kv-cache.yaml``. For each model it takes
the attention layout from the model's own configuration (cited per row) and computes, in BF16 (2 bytes an
element; an FP8 cache halves every number):

* the cache that grows with every token: for each layer that attends to the whole context,
  2 (key and value) x key-value heads x head dimension x 2 bytes;
* the fixed memory a sequence holds whatever its length: sliding-window layers hold at most ``window`` tokens,
  and linear-attention (Gated DeltaNet) layers hold a recurrent state of key dimension x value dimension per head;
* the memory of one 32,768-token conversation, and how many such conversations fit in 80 GB of cache memory
  (what is left on a 141 GB H200 after a 60 GB model, say).

Multi-head latent attention (MLA, DeepSeek) caches one compressed latent vector and one shared rotary key per
token and layer instead of per-head keys and values: ``kv_lora_rank + qk_rope_head_dim`` elements.

Run ``python examples/kv_cache.py`` to print the table, or ``--write PATH`` to regenerate the data file (the tests
check that the committed copy is current).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import datafile

AS_OF = "2026-12-02"
BYTES = 2  # BF16
CONTEXT = 32_768
CACHE_MEMORY = 80e9


@dataclass(frozen=True)
class Layout:
    name: str
    attention: str  # what the cache-holding layers are, for the table
    full_layers: int  # layers whose cache grows with the context
    kv_heads: int = 0
    head_dim: int = 0
    latent_dim: int = 0  # MLA: compressed latent + rotary key, elements per token and layer
    window_layers: int = 0
    window: int = 0
    linear_layers: int = 0
    linear_heads: int = 0
    linear_key_dim: int = 0
    linear_value_dim: int = 0
    sources: tuple[str, ...] = ()

    def growing_bytes_per_token(self) -> int:
        if self.latent_dim:
            return self.full_layers * self.latent_dim * BYTES
        return 2 * self.full_layers * self.kv_heads * self.head_dim * BYTES

    def fixed_bytes(self) -> int:
        window = 2 * self.window_layers * self.kv_heads * self.head_dim * self.window * BYTES
        linear = self.linear_layers * self.linear_heads * self.linear_key_dim * self.linear_value_dim * BYTES
        return window + linear

    def sequence_bytes(self, tokens: int) -> int:
        return self.growing_bytes_per_token() * tokens + self.fixed_bytes()


MODELS = (
    Layout(
        "Llama 3.1 8B",
        "GQA, 32 of 32 layers",
        full_layers=32,
        kv_heads=8,
        head_dim=128,
        sources=("meta2024llamamodelssku",),
    ),
    Layout(
        "Llama 3.1 70B",
        "GQA, 80 of 80 layers",
        full_layers=80,
        kv_heads=8,
        head_dim=128,
        sources=("meta2024llamamodelssku",),
    ),
    Layout(
        "Qwen3-32B",
        "GQA, 64 of 64 layers",
        full_layers=64,
        kv_heads=8,
        head_dim=128,
        sources=("qwen2025qwen332bcard",),
    ),
    Layout(
        "Gemma 3 27B",
        "GQA; 52 of 62 layers use a 1,024-token window",
        full_layers=10,
        kv_heads=16,
        head_dim=128,
        window_layers=52,
        window=1024,
        sources=("gdm2025gemmalib",),
    ),
    Layout(
        "gpt-oss-120b",
        "GQA; 18 of 36 layers use a 128-token window",
        full_layers=18,
        kv_heads=8,
        head_dim=64,
        window_layers=18,
        window=128,
        sources=("openai2025gptossrepo",),
    ),
    Layout("DeepSeek-V3", "MLA, 61 layers", full_layers=61, latent_dim=512 + 64, sources=("deepseek2024v3",)),
    Layout(
        "Qwen3-Next-80B-A3B",
        "GQA in 12 of 48 layers; 36 Gated DeltaNet layers",
        full_layers=12,
        kv_heads=2,
        head_dim=256,
        linear_layers=36,
        linear_heads=32,
        linear_key_dim=128,
        linear_value_dim=128,
        sources=("qwen2025qwen3nextcard",),
    ),
)


def rows() -> list[dict[str, object]]:
    table = []
    for m in MODELS:
        per_sequence = m.sequence_bytes(CONTEXT)
        table.append(
            {
                "name": m.name,
                "attention": m.attention,
                "kib_per_token": round(m.growing_bytes_per_token() / 1024, 1),
                "fixed_mib": round(m.fixed_bytes() / 2**20, 1),
                "gib_at_32k": round(per_sequence / 2**30, 2),
                "sequences_per_80gb": math.floor(CACHE_MEMORY / per_sequence),
                "sources": list(m.sources),
            }
        )
    return table


def to_yaml(table: list[dict[str, object]]) -> str:
    summary = [
        f"KV-cache memory in BF16 per token and per {CONTEXT:,}-token conversation, and how many such conversations",
        "fit in 80 GB of cache memory, from each model's published attention layout.",
    ]
    keys = ("attention", "kib_per_token", "fixed_mib", "gib_at_32k", "sequences_per_80gb")
    return datafile.to_yaml("kv_cache.py", summary, table, keys, AS_OF)


def show(table: list[dict[str, object]]) -> None:
    print(f"{'model':<22}{'KiB/token':>10}{'fixed MiB':>10}{'GiB @32K':>10}{'seqs/80GB':>10}")
    for row in table:
        print(
            f"{row['name']:<22}{row['kib_per_token']:>10}{row['fixed_mib']:>10}{row['gib_at_32k']:>10}"
            f"{row['sequences_per_80gb']:>10}"
        )


def main(argv: list[str] | None = None) -> int:
    return datafile.cli(__doc__, rows, to_yaml, show, argv)


if __name__ == "__main__":
    sys.exit(main())
