import type { Cache } from '../../cache/cache.js'
import { hashContent } from '../../keys/content-hash.js'
import type { GatewayConfig } from '../gateway-config.js'
import { argumentGeneration, argumentValues, DATA_GENERATION, parseTarget, targetGenerations, toolGeneration, type InvalidationTarget } from '../invalidation-targets.js'

/**
 * What a write drops and what a read's key depends on, as generations (see
 * `cache/generations.ts`). Built once from the config: the arguments a rule
 * binds (`get_issue{id}`) must be part of every read of that tool from the start.
 */
export class InvalidationPlan {
  /** Parsed `invalidates` of each tool that has one. */
  private readonly targets = new Map<string, readonly InvalidationTarget[]>()
  /** For each read tool, the argument sets some rule binds (each sorted), deduplicated. */
  private readonly bound = new Map<string, string[][]>()

  constructor(config: GatewayConfig) {
    for (const [tool, rule] of Object.entries(config.tools)) {
      if (rule.invalidates === undefined) continue
      const targets = rule.invalidates.map(parseTarget)
      this.targets.set(tool, targets)
      for (const { tool: read, bindings } of targets) {
        if (bindings.length === 0) continue
        const names = bindings.map((binding) => binding.read)
        const sets = this.bound.get(read) ?? []
        if (!sets.some((set) => set.join('\u0000') === names.join('\u0000'))) sets.push(names)
        this.bound.set(read, sets)
      }
    }
  }

  /** The generations a result of `tool` called with `args` is keyed under. */
  readGenerations(tool: string, args: unknown): string[] {
    const names = [DATA_GENERATION, toolGeneration(tool)]
    for (const set of this.bound.get(tool) ?? []) names.push(argumentGeneration(tool, set, argumentValues(args, set)))
    return names
  }

  /**
   * What a successful call of `tool` drops: its rule's targets when it has
   * `invalidates` (`[]` declares it changes nothing cached), nothing for a
   * read, and every data entry of the upstream for any other tool.
   */
  writeGenerations(tool: string, args: unknown, isRead: boolean): string[] {
    const targets = this.targets.get(tool)
    if (targets !== undefined) return [...new Set(targets.flatMap((target) => targetGenerations(target, args)))]
    return isRead ? [] : [DATA_GENERATION]
  }
}

/** The generations a cached list or read is keyed under: a write drops resource data, a change notification its list. */
export function listGenerations(method: string, params: Record<string, unknown> | undefined): string[] {
  if (method === 'resources/read') return [DATA_GENERATION, readGeneration(params?.['uri'])]
  if (method === 'resources/list' || method === 'resources/templates/list') return [DATA_GENERATION, listGeneration(method)]
  return [listGeneration(method)]
}

/** Which cached lists each change notification makes stale. */
const STALE_AFTER: Readonly<Record<string, readonly string[]>> = {
  'notifications/tools/list_changed': ['tools/list'],
  'notifications/prompts/list_changed': ['prompts/list'],
  'notifications/resources/list_changed': ['resources/list', 'resources/templates/list'],
}

/**
 * The generations a notification from the upstream drops (spec: a change
 * notification received while an entry is fresh invalidates it), for every
 * principal. Empty for the others.
 */
export function notificationGenerations(method: string, params: Record<string, unknown> | undefined): string[] {
  const names = (STALE_AFTER[method] ?? []).map(listGeneration)
  if (method === 'notifications/resources/updated' && typeof params?.['uri'] === 'string') names.push(readGeneration(params['uri']))
  return names
}

/** Drops every cached result of `tools`, for every principal (admin API, SDK middleware); resolves false when the store refused. */
export function invalidateTools(cache: Cache, tools: readonly string[], reason: string): Promise<boolean> {
  return cache.bumpGenerations(tools.map(toolGeneration), { reason })
}

function listGeneration(method: string): string {
  return `list:${method}`
}

function readGeneration(uri: unknown): string {
  return `read:${hashContent(uri ?? null)}`
}
