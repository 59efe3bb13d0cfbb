"""The runnable examples under examples/: each runs offline here and does what the chapter says it does."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "examples"))


@pytest.mark.parametrize(
    "script, data",
    [
        ("finetune_memory.py", "finetune-memory.yaml"),
        ("quant_roundtrip.py", "quant-error.yaml"),
        ("batching_sim.py", "batching-sim.yaml"),
        ("kv_cache.py", "kv-cache.yaml"),
        ("memory_fit.py", "memory-fit.yaml"),
        ("decode_ceiling.py", "decode-ceiling.yaml"),
        ("moe_sizing.py", "moe-sizing.yaml"),
    ],
)
def test_generated_data_is_what_the_script_writes(script: str, data: str, tmp_path) -> None:
    """The _data/ files an example generates are committed; the committed copy must be current."""
    out = tmp_path / data
    subprocess.run([sys.executable, str(ROOT / "examples" / script), "--write", str(out)], check=True)
    committed = (ROOT / "_data" / data).read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, (
        f"run `python examples/{script} --write _data/{data}` and commit the result"
    )


def test_finetune_memory_follows_the_published_accounting() -> None:
    import finetune_memory as fm

    assert fm.memory_gb(70, "full_adamw") == 70 * 16, "mixed-precision Adam: 16 bytes a parameter (ZeRO)"
    assert fm.memory_gb(8, "inference_bf16") == 16
    # QLoRA: 4-bit NF4 plus 0.127 bits of constants a parameter, so 65B needs ~33.5 GB before adapters, which
    # is why the QLoRA paper could tune 65B on one 48 GB GPU.
    assert 33 < 65 * fm.NF4_DOUBLE_QUANT < 34
    sizes = [row["params_b"] for row in fm.rows()]
    assert sizes == sorted(sizes)
    for row in fm.rows():
        assert row["qlora_nf4_gb"] < row["lora_bf16_gb"] < row["full_adamw_gb"]
        assert row["lora_bf16_gb"] > row["inference_bf16_gb"], "LoRA holds the whole base model plus adapters"


def test_finetune_memory_prints_a_table() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "finetune_memory.py")], capture_output=True, text=True, check=True
    )
    assert "QLoRA" in result.stdout and "70B" in result.stdout and "1120" in result.stdout


def test_lora_example_matches_full_tuning_with_a_fraction_of_the_parameters(capsys: pytest.CaptureFixture) -> None:
    import lora_numpy

    full, lora = lora_numpy.main()
    assert lora.trainable < full.trainable / 5
    assert lora.loss_after < lora.loss_before / 50, "the adapter learns the low-rank change"
    assert lora.loss_after < 2 * full.loss_after, "and gets as close as full tuning does"
    assert "merged output matches" in capsys.readouterr().out


def test_lora_starts_as_the_pretrained_layer() -> None:
    import lora_numpy
    import numpy as np

    rng = np.random.default_rng(1)
    w, x, y = lora_numpy.make_task(rng, 16, 16, true_rank=2, n=64)
    _, _, result = lora_numpy.tune_lora(w, x, y, rank=2, alpha=4, steps=0, lr=0.1, rng=rng)
    assert result.loss_before == result.loss_after == lora_numpy.mse(x @ w.T, y), "B = 0 at the start"


def test_small_float_formats_hold_exactly_their_published_values() -> None:
    import numpy as np
    import quant_roundtrip as q

    fp4 = sorted({abs(float(v)) for v in q.e2m1(np.linspace(-7, 7, 2001))})
    assert fp4 == [0, 0.5, 1, 1.5, 2, 3, 4, 6], "E2M1 has exactly eight magnitudes, the largest 6"
    assert float(q.e4m3(np.array([1000.0]))[0]) == 448, "E4M3 saturates at 448"
    assert float(q.e4m3(np.array([2.0**-9]))[0]) == 2.0**-9, "E4M3's smallest subnormal is 2^-9"
    levels = q.nf4_levels()
    assert len(levels) == 16 and levels.min() == -1 and levels.max() == 1 and 0 in levels
    assert (levels > 0).sum() == 8 and (levels < 0).sum() == 7, "NF4: eight positive levels, seven negative"


def test_quantisation_error_ranks_the_schemes_as_their_bits_and_blocks_predict() -> None:
    import quant_roundtrip as q

    error = {row["name"]: row["weight_error"] for row in q.measure()}
    assert error["BF16"] < error["Q8_0 (INT8, blocks of 32)"] < error["Q4_0 (INT4, blocks of 32)"]
    assert error["Q4_0 (INT4, blocks of 32)"] < error["INT4, per channel"] / 1.5, "small blocks contain outliers"
    assert error["NVFP4 (E2M1, blocks of 16)"] < error["MXFP4 (E2M1, blocks of 32)"], (
        "NVFP4's finer blocks and FP8 scales beat MXFP4's power-of-two scales"
    )
    assert error["NF4 (blocks of 64)"] < error["Q4_0 (INT4, blocks of 32)"], "NF4 suits bell-shaped weights"
    assert max(error.values()) == error["INT2 with offset, blocks of 32"]


def test_lora_stalls_when_the_needed_change_is_full_rank() -> None:
    """The chapter's 'LoRA learns less' toy: with a full-rank change, rank-8 LoRA stays far above full tuning."""
    import lora_numpy
    import numpy as np

    rng = np.random.default_rng(0)
    w, x, y = lora_numpy.make_task(rng, 128, 128, true_rank=128, n=1024)
    _, full = lora_numpy.tune_full(w, x, y, steps=300, lr=4.0)
    _, _, lora = lora_numpy.tune_lora(w, x, y, rank=8, alpha=16, steps=300, lr=4.0, rng=rng)
    assert full.loss_after < full.loss_before / 50
    assert lora.loss_after > 10 * full.loss_after, "a rank-8 adapter cannot express a full-rank change"


def test_safe_loading_shows_pickle_running_code_and_safetensors_header(capsys: pytest.CaptureFixture) -> None:
    import safe_loading

    result = safe_loading.main()
    assert result["pickle_ran_code"] == ["code ran while the checkpoint loaded"], "unpickling called the payload"
    assert result["header_entry"] == {"dtype": "F16", "shape": [1024, 1024], "data_offsets": [2621440, 4718592]}
    overhead = result["safetensors_bytes"] - 2 * result["parameters"]
    assert 0 < overhead < 4096, "a safetensors file is the raw bytes plus a small JSON header"
    assert "poisoned pickle called" in capsys.readouterr().out


def test_safetensors_cannot_express_a_call(tmp_path) -> None:
    """A file is 8 bytes of header length, a JSON header and raw bytes; a header naming anything else is refused."""
    import json
    import struct

    from safetensors.numpy import load_file

    header = json.dumps(
        {"x": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]}, "__reduce__": "os.system"}
    ).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\x00\x00")
    with pytest.raises(Exception):  # noqa: B017 - safetensors' error class is not part of its public API
        load_file(str(path))


# --- Serving engines -------------------------------------------------------------------------------------------


def test_batching_simulation_shows_what_each_scheduler_is_for() -> None:
    import batching_sim as sim

    assert sim.KV_BYTES_PER_TOKEN == 128 * 1024, "Llama 3.1 8B in BF16: 2 x 32 layers x 8 heads x 128 x 2 bytes"
    # Decoding one sequence reads all 16 GB of weights: about 6 ms at 80% of 3.35 TB/s, plus the step overhead.
    assert 0.007 < sim.step_time(0, 1, 1000) < 0.009
    assert sim.step_time(0, 64, 64_000) < 2 * sim.step_time(0, 1, 1000), (
        "a batch of 64 costs far less than 64 steps"
    )
    assert sim.step_time(8000, 0, 0) > 5 * sim.step_time(0, 1, 0), "a long prefill is compute-bound"
    table = {(r["scheduler"], r["arrival_rate"]): r for r in sim.rows()}
    static, cont, chunked = (
        max(r["output_tok_s"] for (s, _), r in table.items() if s == name)
        for name in ("static", "continuous", "chunked")
    )
    assert cont > 2.5 * static, "iteration-level scheduling serves far more than request-level batching"
    assert table[("static", 5)]["ttft_p50_s"] > 20 * table[("continuous", 5)]["ttft_p50_s"]
    heavy = max(sim.RATES)
    assert table[("chunked", heavy)]["itl_p99_ms"] < table[("continuous", heavy)]["itl_p99_ms"] / 2, (
        "chunked prefill bounds the gap a long prompt causes"
    )
    assert table[("chunked", 20)]["slo_met_pct"] > table[("continuous", 20)]["slo_met_pct"]


def test_continuous_batching_serves_every_request_and_token() -> None:
    import batching_sim as sim

    for chunked in (False, True):
        requests = sim.workload(5)[:200]
        sim.run_iteration_level(requests, chunked=chunked)
        assert all(len(r.token_times) == r.output for r in requests)
        assert all(r.token_times == sorted(r.token_times) and r.token_times[0] > r.arrival for r in requests)


def test_kv_cache_follows_the_published_layouts() -> None:
    import kv_cache

    table = {row["name"]: row for row in kv_cache.rows()}
    assert table["Llama 3.1 8B"]["kib_per_token"] == 128 and table["Llama 3.1 8B"]["gib_at_32k"] == 4
    assert table["Llama 3.1 70B"]["kib_per_token"] == 320
    # MLA caches 512 + 64 elements a layer instead of 2 x 128 heads x 128 dims: 70 KB a token over 61 layers.
    assert table["DeepSeek-V3"]["kib_per_token"] == round(61 * 576 * 2 / 1024, 1)
    # Sliding-window layers hold at most the window: Gemma 3's 52 local layers cost the same at any length.
    gemma = next(m for m in kv_cache.MODELS if m.name == "Gemma 3 27B")
    assert gemma.sequence_bytes(100_000) - gemma.sequence_bytes(50_000) == 50_000 * 10 * 2 * 16 * 128 * 2
    assert table["Qwen3-Next-80B-A3B"]["sequences_per_80gb"] > 5 * table["Llama 3.1 70B"]["sequences_per_80gb"]


def test_stream_latency_times_a_streamed_completion() -> None:
    """A stand-in OpenAI-compatible server streams five chunks 50 ms apart after a 200 ms 'prefill'."""
    import http.server
    import json
    import threading

    import stream_latency

    class Server(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            assert self.path == "/v1/chat/completions" and body["stream"] is True
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            time.sleep(0.2)
            chunks = [{"choices": [{"delta": {"role": "assistant"}}]}]  # no text: not a token
            chunks += [{"choices": [{"delta": {"content": word}}]} for word in ("a", " b", " c", " d", " e")]
            for i, chunk in enumerate(chunks):
                if i > 1:
                    time.sleep(0.05)
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")

        def log_message(self, *args: object) -> None:
            pass

    import time

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        t = stream_latency.measure(f"http://127.0.0.1:{server.server_port}/v1", "m", "hi")
    finally:
        server.shutdown()
        server.server_close()
    assert t.chunks == 5
    assert 0.2 <= t.ttft_s < 0.4
    assert len(t.gaps_s) == 4 and all(0.04 < g < 0.15 for g in t.gaps_s)
    assert 0.04 < t.tpot_s < 0.15


# --- Vector databases ------------------------------------------------------------------------------------------


def test_ann_benchmark_knobs_trade_speed_for_recall() -> None:
    """A quick run (10,000 vectors): each index's knob raises recall as it lowers speed, and compression costs
    recall that re-scoring buys back."""
    pytest.importorskip("faiss")
    import ann_benchmark

    rows = ann_benchmark.measure(10_000, 100, repeats=1)
    by_family: dict[str, list[dict]] = {}
    for row in rows:
        by_family.setdefault(str(row["family"]), []).append(row)
    assert by_family["Flat"][0]["recall_at_10"] == 1.0, "exact search is the ground truth"
    for family in ("IVF-Flat", "HNSW", "HNSW-SQ8", "Binary+rescore"):
        recalls = [r["recall_at_10"] for r in by_family[family]]
        assert recalls == sorted(recalls), f"{family}: a wider search never lowers recall"
        assert recalls[-1] > recalls[0], f"{family}: the knob matters"
    assert max(r["recall_at_10"] for r in by_family["HNSW"]) >= 0.99
    assert (
        by_family["Binary+rescore"][0]["recall_at_10"] < 0.8 < by_family["Binary+rescore"][-1]["recall_at_10"]
    ), "one bit a dimension alone loses neighbours; re-scoring more candidates recovers them"
    sizes = {family: group[0]["bytes_per_vector"] for family, group in by_family.items()}
    assert sizes["Binary+rescore"] == 384 // 8 and sizes["HNSW-SQ8"] < sizes["Flat"] / 2 < sizes["HNSW"]
    assert sizes["IVF-PQ"] < sizes["HNSW-SQ8"]


def test_ann_benchmark_data_file_matches_its_schema_and_script() -> None:
    """The committed measurement names its machine and covers every index family the script measures."""
    import ann_benchmark
    import yaml

    text = (ROOT / "_data" / "ann-benchmark.yaml").read_text(encoding="utf-8")
    assert "GENERATED by examples/ann_benchmark.py" in text and "measured on:" in text
    rows = yaml.safe_load(text)
    assert {r["family"] for r in rows} == {"Flat", "IVF-Flat", "HNSW", "IVF-PQ", "HNSW-SQ8", "Binary+rescore"}
    assert all(r["sources"] == ann_benchmark.SOURCES for r in rows)


def test_rrf_fuses_ranks_and_hybrid_search_keeps_both_kinds_of_match(capsys: pytest.CaptureFixture) -> None:
    import hybrid_rrf

    fused = dict(hybrid_rrf.rrf([["x", "y"], ["y", "z"]], k=60))
    assert fused["y"] == pytest.approx(1 / 62 + 1 / 61), "a document in both lists sums its reciprocal ranks"
    assert fused["x"] == pytest.approx(1 / 61) and list(fused)[0] == "y"
    keyword = hybrid_rrf.bm25_ranking("E-4471", hybrid_rrf.DOCS)
    assert set(keyword) == {"a", "e"}, "BM25 matches the exact code and nothing else"
    dense = hybrid_rrf.vector_ranking("what does E-4471 mean after a firmware update", hybrid_rrf.DOCS)
    assert dense[-1] == "e", "the stand-in embedding, like many real ones, misses the code"
    top = [doc for doc, _ in hybrid_rrf.main()[:3]]
    assert "a" in top and "b" in top and "e" in top, "fusion keeps the keyword hit and the paraphrase near the top"
    assert "RRF" in capsys.readouterr().out


# --- SDKs: an agent and a RAG pipeline without a framework, against a stand-in OpenAI-compatible server ---------


class FakeOpenAI:
    """A tiny OpenAI-compatible server: /chat/completions asks for the lookup_order tool once, then answers with
    what the tool returned; /embeddings returns bag-of-words vectors over a fixed vocabulary."""

    VOCAB = ("order", "shipped", "refund", "days", "password", "reset", "carrier", "return", "policy", "email")

    def __init__(self) -> None:
        import http.server
        import json
        import threading

        owner = self
        self.requests: list[dict] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append({"path": self.path, **body})
                reply = owner.embeddings(body) if self.path.endswith("/embeddings") else owner.chat(body)
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def chat(self, body: dict) -> dict:
        import json

        messages = body["messages"]
        tool_results = [m for m in messages if m.get("role") == "tool"]
        if "tools" in body and not tool_results:
            call = {
                "id": "call_1",
                "type": "function",
                "function": {"name": "lookup_order", "arguments": json.dumps({"order_id": "A-1001"})},
            }
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
        elif tool_results:
            message = {"role": "assistant", "content": f"Your order: {tool_results[-1]['content']}"}
        else:
            message = {"role": "assistant", "content": "Refunds take 14 days [1]."}
        return {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}

    def embeddings(self, body: dict) -> dict:
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        vectors = [[float(text.lower().count(word)) + 0.01 for word in self.VOCAB] for text in texts]
        return {"data": [{"index": i, "embedding": v} for i, v in enumerate(vectors)]}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_agent_loop_runs_the_requested_tool_and_returns_its_result() -> None:
    import agent_loop

    server = FakeOpenAI()
    try:
        answer, messages = agent_loop.run_agent(server.url, "m", "Where is my order A-1001?")
    finally:
        server.close()
    assert "shipped" in answer and "DHL" in answer
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert server.requests[0]["tools"][0]["function"]["name"] == "lookup_order", "the tools are offered"


def test_agent_loop_refuses_unregistered_tools_and_stops_at_the_step_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    import agent_loop

    rogue = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "x", "type": "function", "function": {"name": "delete_everything", "arguments": "{}"}}
        ],
    }
    monkeypatch.setattr(agent_loop, "chat", lambda *args, **kwargs: dict(rogue))
    answer, messages = agent_loop.run_agent("http://unused", "m", "hi", max_steps=3)
    assert answer.startswith("Stopped")
    tool_replies = [json.loads(m["content"]) for m in messages if m["role"] == "tool"]
    assert len(tool_replies) == 3 and all("unknown tool" in r["error"] for r in tool_replies)


def test_minimal_rag_retrieves_the_relevant_chunk_and_cites_it() -> None:
    import minimal_rag

    docs = {
        "refunds.md": "Our return policy: a refund takes 14 days after the return arrives.",
        "accounts.md": "To reset a password, use the reset link in the email we send.",
        "shipping.md": "Every order is shipped by a carrier within two days.",
    }
    chunks = [c for name, text in docs.items() for c in minimal_rag.chunk(text, name)]
    server = FakeOpenAI()
    try:
        result = minimal_rag.answer(server.url, "m", "e", chunks, "How many days does a refund take?", k=1)
    finally:
        server.close()
    assert result["sources"] == [("refunds.md", 0)], "the refund chunk is the nearest by cosine similarity"
    prompt = server.requests[-1]["messages"][1]["content"]
    assert "[1] (refunds.md)" in prompt and "How many days" in prompt
    assert "[1]" in result["answer"]


def test_chunking_keeps_paragraphs_and_overlaps() -> None:
    import minimal_rag

    text = "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(10))
    pieces = minimal_rag.chunk(text, "doc.md", size=800, overlap=100)
    assert len(pieces) > 2 and all(len(p["text"]) <= 800 + 100 + 400 for p in pieces)
    assert all(pieces[i]["text"][:50] in pieces[i - 1]["text"][-100:] for i in range(1, len(pieces))), (
        "each chunk starts with the end of the one before"
    )
    assert "Paragraph 0" in pieces[0]["text"] and "Paragraph 9" in pieces[-1]["text"], "nothing is dropped"
    long = minimal_rag.chunk("x" * 2000, "long.md", size=800, overlap=100)
    assert all(len(p["text"]) <= 800 + 100 + 2 for p in long), "a paragraph longer than the chunk size is cut"


def test_minimal_rag_embeds_in_batches() -> None:
    import minimal_rag

    server = FakeOpenAI()
    try:
        vectors = minimal_rag.embed(server.url, "e", [f"order {i}" for i in range(10)], batch=4)
    finally:
        server.close()
    assert vectors.shape == (10, len(FakeOpenAI.VOCAB))
    assert [len(r["input"]) for r in server.requests] == [4, 4, 2], "three requests of at most four texts"


def test_framework_dependency_counts_cover_every_framework_the_script_lists() -> None:
    """The committed resolution (made with network access) names its date and covers the script's list."""
    import framework_deps
    import yaml

    text = (ROOT / "_data" / "framework-deps.yaml").read_text(encoding="utf-8")
    assert "GENERATED by examples/framework_deps.py" in text and "resolved against the package index on" in text
    rows = yaml.safe_load(text)
    assert [r["name"] for r in rows] == [name for name, _, _ in framework_deps.FRAMEWORKS]
    baseline = next(r for r in rows if r["kind"] == "baseline")
    assert all(r["packages"] >= baseline["packages"] for r in rows), "nothing installs less than the bare client"
    assert all(r["sources"] == framework_deps.SOURCES for r in rows)


def test_agent_loop_reports_a_failing_tool_to_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import agent_loop

    calls = iter(
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "1",
                        "type": "function",
                        "function": {"name": "lookup_order", "arguments": '{"order_id": 7}'},
                    }
                ],
            },
            {"role": "assistant", "content": "Sorry, that order id is not valid."},
        ]
    )
    monkeypatch.setattr(agent_loop, "chat", lambda *args, **kwargs: next(calls))
    monkeypatch.setattr(agent_loop, "TOOLS", {"lookup_order": lambda order_id: {}[order_id]})  # raises KeyError
    answer, messages = agent_loop.run_agent("http://unused", "m", "Where is order 7?")
    assert answer.startswith("Sorry")
    assert json.loads(messages[3]["content"])["error"].startswith("KeyError")


# --- Desktop apps -----------------------------------------------------------------------------------------------


def test_memory_fit_follows_the_gguf_sizes_and_the_kv_layouts() -> None:
    import memory_fit

    weights, cache = memory_fit.memory_gb("Llama 3.1 8B", "Q4_K_M")
    assert round(weights, 1) == 4.9, "llama.cpp's table: Llama 3.1 8B at Q4_K_M is 4.9 GB"
    assert round(memory_fit.memory_gb("Llama 3.1 70B", "Q4_K_M")[0], 0) == 43, "and 70B about 43 GB"
    assert cache == 32_768 * 128 * 1024 / 1e9, "128 KiB of 16-bit KV cache a token"
    table = {(r["model"], r["quant"]): r for r in memory_fit.rows()}
    assert table[("Llama 3.1 8B", "Q4_K_M")]["smallest_machine_gb"] == 16
    assert table[("Llama 3.1 70B", "Q4_K_M")]["smallest_machine_gb"] == 64
    for model in memory_fit.PARAMS_B:
        if model in memory_fit.NATIVE_GIB:
            continue
        sizes = [table[(model, q)]["total_gb"] for q in ("Q4_K_M", "Q8_0", "F16")]
        assert sizes == sorted(sizes), f"{model}: more bits, more memory"
    assert memory_fit.quants("gpt-oss-120b") == ("MXFP4",), "gpt-oss is run as published, in MXFP4"
    assert round(table[("gpt-oss-120b", "MXFP4")]["weights_gb"]) == 63, "59.02 GiB file, in GB"
    assert memory_fit.smallest_machine(10_000) is None, "too big for any listed machine"


def test_moe_sizing_follows_the_data_and_the_formulas() -> None:
    import moe_sizing

    table = {row["name"]: row for row in moe_sizing.rows()}
    assert set(table) == set(moe_sizing.MODELS), "every listed model is in models.yaml with both parameter counts"
    v4 = table["DeepSeek-V4-Pro"]
    assert (v4["total_b"], v4["active_b"]) == (1600, 49), "read from models.yaml"
    assert v4["fp8_gb"] == 1600 and v4["nvfp4_gb"] == 900, "1.6T parameters: 1,600 GB at 8 bits, 900 GB at 4.5"
    assert v4["h200_fp8"] == 16, "1,600 GB over 141 GB x 0.85 is 14 H200s, rounded up to 16"
    assert v4["b300_nvfp4"] == 4 and not v4["fits_512gb_nvfp4"]
    assert moe_sizing.accelerators(100, 141) == 1 and moe_sizing.accelerators(120, 141) == 2
    assert moe_sizing.accelerators(239, 141) == 2 and moe_sizing.accelerators(241, 141) == 4
    for row in table.values():
        for key in ("h200_fp8", "b300_nvfp4"):
            assert row[key] & (row[key] - 1) == 0, "a power of two"
        assert row["read_per_token_gb"] < row["nvfp4_gb"], "a token reads only the active experts"
        lookup = moe_sizing.LOOKUP_GB.get(row["name"], (0.0, ""))[0]
        assert row["fits_512gb_nvfp4"] == (row["nvfp4_gb"] + lookup <= 512 * 0.85 + 0.5)
    flash = table["DeepSeek-V4.1-Flash"]
    assert (flash["h200_shipped"], flash["b300_nvfp4"]) == (8, 4), "310 GB of weights plus 203 GB of Engram tables"
    assert not flash["fits_512gb_nvfp4"], "about 513 GB with the Engram tables"


# --- Hardware ---------------------------------------------------------------------------------------------------


def test_decode_ceiling_is_bandwidth_over_bytes_and_bounds_published_speeds() -> None:
    import decode_ceiling as dc

    table = {row["name"]: row for row in dc.rows()}
    spark = table["NVIDIA DGX Spark (GB10)"]
    assert spark["dense_70b_q4"] == round(273 / (70 * 4.8944 / 8)), "273 GB/s over 42.8 GB of Q4_K_M weights"
    assert spark["dense_70b_q4"] < spark["dense_8b_q4"], "more bytes a token, fewer tokens a second"
    assert table["NVIDIA GeForce RTX 5090"]["dense_70b_q4"] is None, "42.8 GB does not fit in 32 GB"
    assert table["NVIDIA H100 SXM"]["moe_120b_mxfp4"] > table["NVIDIA H100 SXM"]["dense_70b_q4"], (
        "a mixture-of-experts model reads only its active parameters"
    )
    bandwidths = [row["bandwidth_gbs"] for row in dc.rows()]
    assert bandwidths == sorted(bandwidths, reverse=True)
    # gpt-oss-120b: 3.59 billion active expert weights in MXFP4 plus 1.54 billion in BF16, about 5 GB a token
    assert round(dc.gptoss_read_gb(), 1) == 5.0 and round(dc.gptoss_read_gb(8.5), 1) == 3.5
    assert spark["moe_120b_mxfp4"] == round(273 / dc.gptoss_read_gb())
    # The check against the world: every published single-stream speed stays under its ceiling and reaches 50-80%.
    for what, limit, measured, share in dc.efficiency():
        assert measured < limit, f"{what}: faster than memory bandwidth allows, so the formula or data is wrong"
        assert 0.5 < share < 0.8, f"{what}: {share:.0%} of the ceiling"


def test_eval_stats_error_bars_and_paired_comparison() -> None:
    import eval_stats as es

    # 200 items at 80% accuracy: +/- 5.5 points, the figure the evaluation chapter quotes.
    assert round(100 * es.half_width(0.8, 200), 1) == 5.5
    assert es.half_width(0.8, 800) < es.half_width(0.8, 200) / 1.9, "four times the items halve the interval"
    # More disagreement between the models means more items to see the same gap.
    assert es.items_for_gap(0.05, 0.10) < es.items_for_gap(0.05, 0.30)
    with pytest.raises(ValueError):
        es.items_for_gap(0.2, 0.1)
    a, b = es.simulate()
    mean, se = es.paired(a, b)
    assert mean > 0 and mean - es.Z95 * se > 0, "the paired test sees B's lead"
    assert es.Z95 * es.unpaired_se(a, b) > mean, "an unpaired comparison of the same scores would not"
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "eval_stats.py")], capture_output=True, text=True, check=True
    )
    assert "200 items: +/- 5.5 points" in result.stdout and "paired difference +4.7" in result.stdout


# --- Licences ---------------------------------------------------------------------------------------------------


def test_licence_inventory_reads_custom_licences_and_base_models() -> None:
    """Cards shaped like the Hub's: a permissive tag, a custom 'other' licence, and a re-upload of a Llama model."""
    import licence_inventory as li

    cards = {
        "Qwen/Qwen3-8B": {"license": "apache-2.0", "base_model": "Qwen/Qwen3-8B-Base"},
        "meta-llama/Llama-3.1-8B-Instruct": {
            "license": "llama3.1",
            "base_model": ["meta-llama/Llama-3.1-8B"],
        },
        "moonshotai/Kimi-K2-Instruct": {
            "license": "other",
            "license_name": "modified-mit",
            "license_link": "LICENSE",
        },
        "someone/Llama-3.1-8B-Instruct-GGUF": {"license": "mit", "base_model": "meta-llama/Llama-3.1-8B-Instruct"},
        "someone/untagged": {},
        "OpenAssistant/oasst1": {"license": "apache-2.0"},
        "someone/chat-nc": {"license": "cc-by-nc-4.0"},
        "Qwen/Qwen2.5-3B-Instruct": {
            "license": "other",
            "license_name": "qwen-research",
            "license_link": "LICENSE",
        },
        "meta-llama/Llama-3.2-1B": {"license": "llama3.2", "gated": "manual"},
        "someone/gated-by-card": {"license": "apache-2.0", "extra_gated_prompt": "Agree to the terms"},
    }
    repos = [(repo, "dataset" if repo.endswith(("oasst1", "chat-nc")) else "model") for repo in cards]
    entries = {e.repo: e for e in li.inventory(repos, fetch=lambda repo, kind: cards[repo])}

    assert entries["OpenAssistant/oasst1"].warnings == []
    assert entries["Qwen/Qwen3-8B"].base_model == ["Qwen/Qwen3-8B-Base"]
    assert not any("another account" in w for w in entries["Qwen/Qwen3-8B"].warnings), "same publisher"
    kimi = entries["moonshotai/Kimi-K2-Instruct"]
    assert (kimi.license, kimi.license_name, kimi.license_link) == ("other", "modified-mit", "LICENSE")
    assert any("custom licence" in w for w in kimi.warnings)
    reupload = entries["someone/Llama-3.1-8B-Instruct-GGUF"]
    assert any("another account" in w for w in reupload.warnings), "an MIT tag on a Llama re-upload is suspect"
    assert any("LICENSE file" in w for w in entries["someone/untagged"].warnings)
    nc = "non-commercial or research licence"
    assert any(nc in w for w in entries["someone/chat-nc"].warnings), "a cc-by-nc tag must be flagged"
    assert any(nc in w for w in entries["Qwen/Qwen2.5-3B-Instruct"].warnings), (
        "a research licence_name must be flagged"
    )
    assert not any(nc in w for e in entries.values() if e.license in ("apache-2.0", "mit") for w in e.warnings)
    assert any("gated repository" in w for w in entries["meta-llama/Llama-3.2-1B"].warnings)
    assert any("gated repository" in w for w in entries["someone/gated-by-card"].warnings)
    assert not any("gated" in w for w in entries["Qwen/Qwen3-8B"].warnings)

    text = li.report(entries.values())
    assert "license_name=modified-mit" in text and "base_model=meta-llama/Llama-3.1-8B-Instruct" in text


def test_guard_eval_prints_the_sample_rates_with_wilson_intervals() -> None:
    """The bundled sample: 3 of 20 harmful prompts allowed, 4 of 20 benign ones blocked; Wilson bounds by hand."""
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "guard_eval.py"),
            str(ROOT / "examples" / "guard_eval_sample.csv"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "attack-success rate (harmful allowed): 3/20 = 15.0% (95% CI 5.2% to 36.0%)",
        "over-refusal rate (benign blocked): 4/20 = 20.0% (95% CI 8.1% to 41.6%)",
    ]


def test_guard_eval_wilson_interval_and_bad_rows(tmp_path) -> None:
    import guard_eval

    low, high = guard_eval.wilson(0, 50)
    assert low == 0.0 and 0.07 < high < 0.072, "zero misses still leave an upper bound near 3.7/n"
    low, high = guard_eval.wilson(50, 100)
    assert abs(low - 0.4038) < 1e-3 and abs(high - 0.5962) < 1e-3
    bad = tmp_path / "bad.csv"
    bad.write_text("prompt,label,guard_verdict\nhello,benign,maybe\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.csv:2"):
        guard_eval.read_rows(bad)
