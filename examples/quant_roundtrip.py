"""What each quantisation format loses: round-trip error on the same synthetic weights, format by format.

The model-formats chapter plots what this script writes to ``_data/quant-error.yaml``. It quantises one
synthetic weight matrix with each scheme and measures, against the 32-bit original:

* ``weight_error``: the relative root-mean-square error of the weights, ||W - Q(W)|| / ||W||;
* ``output_error``: the same for a layer's outputs, ||XW - XQ(W)|| / ||XW||, on random inputs X.

The weights are heavy-tailed (a Student-t distribution with 5 degrees of freedom, scaled like a 4096-wide
layer) because trained LLM weights have more outliers than a normal distribution, and outliers are what
make low-bit formats hard. The schemes follow their published definitions:

* INT8 and INT4 with one absmax scale per output channel (the simplest schemes);
* llama.cpp's blocks: 32 weights share one 16-bit scale (Q8_0 symmetric over +-127; Q4_0 on the 16 levels -8..7,
  as ggml computes it), and a 2-bit variant with a minimum and a scale per block, for contrast;
* NF4 from QLoRA: 16 levels at quantiles of a normal distribution, one 32-bit absmax per 64 weights;
* FP8 E4M3 with one scale per tensor;
* MXFP4 from the OCP Microscaling specification: FP4 (E2M1) elements, one power-of-two (E8M0) scale per 32;
* NVFP4: E2M1 elements, one FP8 (E4M3) scale per 16 and one 32-bit scale per tensor.

Bits per weight count the scales too (4-bit elements plus a 16-bit scale per 32 weights is 4.5 bits).
Synthetic weights are not a model: the numbers rank the formats and show why blocks and scales matter; the
chapter cites measured quality on real models separately. Run ``python examples/quant_roundtrip.py`` to
print the table, or ``--write PATH`` to regenerate the data file (the tests check it is current).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np

SEED = 0
ROWS, COLS, BATCH = 1024, 1024, 64
AS_OF = "2026-12-02"


# --- Number formats ---------------------------------------------------------------------------------------


def round_to_float(x: np.ndarray, mantissa_bits: int, min_exponent: int, max_value: float) -> np.ndarray:
    """Round to the nearest value of a small floating-point format (with subnormals), saturating at max."""
    magnitude = np.abs(x)
    exponent = np.floor(np.log2(np.maximum(magnitude, np.finfo(np.float64).tiny)))
    step = np.exp2(np.maximum(exponent, min_exponent) - mantissa_bits)
    return np.clip(np.round(x / step) * step, -max_value, max_value)


def e4m3(x: np.ndarray) -> np.ndarray:
    """FP8 E4M3 (OCP): 3 mantissa bits, smallest normal exponent -6, largest value 448."""
    return round_to_float(x, 3, -6, 448.0)


def e2m1(x: np.ndarray) -> np.ndarray:
    """FP4 E2M1: the eight magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6."""
    return round_to_float(x, 1, 0, 6.0)


def nf4_levels() -> np.ndarray:
    """The 16 NormalFloat-4 levels: quantiles of N(0, 1), eight positive and seven negative, plus zero,
    scaled to [-1, 1] (the construction of Dettmers et al., 2023, as bitsandbytes builds it)."""
    offset = 0.9677083
    ppf = NormalDist().inv_cdf
    positive = [ppf(p) for p in np.linspace(offset, 0.5, 9)[:-1]]
    negative = [-ppf(p) for p in np.linspace(offset, 0.5, 8)[:-1]]
    levels = np.array(sorted(positive + [0.0] + negative))
    return levels / np.abs(levels).max()


# --- Schemes: each takes a (rows, cols) matrix and returns its dequantised copy -------------------------------


def blocks(w: np.ndarray, size: int) -> np.ndarray:
    return w.reshape(w.shape[0], -1, size)


def int_absmax(
    w: np.ndarray, bits: int, block: int | None, scale_format: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Symmetric integers with one absmax scale per block (or per row when ``block`` is None)."""
    levels = 2 ** (bits - 1) - 1
    grouped = blocks(w, block) if block else w[:, None, :]
    scale = scale_format(np.abs(grouped).max(axis=-1, keepdims=True) / levels)
    scale = np.where(scale == 0, 1.0, scale)
    return (np.clip(np.round(grouped / scale), -levels, levels) * scale).reshape(w.shape)


def ggml_q4_0(w: np.ndarray, block: int = 32) -> np.ndarray:
    """llama.cpp's Q4_0: per block of 32, d = (the weight of largest magnitude, with its sign) / -8, so the 16
    levels -8..7 are used and the extreme weight maps exactly to -8; d is stored in 16 bits."""
    grouped = blocks(w, block)
    index = np.abs(grouped).argmax(axis=-1)[..., None]
    extreme = np.take_along_axis(grouped, index, axis=-1)
    d = fp16(extreme / -8.0)
    d = np.where(d == 0, 1.0, d)
    q = np.clip(np.floor(grouped / d + 8.5), 0, 15)
    return ((q - 8) * d).reshape(w.shape)


def int2_min_max(w: np.ndarray, block: int = 32) -> np.ndarray:
    """Asymmetric 2-bit: four levels from each block's minimum to its maximum (a 16-bit minimum and scale)."""
    grouped = blocks(w, block)
    low = fp16(grouped.min(axis=-1, keepdims=True))
    scale = fp16((grouped.max(axis=-1, keepdims=True) - low) / 3)
    scale = np.where(scale == 0, 1.0, scale)
    return (np.clip(np.round((grouped - low) / scale), 0, 3) * scale + low).reshape(w.shape)


def fp16(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float16).astype(np.float64)


def fp32(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float32).astype(np.float64)


def nf4(w: np.ndarray, block: int = 64) -> np.ndarray:
    levels = nf4_levels()
    grouped = blocks(w, block)
    absmax = fp32(np.abs(grouped).max(axis=-1, keepdims=True))
    normalised = grouped / absmax
    nearest = np.abs(normalised[..., None] - levels).argmin(axis=-1)
    return (levels[nearest] * absmax).reshape(w.shape)


def fp8_per_tensor(w: np.ndarray) -> np.ndarray:
    scale = float(fp32(np.abs(w).max() / 448.0))
    return e4m3(w / scale) * scale


def mxfp4(w: np.ndarray, block: int = 32) -> np.ndarray:
    """OCP MX: shared scale 2^(floor(log2(amax)) - 2), 2 being E2M1's largest exponent."""
    grouped = blocks(w, block)
    amax = np.abs(grouped).max(axis=-1, keepdims=True)
    scale = np.exp2(np.floor(np.log2(np.maximum(amax, np.finfo(np.float64).tiny))) - 2)
    return (e2m1(grouped / scale) * scale).reshape(w.shape)


def nvfp4(w: np.ndarray, block: int = 16) -> np.ndarray:
    """E2M1 elements; per-block scale amax/6 stored in E4M3 after a per-tensor FP32 scale."""
    tensor_scale = float(fp32(np.abs(w).max() / (6.0 * 448.0)))
    grouped = blocks(w, block)
    block_scale = e4m3(np.abs(grouped).max(axis=-1, keepdims=True) / 6.0 / tensor_scale)
    scale = np.where(block_scale == 0, 1.0, block_scale) * tensor_scale
    return (e2m1(grouped / scale) * scale).reshape(w.shape)


@dataclass(frozen=True)
class Scheme:
    name: str
    family: str
    bits_per_weight: float
    apply: Callable[[np.ndarray], np.ndarray]


SCHEMES = (
    Scheme("BF16", "float", 16, lambda w: round_to_float(w, 7, -126, 3.38e38)),
    Scheme("FP8 E4M3, per tensor", "float", 8, fp8_per_tensor),
    Scheme("INT8, per channel", "integer", 8, lambda w: int_absmax(w, 8, None, fp32)),
    Scheme("Q8_0 (INT8, blocks of 32)", "integer", 8.5, lambda w: int_absmax(w, 8, 32, fp16)),
    Scheme("INT4, per channel", "integer", 4, lambda w: int_absmax(w, 4, None, fp32)),
    Scheme("Q4_0 (INT4, blocks of 32)", "integer", 4.5, ggml_q4_0),
    Scheme("NF4 (blocks of 64)", "normal-float", 4.5, nf4),
    Scheme("MXFP4 (E2M1, blocks of 32)", "float", 4.25, mxfp4),
    Scheme("NVFP4 (E2M1, blocks of 16)", "float", 4.5, nvfp4),
    Scheme("INT2 with offset, blocks of 32", "integer", 3, int2_min_max),
)


def synthetic_weights(rng: np.random.Generator) -> np.ndarray:
    return rng.standard_t(df=5, size=(ROWS, COLS)) / np.sqrt(COLS)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


def measure() -> list[dict[str, object]]:
    rng = np.random.default_rng(SEED)
    w = synthetic_weights(rng)
    x = rng.standard_normal((BATCH, ROWS))
    reference = x @ w
    rows = []
    for scheme in SCHEMES:
        q = scheme.apply(w)
        rows.append(
            {
                "name": scheme.name,
                "family": scheme.family,
                "bits_per_weight": scheme.bits_per_weight,
                "weight_error": round(relative_error(w, q), 5),
                "output_error": round(relative_error(reference, x @ q), 5),
            }
        )
    return rows


def as_yaml(data: list[dict[str, object]]) -> str:
    lines = [
        "# GENERATED by examples/quant_roundtrip.py: do not edit; run `python examples/quant_roundtrip.py --write`.",
        f"# Round-trip error of each scheme on one synthetic {ROWS}x{COLS} heavy-tailed weight matrix (seed {SEED}),",
        "# relative to the 32-bit original: weight_error for the weights, output_error for the layer's outputs.",
    ]
    for row in data:
        lines.append(f"- name: {row['name']}")
        for key in ("family", "bits_per_weight", "weight_error", "output_error"):
            lines.append(f"  {key}: {row[key]}")
        lines.append(
            "  sources: [dettmers2023qlora, ocp2023mxspec, intel2026nvfp4, micikevicius2022fp8, ggml2026ggufspec]"
        )
        lines.append(f"  as_of: {AS_OF}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="write the YAML data file here")
    args = parser.parse_args(argv)
    data = measure()
    if args.write:
        args.write.write_text(as_yaml(data), encoding="utf-8")
        return 0
    print(f"{'scheme':<28} {'bits/weight':>11} {'weight error':>13} {'output error':>13}")
    for row in data:
        print(
            f"{row['name']:<28} {row['bits_per_weight']:>11} {row['weight_error']:>13.2%} {row['output_error']:>13.2%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
