// Preloaded with `node --import`: stands in for wildcard DNS. `<domain>`, `api.<domain>` and
// `<port>-<sandboxID>.<domain>` (E2B_DOMAIN without its port) resolve to 127.0.0.1 in this process
// only, as far as KRUISE_MODE's setup would have DNS. Both the global fetch and the SDK's own undici Agent connect through dns.lookup.
import dns from 'node:dns'

const domain = (process.env.E2B_DOMAIN || 'localhost').replace(/:\d+$/, '').toLowerCase()
// native: wildcard DNS; private: the domain itself; header: nothing (setups without either).
const mode = process.env.KRUISE_MODE || 'native'
const local = (host) => {
  const h = String(host).toLowerCase()
  if (mode === 'header') return false
  return h === domain || (mode === 'native' && h.endsWith('.' + domain))
}
const lookup = dns.lookup
dns.lookup = function (host, options, callback) {
  if (typeof options === 'function') [callback, options] = [options, {}]
  if (typeof options === 'number') options = { family: options }
  if (!local(host)) return lookup.call(this, host, options, callback)
  process.nextTick(() =>
    options && options.all
      ? callback(null, [{ address: '127.0.0.1', family: 4 }])
      : callback(null, '127.0.0.1', 4),
  )
  return {}
}
