"""A small OpenAI-compatible chat endpoint that replays a scripted conversation, over real HTTP.

Inspect's `openai-api` provider talks to it exactly as to a developer's endpoint. Each task has a
script: a list of steps, each turning the conversation so far into the next assistant message
(a tool call, or text). A step may read the tool results so far, as a model would: the solving
script submits the flag that its own bash command printed.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Message = dict[str, Any]
Step = Callable[[list[Message]], Message]
FLAG = re.compile(r"flag\{[0-9a-f]{32}\}")


def tool_call(name: str, **arguments: str) -> Step:
    def step(messages: list[Message]) -> Message:
        return {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_{len(messages)}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments)},
                }
            ],
        }

    return step


def submit_flag_seen() -> Step:
    """Submit the last flag that appeared in a tool result (or a wrong one if none did)."""

    def step(messages: list[Message]) -> Message:
        seen = [
            match
            for message in messages
            if message.get("role") == "tool"
            for match in FLAG.findall(_text(message.get("content")))
        ]
        answer = seen[-1] if seen else "flag{" + "0" * 32 + "}"
        return tool_call("submit", answer=answer)(messages)

    return step


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


@dataclass
class ScriptedEndpoint:
    scripts: dict[str, list[Step]]  # a marker in the task's prompt → its steps
    api_key: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, body: dict[str, Any]) -> Message:
        messages: list[Message] = body["messages"]
        prompt = " ".join(_text(m.get("content")) for m in messages if m.get("role") == "user")
        for marker, steps in self.scripts.items():
            if marker in prompt:
                turn = sum(1 for m in messages if m.get("role") == "assistant")
                if turn < len(steps):
                    return steps[turn](messages)
                return {"role": "assistant", "content": "I have nothing more to try."}
        return {"role": "assistant", "content": "I do not know this task."}


class _Handler(BaseHTTPRequestHandler):
    endpoint: ScriptedEndpoint

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        if self.headers.get("Authorization") != f"Bearer {self.endpoint.api_key}":
            with self.endpoint.lock:
                self.endpoint.refused += 1
            self._send(401, {"error": {"message": "bad API key", "type": "invalid_request"}})
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with self.endpoint.lock:
            self.endpoint.requests.append(body)
        message = self.endpoint.reply(body)
        prompt_tokens = len(json.dumps(body["messages"])) // 4
        completion_tokens = len(json.dumps(message)) // 4
        self._send(
            200,
            {
                "id": f"chatcmpl-{len(self.endpoint.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "scripted"),
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
        )

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serving(endpoint: ScriptedEndpoint) -> Iterator[str]:
    """Serve on a free loopback port; yield the base URL (…/v1)."""
    handler = type("Handler", (_Handler,), {"endpoint": endpoint})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
