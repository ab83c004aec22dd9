"""A scripted OpenAI-compatible chat server on 127.0.0.1 for tests and benchmarks.

litellm talks to it over real HTTP (`model="openai/<name>"`, `api_base=server.base_url`); nothing
in litellm is patched. A test scripts the replies:

    server.script(Reply("hello"), Reply(status=429, headers={"Retry-After": "0"}), ...)
    server.responder = lambda request: Reply(...)   # when order is not known (concurrent calls)

Failure modes: `Reply(hang=True)` (never answers), `Reply(status=500)` / `Reply(status=429, ...)`,
`fails_after(n, failure, good)` (a provider that fails mid-run), `Reply(endless=True)` (text until
the request's max_tokens, cut with finish_reason "length"), `closed_port_url()` (refused),
`unaccepting_url()` (no connection is ever accepted).

Each request takes the next scripted reply, else asks the responder, else gets a 500. Every
request and the usage reported for it are recorded in `server.calls`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# the API key the suite sets; it must never show in logs, errors or files
SECRET_KEY = "sk-test-Zq8SECRETvalue0123456789"


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (the "slow model")
    hang: bool = False  # wait until the server is reset or closed (past any client timeout)
    finish_reason: str = "stop"
    prompt_tokens: int | None = None  # default: a count derived from the request
    completion_tokens: int | None = None  # default: a count derived from the content
    raw_body: str | None = None  # sent as is (malformed JSON, odd payloads)
    error: str = ""  # error message for status >= 400
    error_code: str | None = None
    endless: bool = False  # a model that never stops: text up to the request's max_tokens


def endless_text(max_tokens: int) -> str:
    """What a model that echoes and runs on says until the cap: `max_tokens` tokens of it."""
    return ("and so on " * (max_tokens * 4 // 10 + 1))[: max_tokens * 4]


def fails_after(n: int, failure: Reply, good: Callable[[Call], Reply]) -> Callable[[Call], Reply]:
    """A responder: `good`'s replies for the first `n` requests, then `failure` for good."""
    served = 0
    lock = threading.Lock()

    def respond(call: Call) -> Reply:
        nonlocal served
        with lock:
            served += 1
            late = served > n
        return failure if late else good(call)

    return respond


def closed_port_url() -> str:
    """An api_base on 127.0.0.1 where nothing listens: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@contextlib.contextmanager
def unaccepting_url() -> Iterator[str]:
    """An api_base on 127.0.0.1 whose server accepts no connection: a listening socket whose
    backlog is full, so a new connection's handshake is never answered (a host that drops the
    packets, a server stuck before accept)."""
    with socket.socket() as listener, contextlib.ExitStack() as fillers:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(3):  # what the backlog holds; the next handshake gets no answer
            filler = fillers.enter_context(socket.socket())
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
        yield f"http://127.0.0.1:{port}/v1"


@dataclass
class Call:
    body: dict[str, Any]
    headers: dict[str, str]
    reply: Reply
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def model(self) -> str:
        return str(self.body.get("model"))

    @property
    def prompt(self) -> str:
        """Every message's content, joined: what the model was asked."""
        return "\n".join(str(m.get("content") or "") for m in self.body.get("messages", []))


def count_tokens(text: str) -> int:
    """The server's own token count: one token per 4 characters, at least 1."""
    return max(1, len(text) // 4)


class FakeOpenAI:
    def __init__(self) -> None:
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.responder: Callable[[Call], Reply] | None = None
        self.calls: list[Call] = []
        self.required_key: str | None = None
        self.known_models: set[str] | None = None  # None: every model exists
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- control ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget the script, the responder, the calls; release hung requests."""
        self._release.set()
        with self._lock:
            self._queue.clear()
            self.calls = []
        self.responder = None
        self.required_key = None
        self.known_models = None
        self._release = threading.Event()

    def script(self, *replies: Reply | str) -> None:
        with self._lock:
            self._queue.extend(Reply(r) if isinstance(r, str) else r for r in replies)

    @property
    def usage(self) -> tuple[int, int]:
        """(prompt, completion) tokens reported over every successful call."""
        ok = [c for c in self.calls if c.reply.status == 200 and c.reply.raw_body is None]
        return sum(c.prompt_tokens for c in ok), sum(c.completion_tokens for c in ok)

    # --- serving ---------------------------------------------------------------------------

    def _next(self, call: Call) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(call)
        return Reply(status=500, error="the fake server has no scripted reply left")

    def _check(self, call: Call) -> Reply | None:
        if self.required_key is not None:
            given = call.headers.get("authorization", "").removeprefix("Bearer ")
            if given != self.required_key:
                # like some providers, echo the key back: our messages must never show it
                return Reply(status=401, error=f"Incorrect API key provided: {given}")
        if self.known_models is not None and call.model not in self.known_models:
            return Reply(
                status=404,
                error=f"The model `{call.model}` does not exist",
                error_code="model_not_found",
            )
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                call = Call(body=body, headers=headers, reply=Reply())
                reply = fake._check(call) or fake._next(call)
                call.reply = reply
                with fake._lock:
                    fake.calls.append(call)
                if reply.hang:
                    fake._release.wait(120)
                elif reply.delay:
                    time.sleep(reply.delay)
                # the client may have given up (its timeout): then there is no one to answer
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer(call, reply)

            def _answer(self, call: Call, reply: Reply) -> None:
                if reply.raw_body is not None:
                    self._send(reply.status, reply.raw_body.encode(), reply.headers)
                    return
                if reply.status >= 400:
                    error = {"message": reply.error or f"error {reply.status}", "type": "error"}
                    if reply.error_code:
                        error["code"] = reply.error_code
                    self._send_json(reply.status, {"error": error}, reply.headers)
                    return
                if reply.endless:
                    cap = int(call.body.get("max_tokens") or 100_000)
                    reply = Reply(endless_text(cap), finish_reason="length", completion_tokens=cap)
                call.prompt_tokens = reply.prompt_tokens or count_tokens(call.prompt)
                call.completion_tokens = reply.completion_tokens or count_tokens(reply.content)
                if call.body.get("stream"):
                    self._stream(call, reply)
                else:
                    self._send_json(200, _completion(call, reply), reply.headers)

            def _stream(self, call: Call, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                pieces = [reply.content[i : i + 16] for i in range(0, len(reply.content), 16)]
                for piece in pieces or [""]:
                    self._event(_chunk(call, {"content": piece}, None))
                self._event(_chunk(call, {}, reply.finish_reason))
                if (call.body.get("stream_options") or {}).get("include_usage"):
                    usage = _chunk(call, None, None)
                    usage["choices"] = []
                    usage["usage"] = _usage(call)
                    self._event(usage)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _event(self, payload: dict[str, Any]) -> None:
                self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
                self.wfile.flush()

            def _send_json(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                self._send(status, json.dumps(payload).encode(), headers or {})

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _usage(call: Call) -> dict[str, int]:
    return {
        "prompt_tokens": call.prompt_tokens,
        "completion_tokens": call.completion_tokens,
        "total_tokens": call.prompt_tokens + call.completion_tokens,
    }


def _completion(call: Call, reply: Reply) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{id(call):x}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": call.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content},
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": _usage(call),
    }


def _chunk(call: Call, delta: dict[str, Any] | None, finish: str | None) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{id(call):x}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": call.model,
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
    }
