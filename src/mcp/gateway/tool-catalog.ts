import { hashContent } from '../../keys/content-hash.js'
import type { ToolInfo } from '../tool-policy.js'

/**
 * The tools one upstream session offers, learned from `tools/list` results as
 * they pass by (or fetched when a call comes first). Each definition's hash
 * goes into the cache key, so a changed schema never serves an old result.
 */
export class ToolCatalog {
  private tools = new Map<string, ToolInfo>()
  private complete = false
  private loading: Promise<void> | undefined

  /** True once a full list has been seen since the last reset. */
  get loaded(): boolean {
    return this.complete
  }

  /** The tool, when listed. */
  get(name: string): ToolInfo | undefined {
    return this.tools.get(name)
  }

  /** Records the tools of one `tools/list` page; the last page (no nextCursor) completes the catalog. */
  observe(result: Record<string, unknown> | undefined, firstPage: boolean): void {
    const tools = result?.['tools']
    if (!Array.isArray(tools)) return
    if (firstPage) this.tools = new Map()
    for (const tool of tools as Array<Record<string, unknown>>) {
      if (typeof tool['name'] !== 'string') continue
      const annotations = tool['annotations'] as ToolInfo['annotations'] | undefined
      this.tools.set(tool['name'], { name: tool['name'], definitionHash: hashContent(tool).slice(0, 16), ...(annotations && { annotations }) })
    }
    if (result?.['nextCursor'] === undefined) this.complete = true
  }

  /** Forgets everything (after `notifications/tools/list_changed`). */
  reset(): void {
    this.tools = new Map()
    this.complete = false
  }

  /** Loads the full list once with `fetchPage`, sharing one load among concurrent callers. */
  async ensure(fetchPage: (cursor: string | undefined) => Promise<Record<string, unknown> | undefined>): Promise<void> {
    if (this.complete) return
    this.loading ??= (async () => {
      let cursor: string | undefined
      let first = true
      do {
        const page = await fetchPage(cursor)
        if (page === undefined) return
        this.observe(page, first)
        first = false
        cursor = typeof page['nextCursor'] === 'string' ? page['nextCursor'] : undefined
      } while (cursor !== undefined)
    })().finally(() => {
      this.loading = undefined
    })
    await this.loading
  }
}
