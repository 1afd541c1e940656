import uuid

import pytest

# helpers.py asserts that nothing outlived a run: keep pytest's detailed assertion messages there
pytest.register_assert_rewrite("tests.sandbox.helpers")


@pytest.fixture
def box(tmp_path, bwrap_ok):
    data = tmp_path / "public"
    data.mkdir()
    (data / "train.csv").write_text("x,y\n1,2\n")
    private = tmp_path / "private"
    private.mkdir()
    secret = f"ANSWER-{uuid.uuid4().hex}"
    (private / "answers.csv").write_text(f"id,y\n0,{secret}\n")
    return tmp_path, data, private, secret


@pytest.fixture
def host(tmp_path):
    """A workspace beside a secret it must never give away."""
    ws = tmp_path / "ws"
    ws.mkdir()
    secret = tmp_path / "private" / "answers.csv"
    secret.parent.mkdir()
    secret.write_text(f"id,y\n0,SECRET-{uuid.uuid4().hex}\n")
    return ws, secret
