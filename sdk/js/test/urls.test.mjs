// URL rewriting without a server: build SDK objects and ask them for their URLs.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { afterEach, beforeEach, test } from 'node:test'

import { ConnectionConfig, Sandbox } from 'e2b'
import { Sandbox as CodeInterpreterSandbox } from '@e2b/code-interpreter'
import { isPatched, patchE2b, privateApiUrl, privateSandboxUrl, unpatchE2b } from '@kruise-agents/e2b-patch'

import { cleanEnv } from './fake-server.mjs'

const SID = 'i1m5kq0x7c2w9e4r8t3a' // the shape of a real ID: 20 random [a-z0-9]
const envd = { envdPort: 49983, sandboxDomain: 'agents.example.com' }

const hooks = () => ({
  apiUrl: Object.getOwnPropertyDescriptor(ConnectionConfig, 'apiUrl').get,
  getHost: ConnectionConfig.prototype.getHost,
  getSandboxUrl: ConnectionConfig.prototype.getSandboxUrl,
  getSandboxDirectUrl: ConnectionConfig.prototype.getSandboxDirectUrl,
  fileUrl: Sandbox.prototype.fileUrl,
  getMcpUrl: Sandbox.prototype.getMcpUrl,
  jupyterUrl: Object.getOwnPropertyDescriptor(CodeInterpreterSandbox.prototype, 'jupyterUrl').get,
})

beforeEach(() => cleanEnv('agents.example.com'))
afterEach(() => unpatchE2b())

for (const [https, scheme] of [[true, 'https'], [false, 'http']]) {
  test(`API and sandbox URLs (https=${https})`, () => {
    patchE2b({ https })
    const config = new ConnectionConfig()
    assert.equal(config.apiUrl, `${scheme}://agents.example.com/kruise/api`)
    assert.equal(config.getHost(SID, 8080, 'agents.example.com'), `agents.example.com/kruise/${SID}/8080`)
    assert.equal(config.getSandboxUrl(SID, envd), `${scheme}://agents.example.com/kruise/${SID}/49983`)
    assert.equal(
      config.getSandboxDirectUrl(SID, { ...envd, envdPort: 49999 }),
      `${scheme}://agents.example.com/kruise/${SID}/49999`,
    )
  })
}

test('domain with a port, from E2B_DOMAIN or the patch option', () => {
  process.env.E2B_DOMAIN = '10.0.0.5:7788'
  patchE2b({ https: false })
  const config = new ConnectionConfig()
  assert.equal(config.apiUrl, 'http://10.0.0.5:7788/kruise/api')
  assert.equal(config.getSandboxUrl(SID, { envdPort: 49983 }), `http://10.0.0.5:7788/kruise/${SID}/49983`)
  patchE2b({ https: false, domain: 'gw.example.com:8443' })
  assert.equal(new ConnectionConfig().apiUrl, 'http://gw.example.com:8443/kruise/api')
})

test('explicit apiUrl wins; E2B_API_URL / E2B_SANDBOX_URL do not', () => {
  process.env.E2B_API_URL = 'https://elsewhere.example.com'
  process.env.E2B_SANDBOX_URL = 'https://sandbox.elsewhere.example.com'
  patchE2b()
  const config = new ConnectionConfig()
  assert.equal(config.apiUrl, 'https://agents.example.com/kruise/api')
  assert.equal(config.getSandboxUrl(SID, envd), `https://agents.example.com/kruise/${SID}/49983`)
  assert.equal(new ConnectionConfig({ apiUrl: 'https://mine.example.com/x' }).apiUrl, 'https://mine.example.com/x')
})

test("E2B's own domains are rewritten too (no sandbox.<domain> shortcut)", () => {
  process.env.E2B_DOMAIN = 'e2b.app'
  patchE2b()
  assert.equal(new ConnectionConfig().getSandboxUrl(SID, { envdPort: 49983, sandboxDomain: 'e2b.app' }),
    `https://e2b.app/kruise/${SID}/49983`)
})

test('debug mode keeps the SDK localhost wiring', () => {
  process.env.E2B_DEBUG = 'true'
  patchE2b()
  const config = new ConnectionConfig()
  assert.equal(config.apiUrl, 'http://localhost:3000')
  assert.equal(config.getSandboxUrl(SID, envd), 'http://localhost:49983')
})

test('idempotent, re-configurable and reversible', () => {
  const before = hooks()
  assert.equal(isPatched(), false)
  patchE2b({ https: false })
  const once = hooks()
  patchE2b({ https: false })
  assert.deepEqual(hooks(), once, 'a second call must not wrap again')
  for (const [key, fn] of Object.entries(before)) assert.notEqual(once[key], fn, key)
  patchE2b({ https: true })
  assert.deepEqual(hooks(), once)
  assert.equal(new ConnectionConfig().apiUrl, 'https://agents.example.com/kruise/api')
  unpatchE2b()
  assert.deepEqual(hooks(), before)
  assert.equal(isPatched(), false)
  assert.equal(new ConnectionConfig().apiUrl, 'https://api.agents.example.com')
  unpatchE2b()
})

test('a second copy of the patch unwraps instead of stacking', async () => {
  const before = hooks()
  patchE2b()
  // A fresh module instance (as with two installed copies) has its own state.
  const require = createRequire(import.meta.url)
  const path = require.resolve('../core.cjs')
  const shared = require.cache[path]
  delete require.cache[path]
  const core = require('../core.cjs')
  require.cache[path] = shared
  assert.notEqual(core, shared.exports)
  assert.equal(core.isPatched(), false)
  try {
    core.patch({ e2b: await import('e2b') }, { https: false })
    const original = ConnectionConfig.prototype.getHost[Symbol.for('kruise-agents.e2b-patch.original')]
    assert.equal(original.value, before.getHost)
    assert.equal(new ConnectionConfig().getSandboxUrl(SID, envd), `http://agents.example.com/kruise/${SID}/49983`)
  } finally {
    core.unpatch()
  }
})

test('fileUrl keeps the /kruise/<id>/<port> prefix', () => {
  patchE2b({ https: false })
  const config = new ConnectionConfig()
  const fake = { connectionConfig: config, envdDirectUrl: config.getSandboxDirectUrl(SID, envd) }
  const url = Sandbox.prototype.fileUrl.call(fake, '/tmp/a b.txt', 'user')
  assert.ok(url.startsWith(`http://agents.example.com/kruise/${SID}/49983/files?`), url)
  assert.match(url, /path=%2Ftmp%2Fa(\+|%20)b\.txt/)
})

test('helpers', () => {
  assert.equal(privateApiUrl('d:1', false), 'http://d:1/kruise/api')
  assert.equal(privateSandboxUrl('d', 's', 49999), 'https://d/kruise/s/49999')
})
