// The CommonJS entry patches the same SDK build and shares state with the ESM entry.
const assert = require('node:assert/strict')
const { afterEach, test } = require('node:test')

const cjs = require('@kruise-agents/e2b-patch')
const { ConnectionConfig } = require('e2b')

afterEach(() => cjs.unpatchE2b())

test('require() entry rewrites URLs', () => {
  process.env.E2B_DOMAIN = 'agents.example.com'
  delete process.env.E2B_API_URL
  cjs.patchE2b({ https: false })
  assert.equal(new ConnectionConfig().apiUrl, 'http://agents.example.com/kruise/api')
  assert.equal(new ConnectionConfig().getHost('s', 1, undefined), 'agents.example.com/kruise/s/1')
})

test('ESM and CJS entries share one patch state', async () => {
  const esm = await import('@kruise-agents/e2b-patch')
  assert.notEqual(esm.patchE2b, cjs.patchE2b)
  cjs.patchE2b()
  assert.equal(esm.isPatched(), true)
  const hooked = ConnectionConfig.prototype.getHost
  esm.patchE2b()
  assert.equal(ConnectionConfig.prototype.getHost, hooked)
  esm.unpatchE2b()
  assert.equal(cjs.isPatched(), false)
})
