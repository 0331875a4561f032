"""Sandbox fidelity, code interpreter: cells run on IPython as in E2B's code-interpreter template
(cell semantics, magics, rich results, matplotlib charts, display(), contexts, interrupt).
Twins of e2e/conformance/js/features/interpreter.mjs; rows in bin/table."""

import re

import pytest

from sdk_support import RUN, module_sandbox

pytestmark = pytest.mark.runtime


sbx = module_sandbox("ci", timeout=600)


def _stdout(execution) -> str:
    return "".join(execution.logs.stdout)


def _ok(execution):
    assert execution.error is None, f"{execution.error.name}: {execution.error.value}"
    return execution


def _one_figure(sbx, code):
    """The one PNG result (a matplotlib figure) of running `code`."""
    ex = _ok(sbx.run_code(code))
    figs = [r for r in ex.results if r.png]
    assert len(figs) == 1, ex.results
    return figs[0]


def test_ci_ipython_kernel(sbx):
    ex = _ok(sbx.run_code("get_ipython().__class__.__name__ != '' and 'ipython'"))
    assert ex.text == "ipython"


def test_ci_indented_cell(sbx):
    ex = _ok(sbx.run_code("    x = 20\n    y = x + 1\n    x + y"))
    assert ex.text == "41"


def test_ci_shell_escape(sbx):
    ex = _ok(sbx.run_code("!echo shell-$((6 * 7))"))
    assert "shell-42" in _stdout(ex)
    ex = _ok(sbx.run_code("out = !echo captured\nout[0]"))
    assert ex.text == "captured"


def test_ci_magics(sbx):
    ex = _ok(sbx.run_code("%time 6 * 7"))
    assert "Wall time" in _stdout(ex)
    assert ex.text == "42"
    ex = _ok(sbx.run_code("%%bash\necho from-bash"))
    assert "from-bash" in _stdout(ex)


def test_ci_text_result(sbx):
    # E2B strips the quotes of a str result's text/plain.
    assert _ok(sbx.run_code("'abc'")).text == "abc"
    ex = _ok(sbx.run_code("{'a': [1, 2]}"))
    assert ex.text == "{'a': [1, 2]}"
    assert ex.results[0].is_main_result


def test_ci_display(sbx):
    code = (
        "from IPython.display import display, HTML, Markdown, JSON, SVG\n"
        "display(HTML('<b>bold</b>'))\n"
        "display(Markdown('# title'))\n"
        "display(JSON({'k': 1}))\n"
        "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>'))\n"
        "print('after')\n"
        "7"
    )
    ex = _ok(sbx.run_code(code))
    shown = [r for r in ex.results if not r.is_main_result]
    assert len(shown) == 4, ex.results
    assert shown[0].html == "<b>bold</b>"
    assert shown[1].markdown == "# title"
    assert shown[2].json == {"k": 1}
    assert shown[3].svg.startswith("<svg")
    assert ex.text == "7"
    assert _stdout(ex) == "after\n"


def test_ci_matplotlib_chart(sbx):
    code = (
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2, 3], [1, 4, 9], label='squares')\n"
        "plt.title('growth')\n"
        "plt.xlabel('x (s)')\n"
        "plt.show()"
    )
    fig = _one_figure(sbx, code)
    assert not fig.is_main_result
    assert fig.chart is not None, fig.formats()
    assert fig.chart.type.value == "line"
    assert fig.chart.title == "growth"
    assert fig.chart.x_label == "x (s)" and fig.chart.x_unit == "s"
    assert fig.chart.elements[0].label == "squares"
    assert [tuple(p) for p in fig.chart.elements[0].points] == [(1, 1), (2, 4), (3, 9)]


def test_ci_bar_and_pie_chart(sbx):
    code = (
        "import matplotlib.pyplot as plt\n"
        "fig, (a, b) = plt.subplots(1, 2)\n"
        "a.bar(['x', 'y'], [3, 5])\n"
        "b.pie([1, 3], labels=['one', 'three'])\n"
        "fig.suptitle('both')\n"
    )
    chart = _one_figure(sbx, code).chart
    assert chart.type.value == "superchart"
    assert chart.title == "both"
    bar, pie = chart.elements
    assert bar.type.value == "bar"
    assert [(e.label, e.value) for e in bar.elements] == [("x", 3), ("y", 5)]
    assert pie.type.value == "pie"
    assert [e.label for e in pie.elements] == ["one", "three"]
    assert [round(e.angle) for e in pie.elements] == [90, 270]


def test_ci_on_result(sbx):
    seen = []
    code = (
        "import matplotlib.pyplot as plt\n"
        "from IPython.display import display\n"
        "display('shown')\n"
        "plt.plot([0, 1])\n"
        "plt.show()\n"
        "1 + 1"
    )
    ex = _ok(sbx.run_code(code, on_result=seen.append))
    assert [r.is_main_result for r in seen] == [False, False, True]
    assert seen[0].text == "shown"
    assert seen[1].png
    assert seen[2].text == "2"
    assert len(ex.results) == 3


def test_ci_dataframe(sbx):
    ex = _ok(sbx.run_code("import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})"))
    assert ex.results[0].html and "<table" in ex.results[0].html
    assert ex.results[0].data == {"a": [1, 2], "b": ["x", "y"]}


def test_ci_error_traceback(sbx):
    ex = sbx.run_code("def boom():\n    return 1 / 0\n\nboom()")
    err = ex.error
    assert err is not None
    assert err.name == "ZeroDivisionError"
    assert err.value == "division by zero"
    # IPython's traceback (ANSI-coloured as E2B sends it): the cell, the failing line, boom().
    tb = re.sub(r"\x1b\[[0-9;]*m", "", err.traceback)
    assert re.search(r"Cell In ?\[", tb), tb  # "Cell In [1]" before IPython 8.6
    assert "boom()" in tb and "1 / 0" in tb
    syntax = sbx.run_code("def (:").error
    assert syntax is not None and syntax.name == "SyntaxError"


def test_ci_contexts_cwd(sbx):
    base = f"/tmp/ci-ctx-{RUN}"
    sbx.files.make_dir(base + "/inner")
    ctx = sbx.create_code_context(cwd=base + "/inner")
    assert ctx.cwd == base + "/inner"
    # Relative paths resolve against the context's cwd (checked through the filesystem API, so it
    # holds whatever absolute path the interpreter sees).
    _ok(sbx.run_code("open('here.txt', 'w').write('x')", context=ctx))
    assert sbx.files.exists(base + "/inner/here.txt")
    _ok(sbx.run_code("%cd ..\nopen('up.txt', 'w').write('x')", context=ctx))
    assert sbx.files.exists(base + "/up.txt")
    _ok(sbx.run_code("only_here = 5", context=ctx))
    assert sbx.run_code("only_here").error.name == "NameError"
    if not hasattr(sbx, "list_code_contexts"):
        pytest.skip("e2b-code-interpreter without list/restart/remove of contexts")
    assert ctx.id in [c.id for c in sbx.list_code_contexts()]
    sbx.restart_code_context(ctx)
    assert sbx.run_code("only_here", context=ctx).error.name == "NameError"
    sbx.remove_code_context(ctx)
    assert ctx.id not in [c.id for c in sbx.list_code_contexts()]


def test_ci_interrupt(sbx):
    _ok(sbx.run_code("kept = 'state'"))
    with pytest.raises(Exception) as timed_out:
        sbx.run_code("import time\ntime.sleep(600)", timeout=3)
    assert "timeout" in type(timed_out.value).__name__.lower() or "timed out" in str(
        timed_out.value
    ).lower()
    # The kernel was interrupted (not restarted, not still sleeping): state kept, next cell runs.
    assert _ok(sbx.run_code("kept", timeout=120)).text == "state"
