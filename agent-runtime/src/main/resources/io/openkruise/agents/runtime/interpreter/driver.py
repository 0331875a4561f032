# Long-lived Python driver for one code-interpreter context.
# Protocol: one JSON request per line on stdin; JSON event lines on the original stdout.
# fds 1 and 2 are redirected into pipes that a thread forwards as stdout/stderr events, so
# output of child processes (os.system, subprocess) is streamed too.
import ast
import base64
import builtins
import codecs
import io
import json
import os
import sys
import threading
import traceback

_proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
_proto_lock = threading.Lock()


def _send(obj):
    line = json.dumps(obj)
    with _proto_lock:
        _proto.write(line + "\n")
        _proto.flush()


_MARK = b"\x00\x1bSYNC"


class _Capture:
    """Forwards everything written to `fd` as events; sync() waits until it is drained."""

    def __init__(self, fd, name):
        r, w = os.pipe()
        os.dup2(w, fd)
        os.close(w)
        self.fd = fd
        self.r = r
        self.name = name
        self.cond = threading.Condition()
        self.seen = set()
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        threading.Thread(target=self._loop, daemon=True).start()

    def _emit(self, data):
        text = self.decoder.decode(data)
        if text:
            _send({"type": self.name, "text": text})

    def _loop(self):
        buf = b""
        while True:
            chunk = os.read(self.r, 65536)
            if not chunk:
                return
            buf += chunk
            while True:
                i = buf.find(_MARK)
                if i < 0:
                    break
                j = buf.find(b"\x00", i + len(_MARK))
                if j < 0:
                    break
                self._emit(buf[:i])
                token = buf[i + len(_MARK):j]
                buf = buf[j + 1:]
                with self.cond:
                    self.seen.add(token)
                    self.cond.notify_all()
            # Keep an unterminated marker, or a tail that may start one, for the next read.
            i = buf.find(_MARK)
            if i >= 0:
                self._emit(buf[:i])
                buf = buf[i:]
                continue
            keep = 0
            for k in range(min(len(_MARK) - 1, len(buf)), 0, -1):
                if buf.endswith(_MARK[:k]):
                    keep = k
                    break
            self._emit(buf[: len(buf) - keep])
            buf = buf[len(buf) - keep:]

    def sync(self, n):
        token = str(n).encode()
        os.write(self.fd, _MARK + token + b"\x00")
        with self.cond:
            self.cond.wait_for(lambda: token in self.seen, timeout=5)
            self.seen.discard(token)


_out = _Capture(1, "stdout")
_err = _Capture(2, "stderr")
sys.stdout = io.TextIOWrapper(
    io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
)
sys.stderr = io.TextIOWrapper(
    io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
)
_requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
# User code reading stdin must not eat protocol lines.
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
sys.stdin = open(os.devnull, "r")

_MIME = (
    ("_repr_html_", "html"),
    ("_repr_markdown_", "markdown"),
    ("_repr_svg_", "svg"),
    ("_repr_png_", "png"),
    ("_repr_jpeg_", "jpeg"),
    ("_repr_pdf_", "pdf"),
    ("_repr_latex_", "latex"),
    ("_repr_json_", "json"),
    ("_repr_javascript_", "javascript"),
)


def _bundle(value, main):
    out = {"type": "result", "is_main_result": main}
    try:
        out["text"] = repr(value)
    except Exception as e:  # a broken __repr__ must not kill the driver
        out["text"] = "<unrepresentable %s: %s>" % (type(value).__name__, e)
    for meth, key in _MIME:
        f = getattr(value, meth, None)
        if not callable(f) or isinstance(value, type):
            continue
        try:
            r = f()
        except Exception:
            continue
        if isinstance(r, tuple):
            r = r[0]
        if r is None:
            continue
        if isinstance(r, bytes):
            r = base64.b64encode(r).decode("ascii")
        out[key] = r
    return out


_sync_counter = [0]


def _drain():
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass
    _sync_counter[0] += 1
    _out.sync(_sync_counter[0])
    _err.sync(_sync_counter[0])


def display(*objs, **kwargs):
    """Shows objects as non-main results, like IPython's display()."""
    _drain()
    for o in objs:
        _send(_bundle(o, False))


builtins.display = display


def _figures():
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    try:
        for num in plt.get_fignums():
            fig = plt.figure(num)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", bbox_inches="tight")
            _send(
                {
                    "type": "result",
                    "is_main_result": False,
                    "text": repr(fig),
                    "png": base64.b64encode(buf.getvalue()).decode("ascii"),
                }
            )
        plt.close("all")
    except Exception as e:
        _send({"type": "stderr", "text": "could not render figures: %s\n" % e})


_ns = {"__name__": "__main__", "__builtins__": builtins, "display": display}


def _traceback(e):
    tb = e.__traceback__
    # Drop the driver's own frames.
    while tb is not None and tb.tb_frame.f_code.co_filename != "<cell>":
        tb = tb.tb_next
    if isinstance(e, SyntaxError):
        return "".join(traceback.format_exception_only(type(e), e))
    return "".join(traceback.format_exception(type(e), e, tb))


def _execute(code, env):
    saved = {}
    for k, v in (env or {}).items():
        saved[k] = os.environ.get(k)
        os.environ[k] = str(v)
    try:
        tree = ast.parse(code, "<cell>", "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, "<cell>", "exec"), _ns)
        value = None
        if last is not None:
            value = eval(compile(last, "<cell>", "eval"), _ns)
        _drain()
        _figures()
        if value is not None:
            _ns["_"] = value
            _send(_bundle(value, True))
    except BaseException as e:  # includes KeyboardInterrupt and SystemExit from user code
        _drain()
        _send(
            {
                "type": "error",
                "name": type(e).__name__,
                "value": str(e),
                "traceback": _traceback(e),
            }
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _drain()


def _main():
    cwd = os.environ.get("AGENT_RUNTIME_CWD")
    if cwd:
        os.makedirs(cwd, exist_ok=True)
        os.chdir(cwd)
    _send({"type": "ready", "pid": os.getpid()})
    for line in _requests:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError as e:
            _send({"type": "error", "name": "ProtocolError", "value": str(e), "traceback": ""})
            _send({"type": "done"})
            continue
        _execute(req.get("code", ""), req.get("env"))
        _send({"type": "done"})


_main()
