// ESM entry: import { patchE2b } from '@kruise-agents/e2b-patch'.
// Node resolves `e2b` to the same build here as in the app (the SDK has no
// exports map), and the shared core keeps one patch state for both entries.
import * as e2b from 'e2b'
import core from './core.cjs'

let codeInterpreter = null
try {
  codeInterpreter = await import('@e2b/code-interpreter')
} catch (err) {
  if (!(err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('@e2b/code-interpreter'))) throw err
}

/**
 * Route the e2b / @e2b/code-interpreter SDKs through the OpenKruise Agents private protocol:
 * API at `<scheme>://<domain>/kruise/api`, sandbox port P at `<scheme>://<domain>/kruise/<sandboxID>/<P>`.
 * Call before creating sandboxes. Idempotent; a repeated call updates the options.
 * @param {{https?: boolean, domain?: string}} [options]
 */
export function patchE2b(options) {
  core.patch({ e2b, codeInterpreter }, options)
}

/**
 * Patch explicitly given SDK module objects (e.g. a second copy of e2b, or a bundler's build).
 * @param {{e2b: object, codeInterpreter?: object | null}} modules
 * @param {{https?: boolean, domain?: string}} [options]
 */
export function patchModules(modules, options) {
  core.patch(modules, options)
}

export const { unpatch: unpatchE2b, isPatched, privateApiUrl, privateSandboxUrl, ENVD_PORT, JUPYTER_PORT } = core
