// Sandbox fidelity, code interpreter: cells run on IPython as in E2B's code-interpreter template.
// Twins of e2e/conformance/test_sandbox_interpreter.py; rows in e2e/conformance/bin/table.
import { Sandbox, RUN, assert, eq } from '../lib.mjs'

let sbx
const sandbox = async () =>
  (sbx ??= await Sandbox.create({ timeoutMs: 600_000, metadata: { suite: 'conformance', run: RUN, t: 'ci' } }))

const stdout = (ex) => ex.logs.stdout.join('')
function ok(ex) {
  assert(!ex.error, `${ex.error?.name}: ${ex.error?.value}`)
  return ex
}
const run = async (code, opts) => ok(await (await sandbox()).runCode(code, opts))
// The one PNG result (a matplotlib figure) of an execution.
function oneFigure(ex) {
  const figs = ex.results.filter((r) => r.png)
  eq(figs.length, 1, 'figures')
  return figs[0]
}

export const features = {
  async ci_ipython_kernel() {
    eq((await run("get_ipython().__class__.__name__ != '' and 'ipython'")).text, 'ipython', 'kernel')
  },

  async ci_indented_cell() {
    eq((await run('    x = 20\n    y = x + 1\n    x + y')).text, '41', 'dedented cell')
  },

  async ci_shell_escape() {
    assert(stdout(await run('!echo shell-$((6 * 7))')).includes('shell-42'), '!echo output')
    eq((await run('out = !echo captured\nout[0]')).text, 'captured', 'captured shell output')
  },

  async ci_magics() {
    const ex = await run('%time 6 * 7')
    assert(stdout(ex).includes('Wall time'), `%time output: ${stdout(ex)}`)
    eq(ex.text, '42', '%time result')
    assert(stdout(await run('%%bash\necho from-bash')).includes('from-bash'), '%%bash output')
  },

  async ci_text_result() {
    eq((await run("'abc'")).text, 'abc', 'str result without quotes')
    const ex = await run("{'a': [1, 2]}")
    eq(ex.text, "{'a': [1, 2]}", 'dict result')
    assert(ex.results[0].isMainResult, 'main result')
  },

  async ci_display() {
    const ex = await run(
      [
        'from IPython.display import display, HTML, Markdown, JSON, SVG',
        "display(HTML('<b>bold</b>'))",
        "display(Markdown('# title'))",
        "display(JSON({'k': 1}))",
        'display(SVG(\'<svg xmlns="http://www.w3.org/2000/svg"></svg>\'))',
        "print('after')",
        '7',
      ].join('\n'),
    )
    const shown = ex.results.filter((r) => !r.isMainResult)
    eq(shown.length, 4, 'display results')
    eq(shown[0].html, '<b>bold</b>', 'html')
    eq(shown[1].markdown, '# title', 'markdown')
    eq(JSON.stringify(shown[2].json), '{"k":1}', 'json')
    assert(shown[3].svg.startsWith('<svg'), 'svg')
    eq(ex.text, '7', 'main result')
    eq(stdout(ex), 'after\n', 'stdout')
  },

  async ci_matplotlib_chart() {
    const ex = await run(
      [
        'import matplotlib.pyplot as plt',
        "plt.plot([1, 2, 3], [1, 4, 9], label='squares')",
        "plt.title('growth')",
        "plt.xlabel('x (s)')",
        'plt.show()',
      ].join('\n'),
    )
    const fig = oneFigure(ex)
    assert(!fig.isMainResult, 'figure is a display result')
    const chart = fig.chart
    assert(chart, 'chart data')
    eq(chart.type, 'line', 'chart type')
    eq(chart.title, 'growth', 'title')
    eq(chart.x_label ?? chart.xLabel, 'x (s)', 'x label')
    eq(chart.x_unit ?? chart.xUnit, 's', 'x unit')
    eq(chart.elements[0].label, 'squares', 'label')
    eq(JSON.stringify(chart.elements[0].points), '[[1,1],[2,4],[3,9]]', 'points')
  },

  async ci_bar_and_pie_chart() {
    const ex = await run(
      [
        'import matplotlib.pyplot as plt',
        'fig, (a, b) = plt.subplots(1, 2)',
        "a.bar(['x', 'y'], [3, 5])",
        "b.pie([1, 3], labels=['one', 'three'])",
        "fig.suptitle('both')",
      ].join('\n'),
    )
    const chart = oneFigure(ex).chart
    eq(chart.type, 'superchart', 'type')
    eq(chart.title, 'both', 'suptitle')
    const [bar, pie] = chart.elements
    eq(bar.type, 'bar', 'bar type')
    eq(JSON.stringify(bar.elements.map((e) => [e.label, e.value])), '[["x",3],["y",5]]', 'bars')
    eq(pie.type, 'pie', 'pie type')
    eq(JSON.stringify(pie.elements.map((e) => e.label)), '["one","three"]', 'wedges')
    eq(JSON.stringify(pie.elements.map((e) => Math.round(e.angle))), '[90,270]', 'angles')
  },

  async ci_on_result() {
    const seen = []
    const ex = await run(
      [
        'import matplotlib.pyplot as plt',
        'from IPython.display import display',
        "display('shown')",
        'plt.plot([0, 1])',
        'plt.show()',
        '1 + 1',
      ].join('\n'),
      { onResult: (r) => seen.push(r) },
    )
    eq(JSON.stringify(seen.map((r) => r.isMainResult)), '[false,false,true]', 'callbacks')
    eq(seen[0].text, 'shown', 'display text')
    assert(seen[1].png, 'figure png')
    eq(seen[2].text, '2', 'main result')
    eq(ex.results.length, 3, 'results')
  },

  async ci_dataframe() {
    const ex = await run("import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})")
    assert(ex.results[0].html?.includes('<table'), 'html table')
    eq(JSON.stringify(ex.results[0].data), '{"a":[1,2],"b":["x","y"]}', 'data')
  },

  async ci_error_traceback() {
    const s = await sandbox()
    const err = (await s.runCode('def boom():\n    return 1 / 0\n\nboom()')).error
    assert(err, 'error')
    eq(err.name, 'ZeroDivisionError', 'name')
    eq(err.value, 'division by zero', 'value')
    // IPython's traceback, ANSI-coloured as E2B sends it.
    const tb = err.traceback.replace(/\x1b\[[0-9;]*m/g, '')
    assert(/Cell In ?\[/.test(tb), `IPython traceback: ${tb}`) // "Cell In [1]" before IPython 8.6
    assert(tb.includes('boom()') && tb.includes('1 / 0'), 'frames')
    eq((await s.runCode('def (:')).error?.name, 'SyntaxError', 'syntax error')
  },

  async ci_contexts_cwd() {
    const s = await sandbox()
    const base = `/tmp/ci-ctx-${RUN}`
    await s.files.makeDir(`${base}/inner`)
    const ctx = await s.createCodeContext({ cwd: `${base}/inner` })
    eq(ctx.cwd, `${base}/inner`, 'context cwd')
    // Relative paths resolve against the context's cwd (checked through the filesystem API).
    await run("open('here.txt', 'w').write('x')", { context: ctx })
    assert(await s.files.exists(`${base}/inner/here.txt`), 'file in the cwd')
    await run("%cd ..\nopen('up.txt', 'w').write('x')", { context: ctx })
    assert(await s.files.exists(`${base}/up.txt`), '%cd')
    await run('only_here = 5', { context: ctx })
    eq((await s.runCode('only_here')).error?.name, 'NameError', 'default context isolated')
    assert((await s.listCodeContexts()).some((c) => c.id === ctx.id), 'listed')
    await s.restartCodeContext(ctx)
    eq((await s.runCode('only_here', { context: ctx })).error?.name, 'NameError', 'restart clears')
    await s.removeCodeContext(ctx)
    assert(!(await s.listCodeContexts()).some((c) => c.id === ctx.id), 'removed')
  },

  async ci_interrupt() {
    const s = await sandbox()
    await run("kept = 'state'")
    let timedOut = null
    try {
      await s.runCode('import time\ntime.sleep(600)', { timeoutMs: 3000 })
    } catch (e) {
      timedOut = e
    }
    assert(timedOut && /timeout|timed out/i.test(`${timedOut.name} ${timedOut.message}`), `timeout: ${timedOut}`)
    eq((await run('kept', { timeoutMs: 120_000 })).text, 'state', 'interrupted, state kept')
  },
}

export async function cleanup() {
  if (sbx) await sbx.kill()
}
