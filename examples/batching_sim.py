"""Why serving engines batch the way they do: static, continuous and chunked-prefill scheduling, simulated.

The serving-engines chapter plots what this script writes to ``_data/batching-sim.yaml``. It replays one
synthetic stream of chat requests through three schedulers on a model of one GPU and reports, for each
arrival rate, the output throughput and the latencies a user feels.

The GPU model is a roofline, the same reasoning as the hardware chapter's: a forward pass takes the longer of

* its memory time: the weights plus the KV cache it reads, divided by the memory bandwidth, and
* its compute time: 2 x parameters x tokens processed, divided by the dense BF16 throughput,

each derated to what kernels reach in practice (``BANDWIDTH_EFFICIENCY``, ``COMPUTE_EFFICIENCY``). The numbers
are those of an 8B dense model in BF16 (Llama 3.1 8B: 32 layers, 8 key-value heads of 128 dimensions, so
2 x 32 x 8 x 128 x 2 bytes = 128 KiB of KV cache a token) on an 80 GB H100 SXM (3.35 TB/s, 989 dense BF16
TFLOPS). A decode step for a batch is therefore dominated by reading 16 GB of weights once, whatever the batch
size, which is the whole case for batching.

The schedulers:

* ``static``: request-level batching. When the GPU is free it takes up to ``MAX_BATCH`` waiting requests,
  prefills them together and decodes until the longest has finished; requests that arrive meanwhile wait.
* ``continuous``: iteration-level batching (Orca). Before every step, waiting requests join while KV memory
  and the batch limit allow, and a finished request leaves at once. A joining prompt is prefilled whole, in the
  same step as the running requests' decode, so a long prompt stalls everyone's next token.
* ``chunked``: continuous batching with chunked prefill (Sarathi-Serve, vLLM's default). Each step has a budget
  of ``TOKEN_BUDGET`` tokens: running requests decode first (one token each) and prompt chunks fill the rest.

Requests arrive as a Poisson process. Prompt and output lengths are log-normal (medians of 800 and 200 tokens,
capped at 8,000 and 2,000), a shape typical of chat traffic. Everything is seeded, so the output is the same on
every machine. This is a model, not a measurement of any engine: it shows *why* the schedulers differ and by
roughly how much; real engines add CUDA graphs, preemption, prefix caching and much else.

Run ``python examples/batching_sim.py`` to print the table, or ``--write PATH`` to regenerate the data file
(the tests check that the committed copy is current).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import datafile
import numpy as np

AS_OF = "2026-12-02"
SOURCES = ["yu2022orca", "kwon2023paged", "agrawal2024sarathiserve", "dubey2024llama3", "zhong2024distserve"]

# The model and the GPU (see the module docstring for where each number comes from).
PARAMS = 8.0e9
WEIGHT_BYTES = 2 * PARAMS
KV_BYTES_PER_TOKEN = 2 * 32 * 8 * 128 * 2
GPU_MEMORY = 80e9
BANDWIDTH = 3.35e12
BF16_FLOPS = 989e12
BANDWIDTH_EFFICIENCY = 0.8
COMPUTE_EFFICIENCY = 0.5
STEP_OVERHEAD_S = 0.002  # scheduling, sampling and kernel launches per step
KV_BUDGET_TOKENS = int((GPU_MEMORY * 0.9 - WEIGHT_BYTES) / KV_BYTES_PER_TOKEN)

# The schedulers' limits.
MAX_BATCH = 256
TOKEN_BUDGET = 2048

# The workload.
SEED = 0
DURATION_S = 60.0
RATES = (2, 5, 10, 15, 20, 25, 30)
SCHEDULERS = ("static", "continuous", "chunked")
TTFT_SLO_S = 1.0
TPOT_SLO_S = 0.05


def step_time(prefill_tokens: int, decode_tokens: int, kv_tokens_read: int) -> float:
    """Seconds for one forward pass over ``prefill_tokens + decode_tokens`` new tokens that attends to
    ``kv_tokens_read`` cached tokens: the roofline maximum of memory and compute time, plus a fixed overhead."""
    new_tokens = prefill_tokens + decode_tokens
    memory = (WEIGHT_BYTES + kv_tokens_read * KV_BYTES_PER_TOKEN) / (BANDWIDTH * BANDWIDTH_EFFICIENCY)
    compute = 2 * PARAMS * new_tokens / (BF16_FLOPS * COMPUTE_EFFICIENCY)
    return max(memory, compute) + STEP_OVERHEAD_S


@dataclass
class Request:
    arrival: float
    prompt: int
    output: int
    prefilled: int = 0
    generated: int = 0
    token_times: list[float] = field(default_factory=list)

    @property
    def context(self) -> int:
        return self.prefilled + self.generated


def workload(rate: float, seed: int = SEED) -> list[Request]:
    rng = np.random.default_rng(seed)
    count = int(rate * DURATION_S)
    arrivals = np.cumsum(rng.exponential(1 / rate, count))
    prompts = np.minimum(np.round(rng.lognormal(math.log(800), 0.8, count)), 8000).astype(int)
    outputs = np.minimum(np.round(rng.lognormal(math.log(200), 0.8, count)), 2000).astype(int)
    return [Request(float(a), max(int(p), 1), max(int(o), 1)) for a, p, o in zip(arrivals, prompts, outputs)]


def run_static(requests: list[Request]) -> None:
    clock, queue = 0.0, list(requests)
    while queue:
        clock = max(clock, queue[0].arrival)
        batch = [r for r in queue[:MAX_BATCH] if r.arrival <= clock]
        queue = queue[len(batch) :]
        prompt_tokens = sum(r.prompt for r in batch)
        clock += step_time(prompt_tokens, 0, 0)
        for r in batch:  # the prefill pass also yields each request's first token
            r.prefilled, r.generated = r.prompt, 1
            r.token_times.append(clock)
        while any(r.generated < r.output for r in batch):
            running = [r for r in batch if r.generated < r.output]
            # the whole batch stays resident (padded) until the longest request ends
            clock += step_time(0, len(running), sum(r.context for r in batch))
            for r in running:
                r.generated += 1
                r.token_times.append(clock)


def run_iteration_level(requests: list[Request], chunked: bool) -> None:
    clock, pending, running = 0.0, list(requests), []
    index = 0
    while index < len(pending) or running:
        if not running and index < len(pending):
            clock = max(clock, pending[index].arrival)
        reserved = sum(r.prompt + r.output for r in running)
        while (
            index < len(pending)
            and pending[index].arrival <= clock
            and len(running) < MAX_BATCH
            and reserved + pending[index].prompt + pending[index].output <= KV_BUDGET_TOKENS
        ):
            running.append(pending[index])
            reserved += pending[index].prompt + pending[index].output
            index += 1
        decoding = [r for r in running if r.prefilled == r.prompt]
        prefilling = [r for r in running if r.prefilled < r.prompt]
        budget = TOKEN_BUDGET - len(decoding) if chunked else sum(r.prompt - r.prefilled for r in prefilling)
        chunks: list[tuple[Request, int]] = []
        for r in prefilling:
            take = min(r.prompt - r.prefilled, max(budget, 0))
            if take:
                chunks.append((r, take))
                budget -= take
        kv_read = sum(r.context for r in running)
        clock += step_time(sum(take for _, take in chunks), len(decoding), kv_read)
        for r in decoding:
            r.generated += 1
            r.token_times.append(clock)
        for r, take in chunks:
            r.prefilled += take
            if r.prefilled == r.prompt:  # the last prefill chunk yields the first token
                r.generated = 1
                r.token_times.append(clock)
        running = [r for r in running if r.generated < r.output]


def simulate(scheduler: str, rate: float) -> dict[str, float | int | str]:
    requests = workload(rate)
    if scheduler == "static":
        run_static(requests)
    else:
        run_iteration_level(requests, chunked=scheduler == "chunked")
    ttft = np.array([r.token_times[0] - r.arrival for r in requests])
    gaps = np.concatenate([np.diff(r.token_times) for r in requests if len(r.token_times) > 1])
    tpot = np.array(
        [
            (r.token_times[-1] - r.token_times[0]) / (len(r.token_times) - 1)
            for r in requests
            if len(r.token_times) > 1
        ]
    )
    makespan = max(r.token_times[-1] for r in requests) - min(r.arrival for r in requests)
    good = sum(
        1
        for r in requests
        if r.token_times[0] - r.arrival <= TTFT_SLO_S
        and (
            len(r.token_times) == 1
            or (r.token_times[-1] - r.token_times[0]) / (len(r.token_times) - 1) <= TPOT_SLO_S
        )
    )
    return {
        "scheduler": scheduler,
        "arrival_rate": rate,
        "output_tok_s": round(sum(r.output for r in requests) / makespan),
        "ttft_p50_s": round(float(np.percentile(ttft, 50)), 3),
        "ttft_p99_s": round(float(np.percentile(ttft, 99)), 3),
        "tpot_median_ms": round(float(np.median(tpot)) * 1000, 1),
        "itl_p99_ms": round(float(np.percentile(gaps, 99)) * 1000, 1),
        "slo_met_pct": round(100 * good / len(requests), 1),
    }


def rows() -> list[dict[str, float | int | str]]:
    return [simulate(s, rate) for s in SCHEDULERS for rate in RATES]


NAMES = {
    "static": "Static batching",
    "continuous": "Continuous batching",
    "chunked": "Continuous + chunked prefill",
}


def to_yaml(table: list[dict[str, float | int | str]]) -> str:
    lines = [
        "# GENERATED by examples/batching_sim.py: do not edit; run `python examples/batching_sim.py --write`.",
        "# Simulated serving of one seeded stream of chat requests by an 8B BF16 model on one H100-class GPU,",
        f"# under three schedulers (roofline step-time model; SLO: TTFT <= {TTFT_SLO_S:g} s and "
        f"TPOT <= {1000 * TPOT_SLO_S:g} ms).",
    ]
    for row in table:
        lines.append(f"- name: {NAMES[str(row['scheduler'])]}, {row['arrival_rate']} requests/s")
        lines.extend(f"  {key}: {value}" for key, value in row.items())
        lines.append(f"  sources: [{', '.join(SOURCES)}]")
        lines.append(f"  as_of: {AS_OF}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def show(table: list[dict[str, float | int | str]]) -> None:
    print(
        f"KV cache holds {KV_BUDGET_TOKENS:,} tokens; one decode step at batch 1 takes "
        f"{1000 * step_time(0, 1, 1000):.1f} ms"
    )
    header = f"{'scheduler':<12}{'req/s':>6}{'tok/s':>8}{'TTFT p50':>10}{'TTFT p99':>10}{'TPOT':>8}{'ITL p99':>9}{'SLO %':>7}"
    print(header)
    for row in table:
        print(
            f"{row['scheduler']:<12}{row['arrival_rate']:>6}{row['output_tok_s']:>8}{row['ttft_p50_s']:>10}"
            f"{row['ttft_p99_s']:>10}{row['tpot_median_ms']:>8}{row['itl_p99_ms']:>9}{row['slo_met_pct']:>7}"
        )


def main(argv: list[str] | None = None) -> int:
    return datafile.cli(__doc__, rows, to_yaml, show, argv)


if __name__ == "__main__":
    sys.exit(main())
