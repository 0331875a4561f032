// Real SDK calls against the local fake: every request must use the private paths.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, afterEach, before, describe, test } from 'node:test'

import * as e2b from 'e2b'
import * as codeInterpreter from '@e2b/code-interpreter'
import { patchE2b, patchModules, unpatchE2b } from '@kruise-agents/e2b-patch'

import { ACCESS_TOKEN, SANDBOX_ID, cleanEnv, loadCompatSdks, startFakeServer } from './fake-server.mjs'

const ENVD = `/kruise/${SANDBOX_ID}/49983`
const JUPYTER = `/kruise/${SANDBOX_ID}/49999`
const compat = loadCompatSdks()
const version = (name) => createRequire(import.meta.url)(`${name}/package.json`).version

const flavours = [
  {
    name: `e2b ${version('e2b')} + @e2b/code-interpreter ${version('@e2b/code-interpreter')}`,
    sdk: { e2b, codeInterpreter },
    patch: (options) => patchE2b(options),
  },
  {
    name: 'e2b 2.8.1 + @e2b/code-interpreter 2.3.1 (compat/)',
    sdk: compat,
    patch: (options) => patchModules(compat, options),
    skip: compat === null && 'compat/ not installed (bin/test installs it)',
  },
]

for (const flavour of flavours) {
  describe(flavour.name, { skip: flavour.skip }, () => {
    let server
    before(async () => {
      server = await startFakeServer()
      cleanEnv(server.domain)
    })
    after(() => server.close())
    afterEach(() => {
      unpatchE2b()
      server.requests.length = 0
    })

    test('code-interpreter Sandbox: create, files.write, commands.run, runCode, kill', async () => {
      flavour.patch({ https: false })
      const sbx = await flavour.sdk.codeInterpreter.Sandbox.create({ timeoutMs: 60_000 })
      assert.equal(sbx.sandboxId, SANDBOX_ID)
      await sbx.files.write('/tmp/a.txt', 'hello')
      const result = await sbx.commands.run('echo hi')
      assert.equal(result.exitCode, 0)
      assert.equal(result.stdout, 'hi\n')
      const execution = await sbx.runCode('1+1')
      assert.equal(execution.text, '2')

      const base = `http://${server.domain}`
      assert.equal(sbx.getHost(8080), `${server.domain}/kruise/${SANDBOX_ID}/8080`)
      assert.ok((await sbx.downloadUrl('/tmp/a.txt')).startsWith(`${base}${ENVD}/files?`))
      assert.ok((await sbx.uploadUrl('/tmp/a.txt')).startsWith(`${base}${ENVD}/files?`))
      if (typeof sbx.getMcpUrl === 'function') assert.equal(sbx.getMcpUrl(), `${base}/kruise/${SANDBOX_ID}/50005/mcp`)
      await sbx.kill()

      const posts = server.paths('POST')
      assert.match(posts[0], /^\/kruise\/api(\/v2)?\/sandboxes$/)
      assert.ok(posts.includes(`${ENVD}/files`), posts.join('\n'))
      assert.ok(posts.includes(`${ENVD}/process.Process/Start`), posts.join('\n'))
      assert.ok(posts.includes(`${JUPYTER}/execute`), posts.join('\n'))
      assert.ok(server.paths('DELETE').includes(`/kruise/api/sandboxes/${SANDBOX_ID}`))
      assert.deepEqual(server.paths().filter((p) => !p.startsWith('/kruise/')), [])
      const write = server.requests.find((r) => r.url.startsWith(`${ENVD}/files`))
      assert.match(write.url, /[?&]path=/)
      assert.equal(write.headers['x-access-token'], ACCESS_TOKEN)
    })

    test('plain e2b Sandbox goes through the private paths too', async () => {
      flavour.patch({ https: false })
      const sbx = await flavour.sdk.e2b.Sandbox.create({ timeoutMs: 60_000 })
      await sbx.files.write('/tmp/a.txt', 'hello')
      assert.equal((await sbx.commands.run('echo hi')).stdout, 'hi\n')
      await sbx.kill()
      const posts = server.paths('POST')
      assert.ok(posts.includes(`${ENVD}/files`) && posts.includes(`${ENVD}/process.Process/Start`), posts.join('\n'))
      assert.deepEqual(server.paths().filter((p) => !p.startsWith('/kruise/')), [])
    })

    test('control: unpatched SDK never reaches the private API', async () => {
      await assert.rejects(flavour.sdk.e2b.Sandbox.create({ timeoutMs: 60_000, requestTimeoutMs: 2_000 }))
      assert.deepEqual(server.requests, [])
    })
  })
}
