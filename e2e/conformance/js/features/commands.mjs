// Sandbox fidelity, commands and PTY (issue 17): what envd does with processes, as the npm SDK
// sees it. Twins of e2e/conformance/test_sandbox_commands.py, same feature ids.
import { RUN, Sandbox, assert, e2b, eq, sleep, waitFor } from '../lib.mjs'

let shared
const sbx = async () =>
  (shared ??= await Sandbox.create({ timeoutMs: 300_000, metadata: { suite: 'conformance', run: RUN, t: 'cmd' } }))
const enc = (s) => new TextEncoder().encode(s)
const dec = (chunks) => Buffer.concat(chunks.map((c) => Buffer.from(c))).toString('utf8')

async function exitError(promise, what) {
  try {
    await promise
  } catch (e) {
    assert(e instanceof e2b.CommandExitError, `${what}: expected CommandExitError, got ${e}`)
    return e
  }
  throw new Error(`${what}: ended without an error`)
}

export const features = {
  async cmd_exit_code() {
    const s = await sbx()
    const e = await exitError(s.commands.run('echo out; echo err >&2; exit 3'), 'exit 3')
    eq(e.exitCode, 3, 'exit code')
    eq(e.stdout, 'out\n', 'stdout')
    eq(e.stderr, 'err\n', 'stderr')
    assert(String(e.error).includes('exit status 3'), `error: ${e.error}`)
    eq((await s.commands.run('true')).exitCode, 0, 'true')
  },
  async cmd_env_scoped() {
    const s = await sbx()
    eq((await s.commands.run('echo "[$KRUISE_SCOPED]"', { envs: { KRUISE_SCOPED: 'one' } })).stdout, '[one]\n', 'with envs')
    eq((await s.commands.run('echo "[$KRUISE_SCOPED]"')).stdout, '[]\n', 'next command')
  },
  async cmd_stdin() {
    const s = await sbx()
    const h = await s.commands.run('head -n 2', { background: true, stdin: true, timeoutMs: 60_000 })
    await s.commands.sendStdin(h.pid, 'alpha\n')
    await s.commands.sendStdin(h.pid, 'beta\n')
    eq((await h.wait()).stdout, 'alpha\nbeta\n', 'stdout')
  },
  async cmd_connect_list_kill() {
    const s = await sbx()
    const h = await s.commands.run('echo started; sleep 1; echo later; sleep 600', { background: true, timeoutMs: 0 })
    const listed = await s.commands.list()
    const info = listed.find((p) => p.pid === h.pid)
    assert(info, `${h.pid} not listed: ${JSON.stringify(listed.map((p) => p.pid))}`)
    eq(info.cmd, '/bin/bash', 'listed cmd')
    assert(info.args.at(-1).startsWith('echo started'), `listed args ${info.args}`)
    await h.disconnect()
    let out = ''
    const again = await s.commands.connect(h.pid, { timeoutMs: 0, onStdout: (d) => (out += d) })
    await waitFor(async () => out.includes('later'), 30, `connected stream (${JSON.stringify(out)})`)
    eq(await s.commands.kill(h.pid), true, 'kill')
    const e = await exitError(again.wait(), 'killed command')
    eq(e.exitCode, -1, 'exit code')
    eq(e.error, 'signal: killed', 'error')
    assert(!(await s.commands.list()).some((p) => p.pid === h.pid), 'still listed after kill')
    eq(await s.commands.kill(h.pid), false, 'second kill')
  },
  async pty_input_resize() {
    const s = await sbx()
    const chunks = []
    const term = await s.pty.create({ cols: 80, rows: 24, onData: (d) => chunks.push(d), timeoutMs: 60_000 })
    await s.pty.sendInput(term.pid, enc('stty size; echo mark-$((20+1))\n'))
    await waitFor(async () => dec(chunks).includes('mark-21'), 30, 'first output')
    assert(dec(chunks).includes('24 80'), `size before resize: ${JSON.stringify(dec(chunks))}`)
    await s.pty.resize(term.pid, { cols: 100, rows: 40 })
    await s.pty.sendInput(term.pid, enc('stty size; echo done-$((40+2))\n'))
    await waitFor(async () => dec(chunks).includes('done-42'), 30, 'output after resize')
    assert(dec(chunks).includes('40 100'), `size after resize: ${JSON.stringify(dec(chunks))}`)
    await s.pty.sendInput(term.pid, enc('exit 0\n'))
    eq((await term.wait()).exitCode, 0, 'exit')
  },
  async pty_kill() {
    const s = await sbx()
    const term = await s.pty.create({ cols: 80, rows: 24, onData: () => {}, timeoutMs: 60_000 })
    eq(await s.pty.kill(term.pid), true, 'kill')
    const e = await exitError(term.wait(), 'killed PTY')
    eq(e.exitCode, -1, 'exit code')
    eq(e.error, 'signal: killed', 'error')
    await s.commands.run(
      `for i in $(seq 1 50); do kill -0 ${term.pid} 2>/dev/null || exit 0; sleep 0.1; done; exit 1`
    )
    assert(!(await s.commands.list()).some((p) => p.pid === term.pid), 'PTY still listed')
    eq(await s.pty.kill(term.pid), false, 'second kill')
  },
  async cmd_sandbox_killed() {
    const s = await Sandbox.create({ timeoutMs: 120_000, metadata: { suite: 'conformance', run: RUN, t: 'killed' } })
    const h = await s.commands.run('echo up; sleep 600', { background: true, timeoutMs: 0 })
    const outcome = h.wait().then(
      () => ({ ended: true }),
      (error) => ({ error })
    )
    await sleep(1000)
    await Sandbox.kill(s.sandboxId)
    // Liveness, not timing: without the fix the stream hangs until the transport gives up.
    const r = await Promise.race([outcome, sleep(120_000).then(() => ({ hung: true }))])
    assert(!r.hung, "the command's stream did not end after the sandbox was killed")
    assert(r.error, `the stream ended normally: ${JSON.stringify(r)}`)
    const e = r.error
    // Class names across SDK versions (e2b 2.8 exports no SandboxNotFoundError).
    const names = ['TimeoutError', 'SandboxNotFoundError', 'SandboxNotRunningError']
    assert(
      (e2b.TimeoutError && e instanceof e2b.TimeoutError) || names.includes(e?.name) || names.includes(e?.constructor?.name),
      `${e?.name}: ${e?.message}`
    )
    assert(/killed|sandbox timeout/.test(e.message), e.message)
  },
}

export async function cleanup() {
  if (shared) await shared.kill()
}
