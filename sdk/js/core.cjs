'use strict'
// Shared implementation of the private-protocol rewrite. Both entry points
// (index.mjs, index.cjs) load this one CommonJS module, so they share the
// patch state even when an app mixes import and require.

const ENVD_PORT = 49983
const JUPYTER_PORT = 49999
// Marks every replacement and remembers what it replaced, so a second patch
// (even from another copy of this package) unwraps instead of stacking.
const ORIGINAL = Symbol.for('kruise-agents.e2b-patch.original')

/** @type {{https: boolean, domain: string | undefined, replaced: Array<[object, PropertyKey, PropertyDescriptor | undefined]>, owners: Set<object>} | null} */
let state = null

const scheme = () => (state === null || state.https ? 'https' : 'http')

function privateApiUrl(domain, https = true) {
  return `${https ? 'https' : 'http'}://${domain}/kruise/api`
}

function privateSandboxHost(domain, sandboxId, port) {
  return `${domain}/kruise/${sandboxId}/${port}`
}

function privateSandboxUrl(domain, sandboxId, port, https = true) {
  return `${https ? 'https' : 'http'}://${privateSandboxHost(domain, sandboxId, port)}`
}

// Rewrite only while patched and outside debug mode (debug keeps localhost wiring).
const active = (config) => state !== null && !(config && config.debug)

function unwrap(descriptor) {
  let d = descriptor
  while (d) {
    const fn = d.get || d.value
    if (typeof fn !== 'function' || !(ORIGINAL in fn)) break
    d = fn[ORIGINAL]
  }
  return d
}

/**
 * Install `make(originalDescriptor)` as `owner[key]` and record how to undo it.
 * Skips owners that lack the key (older/newer SDKs without that hook).
 */
function replace(owner, key, make) {
  const current = Object.getOwnPropertyDescriptor(owner, key)
  if (!current) return false
  const original = unwrap(current)
  const next = make(original)
  const fn = next.get || next.value
  Object.defineProperty(fn, ORIGINAL, { value: original })
  Object.defineProperty(owner, key, { ...original, ...next })
  state.replaced.push([owner, key, original])
  return true
}

function patchConnectionConfig(CC) {
  // The constructor takes `opts.apiUrl || ConnectionConfig.apiUrl || default`;
  // the static getter (normally E2B_API_URL) is the only seam before the
  // default, so it answers with the private API URL.
  replace(CC, 'apiUrl', (orig) => ({
    get: function apiUrl() {
      if (!active({ debug: CC.debug })) return orig.get.call(this)
      return privateApiUrl(state.domain || CC.domain, state.https)
    },
  }))
  const proto = CC.prototype
  replace(proto, 'getHost', (orig) => ({
    value: function getHost(sandboxId, port, sandboxDomain) {
      if (!active(this)) return orig.value.call(this, sandboxId, port, sandboxDomain)
      return privateSandboxHost(sandboxDomain || this.domain, sandboxId, port)
    },
  }))
  // The private path also wins over E2B_SANDBOX_URL and the SDK's
  // https://sandbox.<domain> shortcut for E2B's own domains.
  const sandboxUrl = (orig) => ({
    value: function (sandboxId, opts) {
      if (!active(this)) return orig.value.call(this, sandboxId, opts)
      const port = (opts && opts.envdPort) || CC.envdPort || ENVD_PORT
      return `${scheme()}://${this.getHost(sandboxId, port, opts && opts.sandboxDomain)}`
    },
  })
  replace(proto, 'getSandboxUrl', sandboxUrl)
  replace(proto, 'getSandboxDirectUrl', sandboxUrl) // e2b >= 2.25
}

function patchSandbox(Sandbox) {
  const proto = Sandbox.prototype
  // `new URL('/files', base)` drops the /kruise/<id>/<port> prefix of the
  // base; put it back (upload/download URLs are built here).
  replace(proto, 'fileUrl', (orig) => ({
    value: function fileUrl(...args) {
      const url = orig.value.apply(this, args)
      if (!active(this.connectionConfig)) return url
      const base = new URL(this.envdDirectUrl || this.envdApiUrl)
      const prefix = base.pathname.replace(/\/+$/, '')
      const parsed = new URL(url)
      if (!prefix || parsed.pathname.startsWith(prefix + '/')) return url
      base.pathname = prefix + parsed.pathname
      base.search = parsed.search
      return base.toString()
    },
  }))
  // The SDK hard-codes https for the MCP gateway URL; follow the patch's scheme.
  replace(proto, 'getMcpUrl', (orig) => ({
    value: function getMcpUrl(...args) {
      if (!active(this.connectionConfig)) return orig.value.apply(this, args)
      return `${scheme()}://${this.getHost(this.mcpPort)}/mcp`
    },
  }))
}

function patchCodeInterpreter(Sandbox) {
  // Older code-interpreter SDKs build https://<getHost(49999)> by hand.
  for (let proto = Sandbox && Sandbox.prototype; proto; proto = Object.getPrototypeOf(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, 'jupyterUrl')
    if (!d || !d.get) continue
    replace(proto, 'jupyterUrl', (orig) => ({
      get: function jupyterUrl() {
        if (!active(this.connectionConfig)) return orig.get.call(this)
        return `${scheme()}://${this.connectionConfig.getHost(this.sandboxId, JUPYTER_PORT, this.sandboxDomain)}`
      },
    }))
    return
  }
}

/** Pick the export from an ESM namespace or CJS exports (bundlers may wrap CJS in `default`). */
function pick(mod, name) {
  if (!mod) return undefined
  return mod[name] || (mod.default && mod.default[name])
}

/**
 * @param {{e2b: object, codeInterpreter?: object | null}} modules
 * @param {{https?: boolean, domain?: string}} [options]
 */
function patch(modules, options = {}) {
  const https = options.https !== undefined ? Boolean(options.https) : true
  if (state === null) state = { https, domain: options.domain, replaced: [], owners: new Set() }
  // Replacements read these at call time, so a repeated call only updates them.
  state.https = https
  state.domain = options.domain
  const targets = [
    [pick(modules.e2b, 'ConnectionConfig'), patchConnectionConfig],
    [pick(modules.e2b, 'Sandbox'), patchSandbox],
    [pick(modules.codeInterpreter, 'Sandbox'), patchCodeInterpreter],
  ]
  for (const [owner, apply] of targets) {
    if (typeof owner !== 'function' || state.owners.has(owner)) continue
    state.owners.add(owner)
    apply(owner)
  }
  if (!state.owners.has(pick(modules.e2b, 'ConnectionConfig'))) {
    throw new Error('kruise-agents: the e2b module has no ConnectionConfig export; unsupported e2b version')
  }
}

function unpatch() {
  if (state === null) return
  for (const [owner, key, original] of state.replaced.reverse()) Object.defineProperty(owner, key, original)
  state = null
}

const isPatched = () => state !== null

module.exports = {
  ENVD_PORT,
  JUPYTER_PORT,
  isPatched,
  patch,
  privateApiUrl,
  privateSandboxHost,
  privateSandboxUrl,
  unpatch,
}
