// What the conformance feature modules share: the SDK pair under test (KRUISE_JS_SDK_DIR), the
// routing mode and its patch, known SDK limitations, assertions, waits, listing and kubectl.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
export const here = path.dirname(fileURLToPath(import.meta.url))
export const sdkDir = path.resolve(process.env.KRUISE_JS_SDK_DIR)
export const requireSdk = createRequire(path.join(sdkDir, 'package.json'))
export const e2b = requireSdk('e2b')
export const ci = requireSdk('@e2b/code-interpreter')
export const { Sandbox } = ci
export const version = (name) => requireSdk(`${name}/package.json`).version
export const E2B = version('e2b').split('.').map(Number)
export const CI = version('@e2b/code-interpreter').split('.').map(Number)
export const atLeast = (v, min) => {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i]
  return true
}

export const MODE = process.env.KRUISE_MODE || 'header'
if (MODE === 'private') {
  // The published patch package from sdk/js, applied to exactly the SDK copies under test.
  const { patchModules } = createRequire(import.meta.url)(path.join(here, '../../../sdk/js/index.cjs'))
  patchModules({ e2b, codeInterpreter: ci }, { https: process.env.KRUISE_HTTPS === '1' })
}

export const RUN = randomBytes(4).toString('hex')
export const IMAGE_KEY = 'e2b.agents.kruise.io/image'
export const cell = {
  sdk: 'js',
  flavour: process.env.KRUISE_FLAVOUR || '',
  version: `e2b ${version('e2b')} / @e2b/code-interpreter ${version('@e2b/code-interpreter')}`,
  mode: process.env.KRUISE_CELL_MODE || MODE,
}

// Feature modules register what an SDK copy lacks here (feature id -> () => reason | null).
export const featureLimits = {}

export function limitation(feature) {
  if (process.env.KRUISE_NO_LIMITS) return null // check whether a limitation still holds
  const lacking = featureLimits[feature]?.()
  if (lacking) return lacking
  if (MODE === 'header') {
    if (!atLeast(CI, [2, 7, 0]) && ['run_code', 'pause_drops_memory'].includes(feature)) {
      return '@e2b/code-interpreter < 2.7.0 ignores E2B_SANDBOX_URL for the interpreter port'
    }
  }
  return null
}

// e2b < 2.14.1 sends /health (isRunning) without routing headers: with header routing it reaches
// the API's /health, so those cells check liveness through getInfo instead.
export const HEALTH_UNROUTED = MODE === 'header' && !atLeast(E2B, [2, 14, 1])
export const alive = async (s) => (HEALTH_UNROUTED ? (await s.getInfo()).state === 'running' : s.isRunning())

export class AssertionError extends Error {}
export function assert(cond, message) {
  if (!cond) throw new AssertionError(message)
}
export function eq(actual, expected, what) {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  assert(a === e, `${what}: expected ${e}, got ${a}`)
}
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
export async function waitFor(predicate, seconds, what) {
  const deadline = Date.now() + seconds * 1000
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new AssertionError(`${what} not within ${seconds}s`)
    await sleep(250)
  }
}
export const kubectl = (...args) =>
  execFileSync('kubectl', args, { encoding: 'utf8', timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'] })
// The Sandbox objects labelled with E2B ID `id` (a random label value, not a name).
export const sandboxObjects = (id) =>
  JSON.parse(kubectl('get', 'sbx', '-A', '-l', `agents.kruise.io/sandbox-id=${id}`, '-o', 'json')).items
// The one Sandbox object of E2B ID `id`.
export function sandboxObject(id) {
  const items = sandboxObjects(id)
  eq(items.length, 1, `Sandboxes labelled ${id}`)
  return items[0]
}

export async function listed(metadata, state) {
  const query = state ? { metadata, state } : { metadata }
  const paginator = Sandbox.list({ query })
  const ids = []
  do {
    for (const s of await paginator.nextItems()) ids.push(s.sandboxId)
  } while (paginator.hasNext)
  return ids
}
export async function gone(id) {
  try {
    await Sandbox.getInfo(id)
    return false
  } catch (e) {
    return e instanceof e2b.NotFoundError || /not found/i.test(String(e.message))
  }
}
export const pause = (sbx) => (sbx.pause ? sbx.pause() : sbx.betaPause())
