/** How one tool's calls were answered. */
export interface ToolCounts {
  hit: number
  miss: number
  stale: number
  bypass: number
  error: number
}

/** Most tools tracked by name; more fold into `other`, so a server with generated tool names cannot grow memory. */
const MAX_TOOLS = 200

/** Counts gateway answers per tool, for `/stats` and the hit rate per tool. */
export class ToolStats {
  private readonly tools = new Map<string, ToolCounts>()

  /** Records one answer (`hit`, `miss`, `stale`, `bypass` or `error`). */
  count(tool: string, status: string): void {
    let counts = this.tools.get(tool)
    if (counts === undefined) {
      const name = this.tools.size >= MAX_TOOLS ? 'other' : tool
      counts = this.tools.get(name) ?? { hit: 0, miss: 0, stale: 0, bypass: 0, error: 0 }
      this.tools.set(name, counts)
    }
    if (status in counts) counts[status as keyof ToolCounts]++
  }

  /** Counts per tool with a hit rate over cacheable calls (hits / (hits + misses + stale)). */
  snapshot(): Record<string, ToolCounts & { hitRate: number }> {
    const result: Record<string, ToolCounts & { hitRate: number }> = Object.create(null) as Record<string, ToolCounts & { hitRate: number }>
    for (const [tool, counts] of this.tools) {
      const cacheable = counts.hit + counts.miss + counts.stale
      result[tool] = { ...counts, hitRate: cacheable === 0 ? 0 : counts.hit / cacheable }
    }
    return result
  }
}
