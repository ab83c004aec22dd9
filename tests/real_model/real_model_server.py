"""llama-server serving the cached Gemma 3 270M GGUF on loopback, behind a recording proxy
that keeps every reply's token usage as the server reported it (see conftest.py)."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "real-model.sh"
BUILD_SECONDS = 3600  # a first run builds llama-server: 5 minutes on 2 cores
READY_SECONDS = 120  # loading a 250 MB model
REPLY_CAP = 384  # llama-server -n: no reply longer than this, whatever is asked


@dataclass(frozen=True)
class Artifacts:
    server: Path
    model: Path


@dataclass
class Exchange:
    """One request the proxy passed on, and what the server answered."""

    path: str
    status: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None


@dataclass
class Recorder:
    exchanges: list[Exchange] = field(default_factory=list[Exchange])
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, exchange: Exchange) -> None:
        with self.lock:
            self.exchanges.append(exchange)

    def mark(self) -> int:
        with self.lock:
            return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        with self.lock:
            return list(self.exchanges[mark:])


@dataclass
class RealModel:
    """llama-server with the model loaded, reached through the recording proxy."""

    base_url: str  # the proxy's, what the CLI is given (…/v1)
    server_url: str  # llama-server's own
    model_name: str
    recorder: Recorder
    log: Path

    def metrics(self) -> dict[str, float]:
        """llama-server's Prometheus counters (`llamacpp:` names, without the prefix)."""
        with urlopen(f"{self.server_url}/metrics", timeout=10) as response:
            text = response.read().decode()
        values: dict[str, float] = {}
        for line in text.splitlines():
            if line.startswith("llamacpp:"):
                name, value = line.split()[:2]
                values[name.removeprefix("llamacpp:")] = float(value)
        return values


def _artifacts() -> Artifacts:
    """The cached llama-server and model (built or fetched first when absent)."""
    done = subprocess.run(
        ["bash", str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=BUILD_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{SCRIPT.name} failed:\n{done.stderr[-4000:]}", pytrace=False)
    paths = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return Artifacts(server=Path(paths["LLAMA_SERVER"]), model=Path(paths["GGUF_MODEL"]))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll /health until it answers 200 (503 while the model loads); fail if the server exits
    or is not ready in READY_SECONDS. The wait between polls is the process's own wait."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            with urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (URLError, ConnectionError, TimeoutError):
            pass
        try:
            process.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(
            f"llama-server exited with {process.returncode}:\n{log.read_text()[-4000:]}",
            pytrace=False,
        )
    pytest.fail(f"llama-server not ready in {READY_SECONDS} s:\n{log.read_text()[-4000:]}")


def _proxy(target_port: int, recorder: Recorder) -> ThreadingHTTPServer:
    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._forward(None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._forward(self.rfile.read(length))

        def _forward(self, body: bytes | None) -> None:
            upstream = http.client.HTTPConnection("127.0.0.1", target_port, timeout=3600)
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() in ("content-type", "authorization", "accept")
            }
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                status = response.status
                content_type = response.getheader("Content-Type") or "application/json"
            finally:
                upstream.close()
            exchange = Exchange(path=self.path, status=status)
            if self.path.endswith("/chat/completions") and status == 200:
                reply = json.loads(data)
                usage = reply.get("usage") or {}
                exchange.prompt_tokens = int(usage.get("prompt_tokens") or 0)
                exchange.completion_tokens = int(usage.get("completion_tokens") or 0)
                exchange.finish_reason = (reply.get("choices") or [{}])[0].get("finish_reason")
            if self.path.endswith("/chat/completions"):
                recorder.add(exchange)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Forward)


@contextmanager
def start(directory: Path) -> Iterator[RealModel]:
    """llama-server with the cached model (built or fetched first when absent) on a free
    loopback port, ready, behind the recording proxy; stopped at the end. Its log is
    `directory/server.log`."""
    found = _artifacts()
    port = _free_port()
    log = directory / "server.log"
    command = [
        str(found.server),
        "-m",
        str(found.model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "-n",
        str(REPLY_CAP),
        "--metrics",
        # this build's repacked AVX-512 kernel (ggml_gemm_q8_0_4x8_q8_0) faults in the warm-up
        # on this Xeon: weights are used as stored
        "--no-repack",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server_url = f"http://127.0.0.1:{port}"
    recorder = Recorder()
    proxy = _proxy(port, recorder)
    serving = threading.Thread(target=proxy.serve_forever, daemon=True)
    try:
        _wait_ready(process, server_url, log)
        serving.start()
        host, proxy_port = proxy.server_address[:2]
        yield RealModel(
            base_url=f"http://{host!s}:{proxy_port}/v1",
            server_url=server_url,
            model_name=found.model.stem,
            recorder=recorder,
            log=log,
        )
    finally:
        if serving.is_alive():
            proxy.shutdown()
        proxy.server_close()
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
