'use strict'
// CommonJS entry: require('@kruise-agents/e2b-patch').
const core = require('./core.cjs')

function optional(name) {
  try {
    return require(name)
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(name)) return null
    throw err
  }
}

/**
 * Route the e2b / @e2b/code-interpreter SDKs through the OpenKruise Agents private protocol:
 * API at `<scheme>://<domain>/kruise/api`, sandbox port P at `<scheme>://<domain>/kruise/<sandboxID>/<P>`.
 * Call before creating sandboxes. Idempotent; a repeated call updates the options.
 * @param {{https?: boolean, domain?: string}} [options]
 */
function patchE2b(options) {
  core.patch({ e2b: require('e2b'), codeInterpreter: optional('@e2b/code-interpreter') }, options)
}

/**
 * Patch explicitly given SDK module objects (e.g. a second copy of e2b, or a bundler's build).
 * @param {{e2b: object, codeInterpreter?: object | null}} modules
 * @param {{https?: boolean, domain?: string}} [options]
 */
function patchModules(modules, options) {
  core.patch(modules, options)
}

module.exports = {
  patchE2b,
  patchModules,
  unpatchE2b: core.unpatch,
  isPatched: core.isPatched,
  privateApiUrl: core.privateApiUrl,
  privateSandboxUrl: core.privateSandboxUrl,
  ENVD_PORT: core.ENVD_PORT,
  JUPYTER_PORT: core.JUPYTER_PORT,
}
