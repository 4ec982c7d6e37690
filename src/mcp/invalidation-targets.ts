import { hashContent, shortHash } from '../keys/content-hash.js'

/** One argument a target binds: the read tool's `read` argument must equal the write's `write` argument. */
export interface Binding {
  readonly read: string
  readonly write: string
}

/**
 * One entry of a write's `invalidates`: a read tool, all of its entries
 * (`get_issue`) or only those whose arguments match the write's
 * (`get_issue{id}`, `get_patient{dfn=patient_id}`, `get_page{repo,path}`).
 */
export interface InvalidationTarget {
  readonly tool: string
  /** Sorted by `read`; empty for a bare tool name. */
  readonly bindings: readonly Binding[]
}

const TARGET = /^([^{}]+?)(?:\{([^{}]*)\})?$/
const ARGUMENT = /^[^\s{}=,]+$/

/** Parses `tool`, `tool{arg}`, `tool{read=write, other}`; throws an Error that shows the accepted forms. */
export function parseTarget(text: string): InvalidationTarget {
  const match = TARGET.exec(text.trim())
  const tool = match?.[1]?.trim()
  if (match === null || tool === undefined || tool === '') throw new Error(`'${text}' is not a target: write a tool name, optionally with the arguments it must match, e.g. get_issue, get_issue{id}, get_patient{dfn=patient_id}`)
  const list = match[2]
  if (list === undefined) return { tool, bindings: [] }
  const bindings = list.split(',').map((part) => {
    const [read, write, extra] = part.split('=').map((side) => side.trim())
    const valid = read !== undefined && ARGUMENT.test(read) && extra === undefined && (write === undefined || ARGUMENT.test(write))
    if (!valid) throw new Error(`'${text}': '${part.trim()}' is not an argument binding; write {name} when both tools call it the same, {read_name=write_name} when they do not`)
    return { read, write: write ?? read }
  })
  if (new Set(bindings.map((binding) => binding.read)).size !== bindings.length) throw new Error(`'${text}' binds an argument twice`)
  return { tool, bindings: bindings.sort((a, b) => (a.read < b.read ? -1 : a.read > b.read ? 1 : 0)) }
}

/** An entry's key in the generations of `tokens`: a bump of any of them orphans it. */
export function keyInGenerations(baseKey: string, tokens: readonly string[]): string {
  return tokens.length === 0 ? baseKey : `${baseKey}:${shortHash(tokens.join('.'))}`
}

/** Generation of every data entry of an upstream (tool results, resource lists and reads): what a write with no rule bumps. */
export const DATA_GENERATION = 'data'

/** Generation of every entry of one tool. */
export function toolGeneration(tool: string): string {
  return `tool:${tool}`
}

/**
 * Generation of one tool's entries whose `names` arguments hold `values`
 * (undefined: some are missing). Hashed: the arguments may be patient data.
 */
export function argumentGeneration(tool: string, names: readonly string[], values: readonly unknown[] | undefined): string {
  return `arg:${hashContent([tool, names, values === undefined ? '*' : values.map(comparable)])}`
}

/** `7` and `"7"` name the same record in two tools more often than not: compared as text. */
function comparable(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : value
}

/** The values of `names` in `args`, or undefined when one is missing. */
export function argumentValues(args: unknown, names: readonly string[]): unknown[] | undefined {
  if (args === null || typeof args !== 'object') return undefined
  const record = args as Record<string, unknown>
  const values: unknown[] = []
  for (const name of names) {
    if (!Object.hasOwn(record, name) || record[name] === undefined) return undefined
    values.push(record[name])
  }
  return values
}

/**
 * The generations a write bumps for one target. A bare target, or a write
 * that lacks a bound argument, drops all of the tool's entries; otherwise the
 * entries with the write's values, and those of reads that lacked one of the
 * arguments (they may show the written record too).
 */
export function targetGenerations(target: InvalidationTarget, writeArgs: unknown): string[] {
  if (target.bindings.length === 0) return [toolGeneration(target.tool)]
  const values = argumentValues(writeArgs, target.bindings.map((binding) => binding.write))
  if (values === undefined) return [toolGeneration(target.tool)]
  const names = target.bindings.map((binding) => binding.read)
  return [argumentGeneration(target.tool, names, values), argumentGeneration(target.tool, names, undefined)]
}
