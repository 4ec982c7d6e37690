/** The Redis `INFO` fields that matter for a cache, with numbers as numbers. */
export interface RedisPerformance {
  readonly version?: string
  readonly memory: { readonly usedBytes: number; readonly peakBytes: number; readonly fragmentationRatio: number; readonly maxmemoryBytes: number; readonly policy: string }
  readonly opsPerSecond: number
  readonly connectedClients: number
  readonly keyspace: { readonly hits: number; readonly misses: number; readonly evictedKeys: number; readonly expiredKeys: number }
  readonly network: { readonly inputKbps: number; readonly outputKbps: number }
  readonly persistence: { readonly aofEnabled: boolean; readonly rdbLastSaveStatus?: string }
}

const number = (info: Record<string, string>, name: string): number => Number(info[name] ?? 0) || 0

/** Picks and converts the fields of a Redis `INFO` reply. */
export function performanceFrom(info: Record<string, string>): RedisPerformance {
  return {
    ...(info['redis_version'] === undefined ? {} : { version: info['redis_version'] }),
    memory: {
      usedBytes: number(info, 'used_memory'),
      peakBytes: number(info, 'used_memory_peak'),
      fragmentationRatio: number(info, 'mem_fragmentation_ratio'),
      maxmemoryBytes: number(info, 'maxmemory'),
      policy: info['maxmemory_policy'] ?? 'unknown',
    },
    opsPerSecond: number(info, 'instantaneous_ops_per_sec'),
    connectedClients: number(info, 'connected_clients'),
    keyspace: {
      hits: number(info, 'keyspace_hits'),
      misses: number(info, 'keyspace_misses'),
      evictedKeys: number(info, 'evicted_keys'),
      expiredKeys: number(info, 'expired_keys'),
    },
    network: { inputKbps: number(info, 'instantaneous_input_kbps'), outputKbps: number(info, 'instantaneous_output_kbps') },
    persistence: {
      aofEnabled: info['aof_enabled'] === '1',
      ...(info['rdb_last_bgsave_status'] === undefined ? {} : { rdbLastSaveStatus: info['rdb_last_bgsave_status'] }),
    },
  }
}
