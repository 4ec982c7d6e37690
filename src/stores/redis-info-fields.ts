/** Parses a Redis `INFO` reply into name/value pairs (section headers and blank lines dropped). */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1)
  }
  return fields
}

/** Fields that add up across the masters of a cluster: each master holds its own share. */
const ADDITIVE = new Set([
  'used_memory', 'used_memory_peak', 'maxmemory', 'connected_clients', 'instantaneous_ops_per_sec',
  'keyspace_hits', 'keyspace_misses', 'evicted_keys', 'expired_keys', 'total_commands_processed',
  'instantaneous_input_kbps', 'instantaneous_output_kbps',
])

/**
 * One `INFO` for a whole cluster: additive counters and `db0` key counts are
 * summed over the masters, other fields (version, policy, ratios) are the first
 * master's, and `cluster_masters` says how many were read.
 */
export function mergeInfo(infos: ReadonlyArray<Record<string, string>>): Record<string, string> {
  // Every master's fields: one that holds no keys has no `db0` line, and the others' must still count.
  const merged: Record<string, string> = Object.assign({}, ...[...infos].reverse(), { cluster_masters: String(infos.length) }) as Record<string, string>
  if (infos.length < 2) return merged
  for (const name of Object.keys(merged)) {
    if (ADDITIVE.has(name)) merged[name] = String(infos.reduce((sum, info) => sum + (Number(info[name]) || 0), 0))
    else if (/^db\d+$/.test(name)) merged[name] = mergeKeyspaceLine(infos.map((info) => info[name]))
  }
  return merged
}

/** Sums `keys=..,expires=..` over the masters' lines for one database. */
function mergeKeyspaceLine(lines: ReadonlyArray<string | undefined>): string {
  const totals = new Map<string, number>()
  for (const line of lines) {
    for (const pair of line?.split(',') ?? []) {
      const [name, value] = pair.split('=')
      if (name !== undefined && name !== 'avg_ttl') totals.set(name, (totals.get(name) ?? 0) + (Number(value) || 0))
    }
  }
  return [...totals].map(([name, value]) => `${name}=${value}`).join(',')
}
