"""List the licence metadata of the models and data sets a project uses, from their Hugging Face cards.

A card's ``license`` tag alone is not enough: many custom licences (Kimi's, NVIDIA's, MiniMax's) are
tagged ``other``, with the real name in ``license_name`` and the text behind ``license_link``; and a fine-tune,
adapter or quantised copy names its parent in ``base_model``, whose licence still applies. Tags are written by
whoever uploaded the repository, so a re-upload can carry a wrong one. This script prints all four fields and a
warning for each case that needs a human to read a licence, including non-commercial and research licences and
gated repositories, whose terms someone accepted on the project's behalf:

    pip install huggingface_hub
    python examples/licence_inventory.py --model Qwen/Qwen3-8B --model unsloth/Llama-3.1-8B-Instruct-GGUF \
        --dataset OpenAssistant/oasst1

Metadata is public even for gated repositories; reading their files, the LICENSE included, needs an access token
(``HF_TOKEN``) for an account that has accepted the terms.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Entry:
    repo: str
    kind: str  # "model" or "dataset"
    license: str | None
    license_name: str | None
    license_link: str | None
    base_model: list[str]
    warnings: list[str] = field(default_factory=list)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _owner(repo: str) -> str:
    return repo.split("/", 1)[0].lower()


def _non_commercial(tag: str) -> bool:
    """True for tags such as cc-by-nc-4.0, qwen-research, mrl or flux-1-dev-non-commercial-license."""
    words = re.split(r"[^a-z0-9]+", tag.lower())
    return bool({"nc", "research", "mrl", "noncommercial"} & set(words)) or "non-commercial" in tag.lower()


def summarise(repo: str, kind: str, card: dict[str, Any] | None) -> Entry:
    """Read the licence fields of one card's metadata and say what a person still has to check."""
    card = card or {}
    licences = _as_list(card.get("license"))
    entry = Entry(
        repo=repo,
        kind=kind,
        license=",".join(licences) or None,
        license_name=card.get("license_name"),
        license_link=card.get("license_link"),
        base_model=_as_list(card.get("base_model")),
    )
    if not licences:
        entry.warnings.append("no licence tag: read the repository's LICENSE file")
    elif "other" in licences:
        if entry.license_name or entry.license_link:
            entry.warnings.append("custom licence: read the text at license_link, and any use policy it names")
        else:
            entry.warnings.append("licence 'other' with no name or link: read the LICENSE file")
    if any(_non_commercial(tag) for tag in licences + _as_list(entry.license_name)):
        entry.warnings.append("non-commercial or research licence: commercial use needs a separate licence")
    if card.get("gated") or any(key.startswith("extra_gated") for key in card):
        entry.warnings.append("gated repository: record who accepted its terms, and read them")
    if entry.base_model:
        entry.warnings.append("derived model: the base model's licence applies too; check it at its publisher")
        if any(_owner(base) != _owner(repo) for base in entry.base_model):
            entry.warnings.append("uploaded by another account than the base model's: its tags may be wrong")
    return entry


def hub_card(repo: str, kind: str) -> dict[str, Any] | None:
    """Fetch a card's metadata from the Hugging Face Hub (needs the network and huggingface_hub)."""
    from huggingface_hub import dataset_info, model_info

    info = model_info(repo) if kind == "model" else dataset_info(repo)
    card = info.card_data.to_dict() if info.card_data else {}
    card["gated"] = info.gated  # False, "auto" or "manual"; set on the repository, not in the card
    return card


def inventory(
    repos: Iterable[tuple[str, str]],
    fetch: Callable[[str, str], dict[str, Any] | None] = hub_card,
) -> list[Entry]:
    return [summarise(repo, kind, fetch(repo, kind)) for repo, kind in repos]


def report(entries: Iterable[Entry]) -> str:
    lines = []
    for e in entries:
        lines.append(f"{e.kind} {e.repo}")
        lines.append(f"  license={e.license} license_name={e.license_name} license_link={e.license_link}")
        lines.append(f"  base_model={', '.join(e.base_model) or None}")
        lines.extend(f"  WARNING: {w}" for w in e.warnings)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], help="model repository id (repeatable)")
    parser.add_argument("--dataset", action="append", default=[], help="data-set repository id (repeatable)")
    args = parser.parse_args(argv)
    repos = [(r, "model") for r in args.model] + [(r, "dataset") for r in args.dataset]
    print(report(inventory(repos)))


if __name__ == "__main__":
    main()
