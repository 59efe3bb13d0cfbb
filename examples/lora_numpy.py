"""LoRA from scratch in NumPy: adapt a frozen layer with two small matrices, then merge them away.

A "pre-trained" linear layer W (d_out x d_in) is frozen. The new task needs W + delta, where delta has low
rank, as Hu et al. (2021) argue the change from fine-tuning does. LoRA learns delta as B @ A, with A (r x d_in)
random and B (d_out x r) zero at the start, so the adapted layer begins exactly as the pre-trained one, and
scales it by alpha / r. Only A and B are trained; afterwards W + (alpha / r) B @ A is a plain matrix again,
so the tuned layer costs nothing extra at inference.

Run ``python examples/lora_numpy.py``: it prints the trainable parameters of full and LoRA tuning, the loss
before and after tuning each, and checks that the merged layer gives the adapter's outputs.
Needs only NumPy; runs in about a second on a laptop CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Result:
    method: str
    trainable: int
    loss_before: float
    loss_after: float


def make_task(rng: np.random.Generator, d_in: int, d_out: int, true_rank: int, n: int):
    """A frozen layer W, and a task whose ideal layer is W plus a rank-``true_rank`` change."""
    w = rng.normal(0, 1 / np.sqrt(d_in), (d_out, d_in))
    delta = rng.normal(0, 1, (d_out, true_rank)) @ rng.normal(0, 1, (true_rank, d_in)) / d_in
    x = rng.normal(0, 1, (n, d_in))
    y = x @ (w + delta).T + rng.normal(0, 0.01, (n, d_out))
    return w, x, y


def mse(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((pred - y) ** 2))


def tune_full(w: np.ndarray, x: np.ndarray, y: np.ndarray, steps: int, lr: float) -> tuple[np.ndarray, Result]:
    """Plain gradient descent on every weight of the layer."""
    w = w.copy()
    before = mse(x @ w.T, y)
    for _ in range(steps):
        grad = 2 * (x @ w.T - y).T @ x / y.size
        w -= lr * grad
    return w, Result("full", w.size, before, mse(x @ w.T, y))


def tune_lora(
    w: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    rank: int,
    alpha: float,
    steps: int,
    lr: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, Result]:
    """Gradient descent on A and B only; W stays frozen."""
    d_out, d_in = w.shape
    a = rng.normal(0, 1 / np.sqrt(d_in), (rank, d_in))
    b = np.zeros((d_out, rank))  # B = 0: the adapted layer starts as the pre-trained one
    scale = alpha / rank
    before = mse(x @ (w + scale * b @ a).T, y)
    for _ in range(steps):
        h = x @ a.T  # (n, r): the low-rank bottleneck
        err = x @ w.T + scale * h @ b.T - y
        g_out = 2 * err / y.size  # dLoss/dOutput
        grad_b = scale * g_out.T @ h
        grad_a = scale * (g_out @ b).T @ x
        a -= lr * grad_a
        b -= lr * grad_b
    after = mse(x @ (w + scale * b @ a).T, y)
    return a, b, Result(f"LoRA r={rank}", a.size + b.size, before, after)


def main() -> list[Result]:
    rng = np.random.default_rng(0)
    d_in = d_out = 128
    w, x, y = make_task(rng, d_in, d_out, true_rank=4, n=1024)
    _, full = tune_full(w, x, y, steps=300, lr=4.0)
    a, b, lora = tune_lora(w, x, y, rank=8, alpha=16, steps=300, lr=4.0, rng=rng)
    merged = w + (16 / 8) * b @ a  # fold the adapter into the weight: one matrix again
    unmerged_out = x @ w.T + (16 / 8) * (x @ a.T) @ b.T
    assert np.allclose(x @ merged.T, unmerged_out), "merging changes nothing but the number of matrices"
    for r in (full, lora):
        print(
            f"{r.method:>10}: {r.trainable:>6,} trainable parameters, loss {r.loss_before:.4f} -> {r.loss_after:.5f}"
        )
    print(f"LoRA trains {lora.trainable / full.trainable:.1%} of the layer's parameters; merged output matches.")
    return [full, lora]


if __name__ == "__main__":
    main()
