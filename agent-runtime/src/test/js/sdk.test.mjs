// Drives the unmodified E2B JS SDKs against one agent-runtime instance through the test shim.
// Started by JsSdkCompatibilityTest with E2B_API_URL / E2B_SANDBOX_URL pointing at the shim.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from '@e2b/code-interpreter'

describe('e2b JS SDK against agent-runtime', () => {
  let sbx

  before(async () => {
    sbx = await Sandbox.create({ timeoutMs: 120_000 })
  })

  after(async () => {
    await sbx?.kill()
  })

  it('commands.run returns stdout, stderr and exit code', async () => {
    const r = await sbx.commands.run('echo hello; echo err 1>&2')
    assert.equal(r.exitCode, 0)
    assert.equal(r.stdout, 'hello\n')
    assert.equal(r.stderr, 'err\n')
    await assert.rejects(sbx.commands.run('exit 3'), (e) => e.exitCode === 3)
  })

  it('commands.run streams output through callbacks', async () => {
    const chunks = []
    await sbx.commands.run('echo a; sleep 0.3; echo b', { onStdout: (d) => chunks.push(d) })
    assert.ok(chunks.length >= 2, `expected separate chunks, got ${JSON.stringify(chunks)}`)
    assert.equal(chunks.join(''), 'a\nb\n')
  })

  it('background commands can be listed and killed', async () => {
    const h = await sbx.commands.run('sleep 60', { background: true })
    const listed = await sbx.commands.list()
    assert.ok(listed.some((p) => p.pid === h.pid))
    assert.equal(await sbx.commands.kill(h.pid), true)
    await assert.rejects(h.wait())
    assert.equal(await sbx.commands.kill(999999), false)
  })

  it('commands accept stdin', async () => {
    const h = await sbx.commands.run('read x; echo got:$x', { background: true, stdin: true })
    await sbx.commands.sendStdin(h.pid, 'value\n')
    const r = await h.wait()
    assert.equal(r.stdout, 'got:value\n')
  })

  it('files.write / read / list / exists round trip', async () => {
    const info = await sbx.files.write('/home/user/my-file', 'hello file')
    assert.equal(info.path, '/home/user/my-file')
    assert.equal(await sbx.files.read('/home/user/my-file'), 'hello file')
    const entries = await sbx.files.list('/home/user')
    assert.ok(entries.some((e) => e.name === 'my-file' && e.type === 'file'))
    assert.equal(await sbx.files.exists('/home/user/my-file'), true)
    assert.equal(await sbx.files.exists('/home/user/missing'), false)
    assert.equal(await sbx.files.makeDir('/home/user/dir'), true)
    assert.equal(await sbx.files.makeDir('/home/user/dir'), false)
    await sbx.files.rename('/home/user/my-file', '/home/user/dir/moved')
    assert.equal(await sbx.files.read('/home/user/dir/moved'), 'hello file')
    await sbx.files.remove('/home/user/dir')
    assert.equal(await sbx.files.exists('/home/user/dir'), false)
    // A command in the default cwd sees a written file.
    await sbx.files.write('note.txt', 'from sdk')
    assert.equal((await sbx.commands.run('cat note.txt')).stdout, 'from sdk')
  })

  it('files.watchDir reports new files', async () => {
    await sbx.files.makeDir('/home/user/w')
    const events = []
    const handle = await sbx.files.watchDir('/home/user/w', (e) => events.push(e))
    await sbx.files.write('/home/user/w/a.txt', 'x')
    for (let i = 0; i < 50 && !events.some((e) => e.name === 'a.txt'); i++) {
      await new Promise((r) => setTimeout(r, 100))
    }
    await handle.stop()
    assert.ok(events.some((e) => e.name === 'a.txt' && e.type === 'create'), JSON.stringify(events))
  })

  it('pty.create runs an interactive shell', async () => {
    let out = ''
    const decoder = new TextDecoder()
    const pty = await sbx.pty.create({ cols: 80, rows: 24, onData: (d) => { out += decoder.decode(d) } })
    await sbx.pty.resize(pty.pid, { cols: 100, rows: 30 })
    await sbx.pty.sendInput(pty.pid, new TextEncoder().encode('echo pty-$((40+2))\nexit\n'))
    await pty.wait().catch(() => {})
    assert.match(out, /pty-42/)
  })

  it('runCode keeps state and returns results and errors', async () => {
    await sbx.runCode('a = 1')
    const printed = await sbx.runCode('print(a)')
    assert.deepEqual(printed.logs.stdout, ['1\n'])
    const value = await sbx.runCode('a + 1')
    assert.equal(value.text, '2')
    const failed = await sbx.runCode('1/0')
    assert.equal(failed.error.name, 'ZeroDivisionError')
    const ctx = await sbx.createCodeContext({ cwd: '/tmp' })
    const inCtx = await sbx.runCode('import os; print(os.getcwd().endswith("/tmp"))', { context: ctx })
    assert.deepEqual(inCtx.logs.stdout, ['True\n'])
    await sbx.removeCodeContext(ctx)
  })
})
