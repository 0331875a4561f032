"""Sandbox fidelity, commands and PTY (issue 17): what envd does with processes, as the real SDKs
see it. Feature ids match e2e/conformance/js/features/commands.mjs and the `runtime` rows of
e2e/conformance/bin/table."""

import threading
import time

import pytest
from e2b import CommandExitException
from e2b.sandbox.commands.command_handle import PtySize
from e2b_code_interpreter import Sandbox

from sdk_support import RUN, module_sandbox, _text

pytestmark = pytest.mark.runtime


sbx = module_sandbox("cmd")


def _pty_until(chunks, needle: bytes, seconds=30):
    deadline = time.monotonic() + seconds
    while needle not in b"".join(chunks):
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} not in the PTY output within {seconds}s: {chunks!r}")
        time.sleep(0.1)


class _Waiter:
    """Waits for a command or PTY handle in a thread: its PTY output, result or exception."""

    def __init__(self, handle):
        self.chunks = []
        self.result = None
        self.error = None
        self._thread = threading.Thread(target=self._run, args=(handle,), daemon=True)
        self._thread.start()

    def _run(self, handle):
        try:
            self.result = handle.wait(on_pty=self.chunks.append)
        except Exception as e:  # noqa: BLE001 - checked by the test
            self.error = e

    def join(self, seconds):
        self._thread.join(seconds)
        assert not self._thread.is_alive(), f"the stream did not end within {seconds}s"
        return self


def test_cmd_exit_code(sbx):
    with pytest.raises(CommandExitException) as e:
        sbx.commands.run("echo out; echo err >&2; exit 3")
    assert e.value.exit_code == 3
    assert e.value.stdout == "out\n"
    assert e.value.stderr == "err\n"
    assert "exit status 3" in (e.value.error or "")
    assert sbx.commands.run("true").exit_code == 0


def test_cmd_env_scoped(sbx):
    first = sbx.commands.run('echo "[$KRUISE_SCOPED]"', envs={"KRUISE_SCOPED": "one"})
    assert first.stdout == "[one]\n"
    # Another command does not inherit the first one's variables.
    assert sbx.commands.run('echo "[$KRUISE_SCOPED]"').stdout == "[]\n"


def test_cmd_stdin(sbx):
    h = sbx.commands.run("head -n 2", background=True, stdin=True, timeout=60)
    sbx.commands.send_stdin(h.pid, "alpha\n")
    sbx.commands.send_stdin(h.pid, "beta\n")
    result = h.wait()
    assert result.stdout == "alpha\nbeta\n"


def test_cmd_connect_list_kill(sbx):
    h = sbx.commands.run(
        "echo started; sleep 1; echo later; sleep 600", background=True, timeout=0
    )
    listed = {p.pid: p for p in sbx.commands.list()}
    assert h.pid in listed, f"{h.pid} not in {list(listed)}"
    info = listed[h.pid]
    assert info.cmd == "/bin/bash"
    assert info.args[-1].startswith("echo started")
    h.disconnect()
    out = []
    outcome = {}
    again = sbx.commands.connect(h.pid, timeout=0)

    def wait():
        try:
            again.wait(on_stdout=lambda c: out.append(_text(c)))
        except Exception as e:  # noqa: BLE001 - checked below
            outcome["error"] = e

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    deadline = time.monotonic() + 30
    while "later" not in "".join(out):
        assert time.monotonic() < deadline, f"connected stream showed {out!r}"
        time.sleep(0.1)
    assert sbx.commands.kill(h.pid)
    waiter.join(60)
    assert not waiter.is_alive(), "the connected stream did not end after kill"
    e = outcome.get("error")
    assert isinstance(e, CommandExitException), repr(e)
    assert e.exit_code == -1
    assert e.error == "signal: killed"
    assert h.pid not in {p.pid for p in sbx.commands.list()}
    assert not sbx.commands.kill(h.pid)


def test_pty_input_resize(sbx):
    term = sbx.pty.create(PtySize(cols=80, rows=24), timeout=60)
    w = _Waiter(term)
    sbx.pty.send_stdin(term.pid, b"stty size; echo mark-$((20+1))\n")
    _pty_until(w.chunks, b"mark-21")
    assert b"24 80" in b"".join(w.chunks)
    sbx.pty.resize(term.pid, PtySize(cols=100, rows=40))
    sbx.pty.send_stdin(term.pid, b"stty size; echo done-$((40+2))\n")
    _pty_until(w.chunks, b"done-42")
    assert b"40 100" in b"".join(w.chunks)
    sbx.pty.send_stdin(term.pid, b"exit 0\n")
    w.join(60)
    assert w.error is None, repr(w.error)
    assert w.result.exit_code == 0


def test_pty_kill(sbx):
    term = sbx.pty.create(PtySize(cols=80, rows=24), timeout=60)
    w = _Waiter(term)
    assert sbx.pty.kill(term.pid)
    w.join(60)
    assert isinstance(w.error, CommandExitException), repr(w.error)
    assert w.error.exit_code == -1
    assert w.error.error == "signal: killed"
    # As E2B's own SDK test: the PTY's process is gone from the sandbox.
    sbx.commands.run(
        f"for i in $(seq 1 50); do kill -0 {term.pid} 2>/dev/null || exit 0; sleep 0.1; done; "
        "exit 1"
    )
    assert term.pid not in {p.pid for p in sbx.commands.list()}
    assert not sbx.pty.kill(term.pid)


def test_cmd_sandbox_killed():
    s = Sandbox.create(timeout=120, metadata={"suite": "conformance", "run": RUN, "t": "killed"})
    h = s.commands.run("echo up; sleep 600", background=True, timeout=0)
    outcome = {}

    def wait():
        try:
            h.wait()
            outcome["ended"] = True
        except Exception as e:  # noqa: BLE001 - the error under test
            outcome["error"] = e

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    time.sleep(1)
    Sandbox.kill(s.sandbox_id)
    # Liveness, not timing: without the fix the stream hangs until the transport gives up.
    waiter.join(120)
    assert not waiter.is_alive(), "the command's stream did not end after the sandbox was killed"
    e = outcome.get("error")
    assert e is not None, f"the stream ended normally: {outcome}"
    name = type(e).__name__
    assert name in ("SandboxNotRunningException", "TimeoutException"), f"{name}: {e}"
    message = str(e)
    assert "killed" in message or "sandbox timeout" in message, message
