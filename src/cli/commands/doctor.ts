import { randomBytes } from 'node:crypto'
import { performanceFrom } from '../../admin/redis-info.js'
import { createCache } from '../../cache/create-cache.js'
import { unusedVariableWarnings } from '../../config/seed-variables.js'
import { maintenanceCacheOptions, type StoreCliOptions } from '../store-flags.js'
import { cacheKey } from '../../keys/build-key.js'
import { redactSecrets } from '../../log/redact.js'
import { dataUrlOf, describeTarget } from '../../stores/redis-link.js'
import { output } from '../output.js'

/** One doctor check. */
interface Check {
  readonly name: string
  readonly status: 'PASS' | 'WARN' | 'FAIL'
  readonly detail: string
}

/**
 * `mcp-cache doctor`: what the seeds' test scripts check, as PASS/WARN/FAIL
 * lines: config, connectivity, a set/get/delete round trip, a patient-record
 * round trip, persistence, maxmemory policy and TLS. Exit 1 on any FAIL.
 */
export async function runDoctor(options: StoreCliOptions & { json?: boolean; timeout: string }): Promise<number> {
  const out = output(options.json)
  const checks: Check[] = []
  const add = (check: Check) => {
    checks.push(check)
    out.line(`${check.status.padEnd(4)}  ${check.name.padEnd(26)} ${check.detail}`)
  }
  const config = maintenanceCacheOptions(options)
  const store = typeof config.store === 'object' ? 'custom' : (config.store ?? 'memory')
  const url = dataUrlOf(config.redis ?? {})
  const prefix = config.prefix === '' ? 'none (keys shared with other programs)' : (config.prefix ?? 'mcp')
  const codec = config.codec === 'json' ? ', codec json' : ''
  add({ name: 'config', status: 'PASS', detail: redactSecrets(`store ${store}, prefix ${prefix}${codec}${store === 'memory' ? '' : `, ${describeTarget(config.redis ?? {})}`}`) })
  for (const warning of unusedVariableWarnings(process.env)) add({ name: 'environment', status: 'WARN', detail: warning })
  const cache = createCache({ ...config, logger: false })
  try {
    if (store !== 'memory') {
      const ready = await cache.ready(options.timeout)
      const health = await cache.health()
      const refused = health.error?.includes('refused the credentials') === true
      add(
        ready && health.healthy
          ? { name: 'connectivity', status: 'PASS', detail: `PING ${health.latencyMs?.toFixed(1)} ms` }
          : { name: 'connectivity', status: 'FAIL', detail: refused ? `authentication failed: ${health.error ?? ''}` : `no answer within ${options.timeout}: ${health.error ?? 'not connected'}; check REDIS_URL, the password and the network` },
      )
    }
    const key = `doctor:${randomBytes(4).toString('hex')}`
    const stored = await cache.set(key, { ok: true }, { ttl: '1m' })
    const read = await cache.get<{ ok: boolean }>(key)
    const deleted = await cache.delete(key)
    add(stored && read?.ok === true && deleted === 1 ? { name: 'set/get/delete', status: 'PASS', detail: 'round trip ok' } : { name: 'set/get/delete', status: 'FAIL', detail: `set ${stored}, get ${JSON.stringify(read)}, delete ${deleted}` })
    const patientKey = cacheKey({ category: 'patient', version: 'v1', identifier: [500, 100841], user: 'doctor' })
    const record = { dfn: 100841, name: 'PATIENT,DOCTOR', dob: new Date('1961-04-12T00:00:00Z'), allergies: new Set(['PENICILLIN']) }
    const first = await cache.getOrSetWithStatus(patientKey, async () => record, { ttl: '1m' })
    const second = await cache.getOrSetWithStatus(patientKey, async () => record, { ttl: '1m' })
    await cache.delete(patientKey)
    const exact = second.value.dob instanceof Date && second.value.allergies instanceof Set && second.value.dob.getTime() === record.dob.getTime()
    add(first.status === 'miss' && second.status === 'hit' && exact ? { name: 'patient record round trip', status: 'PASS', detail: 'miss, then hit with Date and Set intact' } : { name: 'patient record round trip', status: 'FAIL', detail: `statuses ${first.status}/${second.status}, exact ${exact}` })
    const info = await cache.serverInfo().catch(() => undefined)
    if (info !== undefined) {
      const performance = performanceFrom(info)
      add(performance.persistence.aofEnabled ? { name: 'persistence', status: 'PASS', detail: 'AOF on' } : { name: 'persistence', status: 'WARN', detail: 'AOF off: a restart loses every entry (appendonly yes)' })
      const { maxmemoryBytes, policy } = performance.memory
      add(
        maxmemoryBytes === 0
          ? { name: 'maxmemory', status: 'WARN', detail: 'no maxmemory: Redis grows until the host runs out (set maxmemory 256mb)' }
          : policy === 'noeviction'
            ? { name: 'maxmemory', status: 'WARN', detail: `${maxmemoryBytes} bytes with noeviction: writes fail when full (use allkeys-lru)` }
            : { name: 'maxmemory', status: 'PASS', detail: `${maxmemoryBytes} bytes, ${policy}` },
      )
      const loopback = /^rediss?:\/\/([^@/]*@)?(localhost|127\.|\[::1\])/.test(url)
      add(url.startsWith('rediss://') ? { name: 'TLS', status: 'PASS', detail: 'rediss://' } : { name: 'TLS', status: loopback ? 'PASS' : 'WARN', detail: loopback ? 'plaintext on loopback' : 'plaintext across the network: use rediss://' })
    }
  } finally {
    await cache.close()
  }
  const failed = checks.filter((check) => check.status === 'FAIL').length
  out.result({ ok: failed === 0, checks })
  return failed === 0 ? 0 : 1
}
