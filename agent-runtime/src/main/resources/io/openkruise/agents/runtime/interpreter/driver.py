# Long-lived Python bridge for one code-interpreter context.
# Protocol: one JSON request per line on stdin; JSON event lines on the original stdout.
# fds 1 and 2 are redirected into pipes that a thread forwards as stdout/stderr events, so
# output of child processes (os.system, subprocess, `!cmd`) is streamed too.
#
# Cells run on IPython's InteractiveShell in this process when IPython is installed (the same
# shell ipykernel wraps: dedent, magics, `!`, display(), rich MIME bundles, matplotlib inline
# figures), else on a plain exec() fallback. Results leave as MIME bundles
# ({"type": "result", "is_main_result": ..., "data": {mime: value}}); the Java side maps them to
# E2B's result keys. SIGINT interrupts the running cell (KeyboardInterrupt) and is ignored between
# cells.
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


def _jsonable(o):
    # numpy scalars and arrays, dates: what charts and DataFrames hold.
    for attr in ("tolist", "item", "isoformat"):
        f = getattr(o, attr, None)
        if callable(f):
            try:
                return f()
            except Exception:
                pass
    return str(o)


def _send(obj):
    line = json.dumps(obj, default=_jsonable)
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

import signal

_sync_counter = [0]


def _drain():
    """Waits until everything written to fds 1 and 2 so far was sent, to keep the order."""
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass
    _sync_counter[0] += 1
    _out.sync(_sync_counter[0])
    _err.sync(_sync_counter[0])


def _result(data, main):
    _drain()
    _send({"type": "result", "is_main_result": main, "data": data})


def _error(name, value, tb):
    _drain()
    _send({"type": "error", "name": name, "value": value, "traceback": tb})


# --- interrupt: only a running cell sees SIGINT ---
_running = [False]


def _on_sigint(signum, frame):
    if _running[0]:
        raise KeyboardInterrupt


signal.signal(signal.SIGINT, _on_sigint)


# --- chart data of a matplotlib figure, in the shape e2b_code_interpreter's charts models read ---
_UNIT = None


def _unit(label):
    global _UNIT
    if _UNIT is None:
        import re

        _UNIT = re.compile(r"\s\((.*?)\)|\[(.*?)\]")
    if not label:
        return None
    m = _UNIT.search(label)
    return (m.group(1) or m.group(2)) if m else None


def _axis_kind(axis):
    conv = getattr(axis, "get_converter", None)
    conv = conv() if callable(conv) else getattr(axis, "converter", None)
    name = type(conv).__name__ if conv is not None else ""
    if "Date" in name:
        return "datetime"
    if "Category" in name:
        return "categorical"
    return None


def _ticks(ax, which):
    axis = ax.xaxis if which == "x" else ax.yaxis
    values = list(ax.get_xticks() if which == "x" else ax.get_yticks())
    labels = [t.get_text() for t in (ax.get_xticklabels() if which == "x" else ax.get_yticklabels())]
    kind = _axis_kind(axis)
    if kind == "datetime":
        from matplotlib.dates import num2date

        values = [num2date(v).isoformat() for v in values]
    else:
        values = [float(v) for v in values]
    scale = kind or (ax.get_xscale() if which == "x" else ax.get_yscale())
    return values, labels, scale


def _point(v, kind):
    if kind == "datetime":
        try:
            from matplotlib.dates import num2date

            return num2date(float(v)).isoformat()
        except Exception:
            return str(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def _base(ax, kind):
    title = ax.get_title() or None
    return {"type": kind, "title": title, "elements": []}


def _planar(ax, kind):
    c = _base(ax, kind)
    xl, yl = ax.get_xlabel() or None, ax.get_ylabel() or None
    c.update(x_label=xl, y_label=yl, x_unit=_unit(xl), y_unit=_unit(yl))
    return c


def _chart_of_axes(ax):
    from matplotlib.collections import PathCollection
    from matplotlib.container import BarContainer
    from matplotlib.lines import Line2D
    from matplotlib.patches import Wedge

    lines = [ln for ln in ax.get_lines()]
    bars = [b for b in ax.containers if isinstance(b, BarContainer)]
    wedges = [p for p in ax.patches if isinstance(p, Wedge)]
    points = [col for col in ax.collections if isinstance(col, PathCollection)]
    if bars:
        c = _planar(ax, "bar")
        for i, cont in enumerate(bars):
            group = cont.get_label() or ""
            if group.startswith("_"):
                group = "Group %d" % i
            horizontal = getattr(cont, "orientation", "vertical") == "horizontal"
            if horizontal:
                c["x_label"], c["y_label"] = c["y_label"], c["x_label"]
                c["x_unit"], c["y_unit"] = c["y_unit"], c["x_unit"]
            positions = ax.get_yticks() if horizontal else ax.get_xticks()
            names = [t.get_text() for t in (ax.get_yticklabels() if horizontal else ax.get_xticklabels())]
            for rect in cont:
                if horizontal:
                    centre, value = rect.get_y() + rect.get_height() / 2, rect.get_width()
                else:
                    centre, value = rect.get_x() + rect.get_width() / 2, rect.get_height()
                label = "%g" % centre
                for pos, name in zip(positions, names):
                    if abs(pos - centre) < 1e-9 and name:
                        label = name
                c["elements"].append({"label": label, "group": group, "value": float(value)})
        return c
    if wedges and not lines and not points:
        c = _base(ax, "pie")
        for w in wedges:
            c["elements"].append(
                {"label": w.get_label(), "angle": abs(round(w.theta2 - w.theta1, 4)), "radius": float(w.r)}
            )
        return c
    kind = None
    if lines and not points and not ax.patches:
        kind = "line"
    elif points and not lines and not ax.patches:
        kind = "scatter"
    if kind is None:
        return _base(ax, "unknown")
    c = _planar(ax, kind)
    for which in ("x", "y"):
        ticks, labels, scale = _ticks(ax, which)
        c[which + "_ticks"], c[which + "_tick_labels"], c[which + "_scale"] = ticks, labels, scale
    xk, yk = _axis_kind(ax.xaxis), _axis_kind(ax.yaxis)
    if kind == "line":
        for i, ln in enumerate(lines):
            label = ln.get_label()
            if label.startswith("_child"):
                label = "Line %s" % label[len("_child"):]
            pts = [[_point(x, xk), _point(y, yk)] for x, y in zip(ln.get_xdata(), ln.get_ydata())]
            c["elements"].append({"label": label, "points": pts})
    else:
        for col in points:
            pts = [[_point(x, xk), _point(y, yk)] for x, y in col.get_offsets()]
            c["elements"].append({"label": col.get_label(), "points": pts})
    return c


def _figure_chart(fig):
    try:
        axes = fig.get_axes()
        if not axes:
            return None
        if len(axes) == 1:
            return _chart_of_axes(axes[0])
        sup = getattr(fig, "_suptitle", None)
        return {
            "type": "superchart",
            "title": (sup.get_text() or None) if sup is not None else None,
            "elements": [_chart_of_axes(ax) for ax in axes],
        }
    except Exception as e:  # chart data is a bonus; never lose the figure over it
        sys.stderr.write("agent-runtime: no chart data for this figure: %r\n" % (e,))
        return None


def _dataframe_data(df):
    try:
        return json.loads(json.dumps(df.to_dict(orient="list"), default=_jsonable))
    except Exception:
        return None


def _apply_env(env):
    saved = {}
    for k, v in (env or {}).items():
        saved[k] = os.environ.get(k)
        os.environ[k] = str(v)
    return saved


def _restore_env(saved):
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


# --- IPython ---
def _ipython_kernel():
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.formatters import BaseFormatter
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import ObjectName, Unicode

    class Hook(DisplayHook):
        """The cell's value (execute_result): a main result."""

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            _result(format_dict, True)

        def finish_displayhook(self):
            pass

    class Publisher(DisplayPublisher):
        """display() and inline figures (display_data): non-main results."""

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
            _result(data, False)

        def clear_output(self, wait=False):
            pass

    class Shell(InteractiveShell):
        displayhook_class = Hook
        display_pub_class = Publisher

        def _showtraceback(self, etype, evalue, stb):
            # As E2B's server: the kernel's structured traceback joined without separator.
            _error(etype.__name__, str(evalue), "".join(stb))

        def enable_gui(self, gui=None):
            pass

    def instance_of(obj, module, name):
        # Checked by instance, not registered by type name: pandas reports DataFrame's module as
        # "pandas", not where it is defined. Only what the user already imported can match.
        mod = sys.modules.get(module)
        cls = getattr(mod, name, None) if mod is not None else None
        return cls is not None and isinstance(obj, cls)

    class ChartFormatter(BaseFormatter):
        """e2b/chart: what E2B's template adds for matplotlib figures."""

        format_type = Unicode("e2b/chart")
        print_method = ObjectName("_repr_e2b_chart_")
        _return_type = (dict,)

        def __call__(self, obj):
            if instance_of(obj, "matplotlib.figure", "Figure"):
                return _figure_chart(obj)
            return None

    class DataFormatter(BaseFormatter):
        """e2b/data: a DataFrame's columns."""

        format_type = Unicode("e2b/data")
        print_method = ObjectName("_repr_e2b_data_")
        _return_type = (dict,)

        def __call__(self, obj):
            if instance_of(obj, "pandas", "DataFrame"):
                return _dataframe_data(obj)
            return None

    import importlib.util

    if importlib.util.find_spec("matplotlib_inline") is not None:
        # ipykernel's default: figures shown at plt.show() and at the end of each cell.
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    else:
        os.environ.setdefault("MPLBACKEND", "Agg")
    shell = Shell.instance(colors="Neutral") if _accepts_colors(Shell) else Shell.instance()
    fmt = shell.display_formatter
    fmt.formatters["e2b/chart"] = ChartFormatter(parent=fmt)
    fmt.formatters["e2b/data"] = DataFormatter(parent=fmt)
    # format() only asks the active types; the list may have been fixed before we added ours.
    fmt.active_types = [t for t in fmt.active_types if t not in ("e2b/chart", "e2b/data")] + [
        "e2b/chart",
        "e2b/data",
    ]
    builtins.display = __import__("IPython.display", fromlist=["display"]).display

    def run(code):
        _running[0] = True
        try:
            shell.run_cell(code, store_history=True)
        except KeyboardInterrupt:  # between run_cell's own handlers
            _error("KeyboardInterrupt", "", "")
        finally:
            _running[0] = False

    return run


def _accepts_colors(cls):
    try:
        trait = cls.class_traits().get("colors")
        return trait is not None
    except Exception:
        return False


# --- fallback: plain exec() where IPython is not installed ---
_MIME = (
    ("_repr_html_", "text/html"),
    ("_repr_markdown_", "text/markdown"),
    ("_repr_svg_", "image/svg+xml"),
    ("_repr_png_", "image/png"),
    ("_repr_jpeg_", "image/jpeg"),
    ("_repr_pdf_", "application/pdf"),
    ("_repr_latex_", "text/latex"),
    ("_repr_json_", "application/json"),
    ("_repr_javascript_", "application/javascript"),
)


def _bundle(value):
    out = {}
    try:
        out["text/plain"] = repr(value)
    except Exception as e:  # a broken __repr__ must not kill the bridge
        out["text/plain"] = "<unrepresentable %s: %s>" % (type(value).__name__, e)
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


def _plain_kernel():
    os.environ.setdefault("MPLBACKEND", "Agg")
    ns = {"__name__": "__main__", "__builtins__": builtins}

    def display(*objs, **kwargs):
        """Shows objects as non-main results, like IPython's display()."""
        for o in objs:
            _result(_bundle(o), False)

    builtins.display = display
    ns["display"] = display

    def figures():
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None:
            return
        try:
            for num in plt.get_fignums():
                fig = plt.figure(num)
                buf = io.BytesIO()
                fig.savefig(buf, format="png", bbox_inches="tight")
                data = {"text/plain": repr(fig), "image/png": base64.b64encode(buf.getvalue()).decode("ascii")}
                chart = _figure_chart(fig)
                if chart:
                    data["e2b/chart"] = chart
                _result(data, False)
            plt.close("all")
        except Exception as e:
            sys.stderr.write("could not render figures: %s\n" % e)

    def tb_of(e):
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != "<cell>":
            tb = tb.tb_next
        if isinstance(e, SyntaxError):
            return "".join(traceback.format_exception_only(type(e), e))
        return "".join(traceback.format_exception(type(e), e, tb))

    def run(code):
        _running[0] = True
        try:
            tree = ast.parse(code, "<cell>", "exec")
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            exec(compile(tree, "<cell>", "exec"), ns)
            value = None
            if last is not None:
                value = eval(compile(last, "<cell>", "eval"), ns)
            figures()
            if value is not None:
                ns["_"] = value
                _result(_bundle(value), True)
        except BaseException as e:  # includes KeyboardInterrupt and SystemExit from user code
            _error(type(e).__name__, str(e), tb_of(e))
        finally:
            _running[0] = False

    return run


def _main():
    cwd = os.environ.get("AGENT_RUNTIME_CWD")
    if cwd:
        os.makedirs(cwd, exist_ok=True)
        os.chdir(cwd)
    kernel = "python"
    run = None
    if os.environ.get("AGENT_RUNTIME_KERNEL") != "python":
        try:
            run = _ipython_kernel()
            kernel = "ipython"
        except ImportError as e:
            sys.stderr.write("agent-runtime: IPython not available (%s); plain Python fallback\n" % e)
    if run is None:
        run = _plain_kernel()
    _drain()
    _send({"type": "ready", "pid": os.getpid(), "kernel": kernel})
    for line in _requests:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError as e:
            _error("ProtocolError", str(e), "")
            _send({"type": "done"})
            continue
        saved = _apply_env(req.get("env"))
        try:
            run(req.get("code", ""))
        except KeyboardInterrupt:  # SIGINT just before or after the cell
            pass
        finally:
            _restore_env(saved)
            _drain()
        _send({"type": "done"})


_main()
