"""A tool-using agent without a framework: the whole loop, against any OpenAI-compatible chat API.

The SDK chapter shows this file next to the framework versions of the same agent. The loop is what every agent
framework implements: send the conversation and the tool definitions, run the tools the model asks for, append their
results, and repeat until the model answers in text or a step limit is reached. Written out, it is about forty lines;
what a framework adds is everything around it (retries, streaming, tracing, memory, many providers, human approval).

Run it against a local server (``vllm serve``, ``llama-server``, Ollama) or a hosted API:

    python examples/agent_loop.py --base-url http://localhost:8000/v1 --model Qwen/Qwen3-8B

Only the standard library is used. The one tool looks up an order in a dictionary; a real tool would query a
database, and that is where permissions belong (see the chapter's security section).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from collections.abc import Callable
from typing import Any

ORDERS = {"A-1001": {"status": "shipped", "carrier": "DHL", "eta": "2026-12-04"}}


def lookup_order(order_id: str) -> dict[str, Any]:
    """The tool: a read-only lookup. Unknown ids return an error the model can read, not an exception."""
    return ORDERS.get(order_id, {"error": f"no order {order_id}"})


TOOLS: dict[str, Callable[..., Any]] = {"lookup_order": lookup_order}
TOOL_SCHEMAS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Look up the status of a customer order by its id, such as A-1001.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    }
]


def chat(base_url: str, model: str, messages: list[dict], api_key: str = "none") -> dict:
    body = json.dumps({"model": model, "messages": messages, "tools": TOOL_SCHEMAS}).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + "/chat/completions",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)["choices"][0]["message"]


def run_agent(base_url: str, model: str, question: str, max_steps: int = 5) -> tuple[str, list[dict]]:
    messages: list[dict] = [
        {"role": "system", "content": "You answer questions about orders. Use the tools; do not guess."},
        {"role": "user", "content": question},
    ]
    for _ in range(max_steps):
        reply = chat(base_url, model, messages)
        messages.append(reply)
        calls = reply.get("tool_calls") or []
        if not calls:
            return reply.get("content") or "", messages
        for call in calls:
            name = call["function"]["name"]
            if name not in TOOLS:  # the model can only run what we registered
                result: Any = {"error": f"unknown tool {name}"}
            else:
                try:
                    result = TOOLS[name](**json.loads(call["function"]["arguments"] or "{}"))
                except Exception as error:  # bad arguments or a failing tool: report it to the model, keep going
                    result = {"error": f"{type(error).__name__}: {error}"}
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)})
    return "Stopped: step limit reached.", messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://localhost:8000/v1")
    parser.add_argument("--model", required=True)
    parser.add_argument("--question", default="Where is my order A-1001?")
    args = parser.parse_args(argv)
    answer, _ = run_agent(args.base_url, args.model, args.question)
    print(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
