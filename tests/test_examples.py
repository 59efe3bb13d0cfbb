"""The runnable examples under examples/: each runs offline here and does what the chapter says it does."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "examples"))


def test_finetune_memory_data_is_what_the_script_writes(tmp_path) -> None:
    """_data/finetune-memory.yaml is generated; the committed copy must be current."""
    out = tmp_path / "memory.yaml"
    subprocess.run([sys.executable, str(ROOT / "examples" / "finetune_memory.py"), "--write", str(out)], check=True)
    committed = (ROOT / "_data" / "finetune-memory.yaml").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, "run `python examples/finetune_memory.py --write " \
                                                         "_data/finetune-memory.yaml` and commit the result"


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
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "finetune_memory.py")],
                            capture_output=True, text=True, check=True)
    assert "QLoRA" in result.stdout and "70B" in result.stdout and "1120" in result.stdout


def test_lora_example_matches_full_tuning_with_a_fraction_of_the_parameters(capsys: pytest.CaptureFixture) -> None:
    import lora_numpy

    full, lora = lora_numpy.main()
    assert lora.trainable < full.trainable / 5
    assert lora.loss_after < lora.loss_before / 50, "the adapter learns the low-rank change"
    assert lora.loss_after < 2 * full.loss_after, "and gets as close as full tuning does"
    assert "merged output matches" in capsys.readouterr().out


def test_lora_starts_as_the_pretrained_layer() -> None:
    import numpy as np

    import lora_numpy

    rng = np.random.default_rng(1)
    w, x, y = lora_numpy.make_task(rng, 16, 16, true_rank=2, n=64)
    _, _, result = lora_numpy.tune_lora(w, x, y, rank=2, alpha=4, steps=0, lr=0.1, rng=rng)
    assert result.loss_before == result.loss_after == lora_numpy.mse(x @ w.T, y), "B = 0 at the start"
