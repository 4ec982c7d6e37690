import { RecentMedian } from './recent-median.js'

/** How one tool's calls were answered. */
export interface ToolCounts {
  hit: number
  miss: number
  stale: number
  bypass: number
  error: number
}

/** One tool's counts, hit rate and what caching spared its upstream. */
export interface ToolSnapshot extends ToolCounts {
  readonly hitRate: number
  /** Upstream calls the cache answered instead: hits, and callers that shared another's upstream call. */
  readonly callsAvoided: number
  /** Each avoided call credited with the median of the tool's last 64 upstream calls. */
  readonly secondsSaved: number
  /** Median of the tool's last 64 upstream calls, in ms (0 before the first). */
  readonly upstreamMedianMs: number
  /** callsAvoided x the tool's `cost` per call, when the config gives one. */
  readonly costSaved?: number
}

/** What caching spared the upstream, over every tool. */
export interface SavingsTotals {
  readonly callsAvoided: number
  readonly secondsSaved: number
  /** Over the tools with a `cost`; in `costUnit`. */
  readonly costSaved: number
  readonly costUnit: string
}

interface ToolCell {
  readonly counts: ToolCounts
  readonly upstream: RecentMedian
  avoided: number
  savedMs: number
  readonly cost: number | undefined
}

/** Most tools tracked by name; more fold into `other`, so a server with generated tool names cannot grow memory. */
const MAX_TOOLS = 200

/** Counts gateway answers per tool, for `/stats`, the hit rate per tool and the savings. */
export class ToolStats {
  private readonly tools = new Map<string, ToolCell>()

  /** `costs`: the price of one upstream call per tool (the config's `tools.<name>.cost`), in `costUnit`. */
  constructor(
    private readonly costs: ReadonlyMap<string, number> = new Map(),
    readonly costUnit = 'USD',
  ) {}

  /** Records one answer (`hit`, `miss`, `stale`, `bypass` or `error`); a hit avoided an upstream call. */
  count(tool: string, status: string): void {
    const cell = this.cell(tool)
    if (status in cell.counts) cell.counts[status as keyof ToolCounts]++
    if (status === 'hit') this.avoided(cell)
  }

  /** A caller that shared another caller's upstream call (answered `miss`, but nothing went upstream for it). */
  coalesced(tool: string): void {
    this.avoided(this.cell(tool))
  }

  /** How long one upstream call of the tool took (a miss that went upstream and got a result). */
  upstream(tool: string, ms: number): void {
    this.cell(tool).upstream.add(ms)
  }

  /** Counts per tool with a hit rate over cacheable calls (hits / (hits + misses + stale)) and savings. */
  snapshot(): Record<string, ToolSnapshot> {
    const result: Record<string, ToolSnapshot> = Object.create(null) as Record<string, ToolSnapshot>
    for (const [tool, cell] of this.tools) {
      const { counts } = cell
      const cacheable = counts.hit + counts.miss + counts.stale
      result[tool] = {
        ...counts,
        hitRate: cacheable === 0 ? 0 : counts.hit / cacheable,
        callsAvoided: cell.avoided,
        secondsSaved: cell.savedMs / 1000,
        upstreamMedianMs: cell.upstream.value,
        ...(cell.cost === undefined ? {} : { costSaved: cell.avoided * cell.cost }),
      }
    }
    return result
  }

  /** The savings over every tool. */
  totals(): SavingsTotals {
    let callsAvoided = 0
    let savedMs = 0
    let costSaved = 0
    for (const cell of this.tools.values()) {
      callsAvoided += cell.avoided
      savedMs += cell.savedMs
      costSaved += cell.avoided * (cell.cost ?? 0)
    }
    return { callsAvoided, secondsSaved: savedMs / 1000, costSaved, costUnit: this.costUnit }
  }

  private avoided(cell: ToolCell): void {
    cell.avoided++
    cell.savedMs += cell.upstream.value
  }

  private cell(tool: string): ToolCell {
    let cell = this.tools.get(tool)
    if (cell === undefined) {
      const name = this.tools.size >= MAX_TOOLS ? 'other' : tool
      cell = this.tools.get(name) ?? { counts: { hit: 0, miss: 0, stale: 0, bypass: 0, error: 0 }, upstream: new RecentMedian(), avoided: 0, savedMs: 0, cost: this.costs.get(name) }
      this.tools.set(name, cell)
    }
    return cell
  }
}
