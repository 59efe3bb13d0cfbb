"""Why safetensors replaced pickle: the same weights saved both ways, loaded, and inspected.

The script builds a small synthetic "checkpoint" (a dict of NumPy arrays shaped like one transformer block), then:

1. saves it with pickle and with safetensors, and compares file sizes and load times;
2. reads the safetensors header, which is plain JSON (names, dtypes, shapes, byte offsets), without loading
   any tensor -- the reason tools can inspect a multi-gigabyte file instantly and lazily;
3. shows the danger of pickle: an object can tell the unpickler to call any function while it loads. Here the
   "payload" only appends a line to a list, but it could as well run a shell command. A safetensors file has no
   way to express a call at all: it is a header and bytes.

Run ``python examples/safe_loading.py``. Needs NumPy and the ``safetensors`` package; nothing is downloaded.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

HIDDEN, FFN = 1024, 4096
CALLS: list[str] = []  # what the "malicious" pickle payload does: it records that it ran


def synthetic_block(seed: int = 0) -> dict[str, np.ndarray]:
    """Weights shaped like one Llama-style transformer block, in float16."""
    rng = np.random.default_rng(seed)
    shapes = {
        "attn.q_proj.weight": (HIDDEN, HIDDEN),
        "attn.k_proj.weight": (HIDDEN // 4, HIDDEN),
        "attn.v_proj.weight": (HIDDEN // 4, HIDDEN),
        "attn.o_proj.weight": (HIDDEN, HIDDEN),
        "mlp.gate_proj.weight": (FFN, HIDDEN),
        "mlp.up_proj.weight": (FFN, HIDDEN),
        "mlp.down_proj.weight": (HIDDEN, FFN),
        "input_layernorm.weight": (HIDDEN,),
    }
    return {name: rng.standard_normal(shape).astype(np.float16) for name, shape in shapes.items()}


def record(message: str) -> None:
    CALLS.append(message)


class Payload:
    """An object whose unpickling calls a function of the file author's choosing."""

    def __reduce__(self):  # pickle stores "call record(...)" instead of the object's data
        return (record, ("code ran while the checkpoint loaded",))


def read_safetensors_header(path: Path) -> dict:
    """The format: 8 bytes of little-endian header length, then that many bytes of JSON, then raw tensor bytes."""
    with path.open("rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(length))


def timed(load, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        load()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> dict[str, object]:
    weights = synthetic_block()
    with tempfile.TemporaryDirectory() as tmp:
        pkl, st = Path(tmp) / "block.pkl", Path(tmp) / "block.safetensors"
        pkl.write_bytes(pickle.dumps(weights, protocol=pickle.HIGHEST_PROTOCOL))
        save_file(weights, str(st), metadata={"format": "np"})

        from_pickle = pickle.loads(pkl.read_bytes())
        from_st = load_file(str(st))
        assert all(
            np.array_equal(weights[k], from_pickle[k]) and np.array_equal(weights[k], from_st[k]) for k in weights
        ), "both formats round-trip the weights exactly"

        header = read_safetensors_header(st)
        result = {
            "tensors": len(weights),
            "parameters": int(sum(w.size for w in weights.values())),
            "pickle_bytes": pkl.stat().st_size,
            "safetensors_bytes": st.stat().st_size,
            "pickle_load_s": timed(lambda: pickle.loads(pkl.read_bytes())),
            "safetensors_load_s": timed(lambda: load_file(str(st))),
            "header_entry": header["attn.q_proj.weight"],
        }

    CALLS.clear()
    poisoned = pickle.dumps({"attn.q_proj.weight": weights["attn.q_proj.weight"], "extra": Payload()})
    pickle.loads(poisoned)
    result["pickle_ran_code"] = CALLS[:]
    buffer = io.BytesIO(poisoned)
    result["payload_visible_in_bytes"] = b"record" in buffer.getvalue()

    print(f"{result['tensors']} tensors, {result['parameters']:,} float16 parameters")
    print(f"pickle:      {result['pickle_bytes']:>12,} bytes, best load {result['pickle_load_s'] * 1000:.1f} ms")
    print(
        f"safetensors: {result['safetensors_bytes']:>12,} bytes, best load {result['safetensors_load_s'] * 1000:.1f} ms"
    )
    print(f"safetensors header entry, read without loading: {result['header_entry']}")
    print(f"loading the poisoned pickle called: {result['pickle_ran_code']}")
    return result


if __name__ == "__main__":
    main()
