"""`batch --scheduler` at something that is not a Dask scheduler: one line, in time."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from batch_support import write_spec
from tiny import make_example
from typer.testing import CliRunner

from playbook.cli.app import app
from playbook.run import batch_dask

LIMIT = 2.0  # seconds; the real limit is batch_dask.CONNECT_TIMEOUT


@contextmanager
def listener(answer: bytes | None) -> Iterator[str]:
    """A local TCP server that accepts, sends `answer` (None: nothing) and holds on."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                link, _ = server.accept()
            except TimeoutError:
                continue
            held.append(link)
            if answer is not None:
                link.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for link in held:
            link.close()
        server.close()


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    example = make_example(tmp_path_factory.mktemp("dask-connect") / "ex").parent
    return write_spec(
        example, runs_dir=str(example / "runs"), pocs=[{"charter": "charter.yaml"}]
    )


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (None, "sent no Dask handshake within 2 s"),
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "not a Dask"),
        (b"", "sent no Dask handshake"),
    ],
    ids=["silent", "http", "accepts-and-waits"],
)
def test_a_listener_that_is_not_a_scheduler_ends_batch_in_one_line_within_the_limit(
    spec, monkeypatch, answer, says
):
    monkeypatch.setattr(batch_dask, "CONNECT_TIMEOUT", LIMIT)
    with listener(answer) as address:
        started = time.monotonic()
        result = CliRunner().invoke(app, ["batch", str(spec), "--scheduler", address])
        took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {address}: "), lines[0]
    assert says in lines[0]
    assert "MemoryError" not in result.output
    assert took < LIMIT + 5, took
    assert not (spec.parent / "runs").exists()
