"""The openai backend against a real OpenAI-compatible server on loopback: llama-cpp-python's own server
running the embedded model. A tiny flaky HTTP server (stdlib) tests the retry logic around it."""

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

from openended.llm import load
from openended.llm.models import smollm2_gguf
from openended.llm.openai_compat import ServerError
from tests.conftest import need

KEY = "test-key-7f3a"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need("llama_cpp")
    need("uvicorn")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(smollm2_gguf()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "512",
        "--logits_all",
        "True",
        "--n_threads",
        "2",
        "--api_key",
        KEY,
    ]
    log = tmp_path_factory.mktemp("server") / "server.log"
    with open(log, "wb") as sink:  # a file, not a pipe: the server logs more than a pipe buffer holds
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"server did not start: {log.read_text()[-2000:]}")
        try:
            if (
                httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=2).status_code
                == 200
            ):
                break
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def client(server, monkeypatch):
    monkeypatch.setenv("OPENENDED_TEST_KEY", KEY)
    model = load(f"openai:smollm2@{server}?api_key_env=OPENENDED_TEST_KEY&max_concurrency=2&max_retries=1")
    yield model
    model.close()


def test_generation_is_concurrent_but_bounded(client):
    prompts = ["The capital of France is", [{"role": "user", "content": "Name a colour."}]] * 3
    out = client.generate(prompts, temperature=0.0, max_tokens=8)
    assert client.max_in_flight == 2
    assert "Paris" in out[0].text and all(r.text.strip() for r in out)
    assert [r.text for r in out[2:4]] == [r.text for r in out[:2]]  # greedy: same prompt, same answer
    assert out[0].usage.prompt_tokens == 5 and out[1].usage.completion_tokens > 0


def test_server_error_is_a_clear_exception(client):
    start = time.monotonic()
    with pytest.raises(ServerError) as err:
        client.complete("word " * 600, max_tokens=4)
    assert err.value.status == 400 and "context length" in str(err.value)
    assert time.monotonic() - start < 10  # a 400 is not retried


def test_key_comes_from_the_environment_and_never_shows(server, monkeypatch):
    monkeypatch.setenv("OPENENDED_TEST_KEY", "wrong-key")
    model = load(f"openai:smollm2@{server}?api_key_env=OPENENDED_TEST_KEY&max_retries=0")
    with pytest.raises(ServerError) as err:
        model.complete("hi", max_tokens=2)
    assert err.value.status == 401
    assert "wrong-key" not in str(err.value) and "wrong-key" not in repr(model)


def test_choice_scores_match_the_local_backend(client, smollm2):
    prompt = [{"role": "user", "content": "Is fire hot? Answer Yes or No."}]
    remote = client.score(prompt, ["Yes", "No"])
    local = smollm2.score(prompt, ["Yes", "No"])
    assert remote.logprobs == pytest.approx(local.logprobs, abs=1e-3)
    assert sum(remote.probs) == pytest.approx(1.0)


def test_greedy_text_matches_the_embedded_backend(client, smollm2):
    # the server's own samplers (repeat_penalty 1.1, top_k 40, min_p 0.05) are sent switched off, so greedy
    # decoding over HTTP is the embedded model's greedy decoding
    prompts = [[{"role": "user", "content": "List five fruits, one per line."}], "One, two, three, four,"]
    remote = client.generate(prompts, temperature=0.0, max_tokens=40)
    local = smollm2.generate(prompts, temperature=0.0, max_tokens=40)
    assert [r.text for r in remote] == [r.text for r in local]
    assert client.sampling == "neutral"


class Strict(BaseHTTPRequestHandler):
    """A hosted-API-like server: rejects arguments it does not know; each request takes ``delay`` s."""

    seen: ClassVar[list] = []
    delay: ClassVar[float] = 0.0
    invalid: ClassVar[bool] = False  # reject every request, echoing it (as pydantic validation errors do)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Strict.seen.append(body)
        if Strict.invalid:
            self.send_response(422)
            self.end_headers()
            self.wfile.write(
                json.dumps({"error": {"message": f"max_tokens too large; input={body}"}}).encode()
            )
            return
        unknown = sorted(
            set(body) - {"model", "prompt", "messages", "temperature", "top_p", "max_tokens", "seed"}
        )
        if unknown:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(
                json.dumps(
                    {"error": {"message": f"Unrecognized request argument supplied: {unknown[0]}"}}
                ).encode()
            )
            return
        time.sleep(Strict.delay)
        payload = {"choices": [{"text": "ok", "finish_reason": "stop"}], "usage": {"completion_tokens": 1}}
        self.send_response(200)
        self.end_headers()
        self.wfile.write(json.dumps(payload).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def strict():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Strict)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Strict.seen, Strict.delay, Strict.invalid = [], 0.0, False
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_a_server_rejecting_the_extra_samplers_gets_plain_requests(strict):
    model = load(f"openai:m@{strict}?max_retries=0")
    assert model.complete("hi", temperature=0.0).text == "ok"
    assert Strict.seen[0]["top_k"] == 0 and Strict.seen[0]["repeat_penalty"] == 1.0
    assert "top_k" not in Strict.seen[1] and model.sampling == "openai"
    model.complete("again")
    assert len(Strict.seen) == 3 and "top_k" not in Strict.seen[2]  # remembered: no second rejection
    plain = load(f"openai:m@{strict}?max_retries=0&sampling=openai")
    plain.complete("hi")
    assert len(Strict.seen) == 4 and "min_p" not in Strict.seen[3]


def test_an_error_that_merely_echoes_the_samplers_does_not_drop_them(strict):
    Strict.invalid = True
    model = load(f"openai:m@{strict}?max_retries=0")
    with pytest.raises(ServerError, match="HTTP 422"):
        model.complete("hi")
    assert len(Strict.seen) == 2 and model.sampling == "neutral"  # the plain retry failed too: not the cause


def test_latency_is_wall_time_not_the_sum_of_concurrent_requests(strict):
    Strict.delay = 0.4
    model = load(f"openai:m@{strict}?max_retries=0&max_concurrency=4&sampling=openai")
    start = time.perf_counter()
    out = model.generate(["a", "b"], n=2, temperature=0.7)
    wall = time.perf_counter() - start
    assert all(0.4 <= r.latency_s < 0.7 for r in out)  # two samples at once: ~0.4 s, not ~0.8 s
    assert sum(r.usage.seconds for r in out) == pytest.approx(wall, abs=0.1)
    assert model.usage.seconds == pytest.approx(wall, abs=0.1)


class Flaky(BaseHTTPRequestHandler):
    failures = 2
    seen: ClassVar[list] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Flaky.seen.append(body)
        if len(Flaky.seen) <= Flaky.failures:
            self.send_response(503)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "overloaded"}}')
            return
        payload = {
            "choices": [{"text": "ok", "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1},
        }
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(payload).encode())

    def log_message(self, *args):
        pass


def test_transient_errors_are_retried_with_backoff():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        Flaky.seen = []
        model = load(f"openai:m@{url}?max_retries=3&backoff=0.01")
        assert model.complete("hi", seed=5).text == "ok"
        assert len(Flaky.seen) == 3 and Flaky.seen[0]["seed"] == 5
        Flaky.seen = []
        model = load(f"openai:m@{url}?max_retries=1&backoff=0.01")
        with pytest.raises(ServerError, match="HTTP 503: overloaded"):
            model.complete("hi")
        assert len(Flaky.seen) == 2
    finally:
        httpd.shutdown()


class Odd(BaseHTTPRequestHandler):
    """Answers 200 with what a broken proxy or server might send."""

    reply: ClassVar[bytes] = b""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(Odd.reply)

    def log_message(self, *args):
        pass


def test_odd_replies_are_server_errors_or_clean_text():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Odd)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    model = load(f"openai:m@http://127.0.0.1:{httpd.server_address[1]}/v1?max_retries=0")
    try:
        Odd.reply = b"<html>502 from a proxy</html>"
        with pytest.raises(ServerError, match="not JSON"):
            model.complete("hi")
        Odd.reply = (
            b'{"choices": [{"text": "ok", "finish_reason": null}], "usage": {"completion_tokens": null}}'
        )
        assert model.complete("hi").text == "ok"
        Odd.reply = b'{"choices": "none"}'
        with pytest.raises(ServerError, match="unexpected response shape"):
            model.complete("hi")
        # a lone surrogate escaped in the JSON cannot be written anywhere as UTF-8: it becomes U+FFFD
        Odd.reply = b'{"choices": [{"text": "a\\ud800b"}]}'
        text = model.complete("hi").text
        assert text == "a\ufffdb" and text.encode("utf-8")
    finally:
        httpd.shutdown()


def test_unreachable_server():
    model = load(f"openai:m@http://127.0.0.1:{free_port()}/v1?max_retries=1&backoff=0.01&timeout=2")
    with pytest.raises(ServerError, match="no response"):
        model.complete("hi")
