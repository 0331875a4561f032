// The unmodified E2B JS SDK through the sandbox-manager: E2B_API_URL and E2B_SANDBOX_URL both point
// at the manager's one port. Started by JsSdkThroughProxyTest with SANDBOX_ID of a claimed sandbox.
const assert = require('node:assert/strict')
const { Sandbox } = require('e2b')

async function main() {
  const sbx = await Sandbox.connect(process.env.SANDBOX_ID)
  const r = await sbx.commands.run('echo hello; echo err 1>&2')
  assert.equal(r.exitCode, 0)
  assert.equal(r.stdout, 'hello\n')
  assert.equal(r.stderr, 'err\n')
  const chunks = []
  await sbx.commands.run('echo a; sleep 1; echo b', { onStdout: (d) => chunks.push(d) })
  assert.equal(chunks.join(''), 'a\nb\n')
  const path = process.env.FILE_PATH
  await sbx.files.write(path, 'hello file')
  assert.equal(await sbx.files.read(path), 'hello file')
  console.log('SDK-OK')
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
