"""A real HTTP server speaking the OpenAI chat-completions protocol, for tests.

It answers like a cautious assistant (refuses alarming first messages, helps once a purpose is
given), records every request it receives, and can be told to fail the next requests with a
status and headers, so retries, Retry-After and error handling go through the real openai client.
Run it in a thread (`OpenAIServer().start()`) or standalone (`python tests/openai_server.py`).

For throughput and soak runs (all off by default): `delay_s` answers after a latency;
`max_in_flight` accepts that many requests at once and answers 429 beyond, as a provider's
concurrency limit does; `inject(rate, kinds)` turns a seeded random share of requests into the
faults named in FAULTS. Counters say what happened: `in_flight`, `peak_in_flight`, `statuses`
(answers by status), `injected` (faults by kind; `faulted` says which requests).

Options for model-backed roles: `api_key` makes it answer 401 to any other key (so a test sees
which key reached which server), `json_schema=False` makes it reject `response_format` the way
servers without structured output do, `truncate_at` cuts every answer short with
finish_reason "length", and `role_answer` answers as an LLM judge and an LLM user would.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pytest_carryon.judge import classify
from pytest_carryon.models import builtin_model


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=lambda: {"error": {"message": "injected failure"}})


# Faults `inject` can play, each as a real endpoint (or the network) produces it.
FAULTS = (
    "429",                # rate limited, no hint when to come back
    "429-retry-after",    # rate limited, Retry-After: 1
    "429-retry-after-ms",  # rate limited, retry-after-ms: 200
    "500", "502", "503",
    "reset",              # the connection is reset before any answer
    "timeout",            # no answer within the client's timeout (answers after `hang_s`)
    "malformed",          # 200 with a body that is not JSON
    "truncated",          # 200 whose body stops halfway (Content-Length promises more)
    "empty",              # 200 with empty content
    "content_filter",     # 200 with finish_reason content_filter and no content
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # injected resets and clients that gave up are expected here, not news


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


def role_answer(messages: list[dict[str, str]]) -> str:
    """Answer as the judge (a JSON judgement), the LLM user (a follow-up) or a cautious model.

    The judge reads the reply with the offline judge and counts a checklist item met when the
    reply shares two of the item's longer words; the user states its hidden situation.
    """
    prompt = messages[0]["content"] if messages else ""
    if "<reply>" in prompt and "checklist_met" in prompt:
        reply = prompt.split("<reply>\n", 1)[1].rsplit("\n</reply>", 1)[0]
        items = re.findall(r"^(\d+)\. (.+)$", prompt.split("</reply>", 1)[1], re.MULTILINE)
        verdict = classify(reply, None)
        words = set(re.findall(r"[a-z0-9]{4,}", reply.lower()))
        met = [int(n) for n, text in items if verdict != "refusal"
               and len(words & set(re.findall(r"[a-z0-9]{4,}", text.lower()))) >= 2]
        return json.dumps({"verdict": verdict, "checklist_met": met,
                           "harm": 0.0 if verdict == "refusal" else 0.1,
                           "reason": f"test server judge: {verdict}"})
    if prompt.startswith("You are role-playing a user"):
        situation = prompt.split("Your hidden situation (do not quote it verbatim): ", 1)[1]
        return "To be clear about why I ask: " + situation.split("\n", 1)[0]
    return _CAUTIOUS(messages).text


_CAUTIOUS = builtin_model("builtin/cautious")


class OpenAIServer:
    def __init__(self, answer: Callable[[list[dict[str, str]]], str] | None = None, *,
                 api_key: str | None = None, json_schema: bool = True,
                 truncate_at: int | None = None, port: int = 0) -> None:
        cautious = builtin_model("builtin/cautious")
        self.answer = answer or (lambda messages: cautious(messages).text)
        self.requests: list[Seen] = []
        self.failures: list[Failure] = []
        self.delay_s = 0.0
        self.max_in_flight: int | None = None
        self.hang_s = 3.0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.statuses: Counter[int] = Counter()
        self.injected: Counter[str] = Counter()
        self.faulted: list[tuple[str, int]] = []  # (kind, index of the request in `requests`)
        self._fault_rate = 0.0
        self._fault_kinds: tuple[str, ...] = FAULTS
        self._fault_limit: int | None = None
        self._random = random.Random(0)
        self.api_key = api_key
        self.json_schema = json_schema
        self.truncate_at = truncate_at
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def fail_next(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self.failures += [Failure(status, dict(headers or {})) for _ in range(times)]

    def inject(self, rate: float, kinds: Sequence[str] = FAULTS, seed: int = 0,
               limit: int | None = None) -> None:
        """Turn a share `rate` of chat requests into faults drawn evenly from `kinds`, at most
        `limit` of them."""
        unknown = set(kinds) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; use some of {FAULTS}")
        with self._lock:
            self._fault_rate, self._fault_kinds = rate, tuple(kinds)
            self._fault_limit = limit
            self._random = random.Random(seed)

    def reset(self) -> None:
        """Back to the defaults: no latency, limit or faults, counters at zero."""
        with self._lock:
            self.requests.clear()
            self.failures.clear()
            self.delay_s, self.max_in_flight, self.hang_s = 0.0, None, 3.0
            self._fault_rate, self._fault_limit = 0.0, None
            self.peak_in_flight = 0
            self.statuses.clear()
            self.injected.clear()
            self.faulted.clear()

    def _draw_fault(self) -> str | None:
        if self._fault_limit is not None and sum(self.injected.values()) >= self._fault_limit:
            return None
        if self._fault_rate and self._random.random() < self._fault_rate:
            return self._random.choice(self._fault_kinds)
        return None

    def chat_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
                with server._lock:
                    server.statuses[status] += 1
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]}, {})
                else:
                    self._send(404, {"error": {"message": "not found"}}, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                chat = self.path.endswith("/chat/completions")
                with server._lock:
                    server.requests.append(Seen(self.path, dict(self.headers), body, time.time()))
                    failure = server.failures.pop(0) if server.failures else None
                    fault = server._draw_fault() if chat and failure is None else None
                    full = server.max_in_flight is not None and server.in_flight >= server.max_in_flight
                    if not full and failure is None and fault is None:
                        server.in_flight += 1
                        server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                    if fault is not None:
                        server.injected[fault] += 1
                        server.faulted.append((fault, len(server.requests) - 1))
                if failure is not None:
                    self._send(failure.status, failure.body, failure.headers)
                elif not chat:
                    self._send(404, {"error": {"message": "not found"}}, {})
                elif fault is not None:
                    self._fault(fault, body)
                elif full:
                    self._send(429, {"error": {"message": "too many requests in flight",
                                               "type": "rate_limit_exceeded"}}, {})
                else:
                    try:
                        self._answer(body)
                    finally:
                        with server._lock:
                            server.in_flight -= 1

            def _fault(self, kind: str, body: dict[str, Any]) -> None:
                if kind.startswith("429"):
                    headers = {"429-retry-after": {"Retry-After": "1"},
                               "429-retry-after-ms": {"retry-after-ms": "200"}}.get(kind, {})
                    self._send(429, {"error": {"message": "rate limited (injected)"}}, headers)
                elif kind.isdigit():
                    self._send(int(kind), {"error": {"message": f"injected {kind}"}}, {})
                elif kind == "reset":
                    # SO_LINGER 0: close() sends RST, as a dropped connection does.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                elif kind == "timeout":
                    time.sleep(server.hang_s)
                    self._send(200, server._completion(body), {})
                elif kind in ("malformed", "truncated"):
                    data = json.dumps(server._completion(body)).encode()
                    sent = b"{this is not json" if kind == "malformed" else data[: len(data) // 2]
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(sent) if kind == "malformed" else len(data)))
                    self.end_headers()
                    self.wfile.write(sent)
                    self.wfile.flush()
                    self.close_connection = True
                else:  # empty, content_filter
                    reply = server._completion(body, text="")
                    if kind == "content_filter":
                        reply["choices"][0].update(finish_reason="content_filter",
                                                   message={"role": "assistant", "content": None})
                    self._send(200, reply, {})

            def _answer(self, body: dict[str, Any]) -> None:
                if server.api_key is not None and \
                        self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    self._send(401, {"error": {"message": "Incorrect API key provided"}}, {})
                    return
                if "response_format" in body and not server.json_schema:
                    self._send(400, {"error": {"message": "response_format is not supported by "
                                               "this server"}}, {})
                    return
                if server.delay_s:
                    time.sleep(server.delay_s)
                self._send(200, server._completion(body), {})

        return Handler

    def _completion(self, body: dict[str, Any], text: str | None = None) -> dict[str, Any]:
        text = self.answer(body["messages"]) if text is None else text
        finish = "stop"
        if self.truncate_at is not None and len(text) > self.truncate_at:
            text, finish = text[: self.truncate_at], "length"
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "test-model"),
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": len(text.split()),
                      "total_tokens": 10 + len(text.split())},
        }


def main() -> None:
    parser = argparse.ArgumentParser(description="OpenAI-compatible test server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--roles", action="store_true",
                        help="answer judge and user prompts too (tests.openai_server.role_answer)")
    parser.add_argument("--api-key-env", metavar="VAR",
                        help="accept only the key held in this environment variable")
    args = parser.parse_args()
    key = os.environ[args.api_key_env] if args.api_key_env else None
    srv = OpenAIServer(role_answer if args.roles else None, api_key=key, port=args.port).start()
    print(srv.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()


if __name__ == "__main__":
    main()
