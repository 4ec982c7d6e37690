/**
 * Which entries a maintenance command works on: a glob over logical keys, or
 * the gateway's entries of one tool and/or one principal. The gateway keeps a
 * tool's cached results at `~n.up.<upstream>:[~u.<principal>:]call:<tool>:...`
 * (under the prefix), which a glob over logical keys never reaches. A write's
 * de-duplication entries (`dedupe:<tool>`) are not results, and not matched.
 */
import { escapeGlob } from '../keys/glob.js'
import { encodeSegment } from '../keys/segment.js'
import { toolGeneration } from '../mcp/invalidation-targets.js'

/** The filter flags of `keys`, `export` and `invalidate`. */
export interface EntryFilter {
  /** A glob over logical keys. */
  readonly pattern?: string
  /** A gateway tool: its cached results. */
  readonly tool?: string
  /** A principal, as the gateway names it (proxy's `--principal`; `h.<user>` for `serve --principal-header`). */
  readonly principal?: string
}

/** The glob, under the cache's prefix, of the entries a filter picks. */
export function entryGlob(filter: EntryFilter): string {
  const { tool, principal } = filter
  if (tool === undefined && principal === undefined) return filter.pattern ?? '*'
  if (filter.pattern !== undefined && filter.pattern !== '*') throw new Error('give a pattern, or --tool and --principal, not both: a pattern is over logical keys, the gateway\'s entries are not')
  // Segments are `:`-separated and never contain one (each is encoded), and those the cache adds
  // start with `~`, which an encoded user part never holds: each piece below matches whole segments.
  const user = principal === undefined ? undefined : `~u.${escapeGlob(encodeSegment(principal))}:`
  if (tool === undefined) return `*${user}*`
  // Every gateway namespace is `~n.up.<upstream>`; `*` spans the principal's segment when there is one.
  return `~n.up.*${user ?? ':'}call:${escapeGlob(encodeSegment(tool))}:*`
}

/** The glob of a gateway tool's generation keys, whose deletion orphans every entry of the tool at once. */
export function toolGenerationGlob(tool: string): string {
  return `~n.up.*~gen:${escapeGlob(encodeSegment(toolGeneration(tool)))}`
}
