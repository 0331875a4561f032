"""Seed examples through the real SDK; each asserts its outcome, not just the absence of errors."""

import time

from e2b_code_interpreter import Sandbox


def _text(chunk) -> str:
    # Older SDKs hand callbacks an output object, newer ones a str.
    return chunk if isinstance(chunk, str) else getattr(chunk, "line", str(chunk))


def test_create_run_code_commands_files_and_kill():
    sbx = Sandbox.create(timeout=120, metadata={"suite": "conformance"})
    try:
        assert sbx.is_running()
        info = sbx.get_info()
        assert info.sandbox_id == sbx.sandbox_id
        assert info.metadata.get("suite") == "conformance"

        streamed = []
        result = sbx.commands.run(
            "echo one; sleep 1; echo two; echo oops 1>&2",
            on_stdout=lambda c: streamed.append(_text(c)),
        )
        assert result.exit_code == 0
        assert result.stdout == "one\ntwo\n"
        assert result.stderr == "oops\n"
        assert "".join(streamed).replace("\n", "") == "onetwo"

        sbx.files.write("/home/user/conformance.txt", "hello conformance")
        assert sbx.files.read("/home/user/conformance.txt") == "hello conformance"
        assert "conformance.txt" in [e.name for e in sbx.files.list("/home/user")]

        sbx.run_code("a = 41")
        assert sbx.run_code("print(a + 1)").logs.stdout == ["42\n"]
        assert sbx.run_code("6 * 7").text == "42"

        sbx.set_timeout(60)
    finally:
        sbx.kill()
    # Kill deletes the Sandbox at once; the pod (and so envd's /health) goes a moment later, when
    # the controller has removed it and every proxy replica's cache has seen the deletion.
    deadline = time.monotonic() + 15
    while sbx.is_running() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not sbx.is_running()
