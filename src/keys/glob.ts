/**
 * Redis glob patterns (`SCAN MATCH`): escaping user text into a literal, and the
 * same matching semantics in process for the memory store (in linear time).
 */

const GLOB_SPECIAL = /[*?[\]\\]/g

/** Escapes `* ? [ ] \` so the text matches only itself in a Redis pattern. */
export function escapeGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, (char) => `\\${char}`)
}

/** Tests whole texts against one glob pattern. */
export interface GlobMatcher {
  test(text: string): boolean
}

/** One step of a compiled pattern: any run of characters, or exactly one that passes `matches`. */
type GlobToken = { readonly star: true } | { readonly star: false; matches(char: string): boolean }

const STAR: GlobToken = { star: true }
const ANY_CHAR: GlobToken = { star: false, matches: () => true }

/**
 * Compiles a Redis glob pattern (`*`, `?`, `[a-c]`, `[^x]`, `\` escapes) into a matcher with
 * Redis's semantics, for the memory store. It runs in time linear in the pattern times the text:
 * a RegExp of `[\s\S]*` runs backtracks exponentially, so a client's pattern of many stars
 * (`*a*a*a...*b`) could stop the process.
 */
export function compileGlob(pattern: string): GlobMatcher {
  const tokens: GlobToken[] = []
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string
    if (char === '*') {
      if (tokens.at(-1) !== STAR) tokens.push(STAR) // `**` is `*`
    } else if (char === '?') tokens.push(ANY_CHAR)
    else if (char === '\\' && i + 1 < pattern.length) tokens.push(literal(pattern[++i] as string))
    else if (char === '[') {
      const end = findClassEnd(pattern, i)
      if (end === -1) tokens.push(literal('['))
      else {
        // One character against a class without quantifiers: a RegExp that cannot backtrack.
        const single = new RegExp(`^${compileClass(pattern.slice(i + 1, end))}$`)
        tokens.push({ star: false, matches: (c) => single.test(c) })
        i = end
      }
    } else tokens.push(literal(char))
  }
  return { test: (text) => matchTokens(tokens, text) }
}

function literal(expected: string): GlobToken {
  return { star: false, matches: (char) => char === expected }
}

/**
 * The classic wildcard walk: on a mismatch, go back to the last star and let it take one more
 * character. Earlier stars never need revisiting, so the work is bounded by tokens x text.
 */
function matchTokens(tokens: readonly GlobToken[], text: string): boolean {
  let t = 0
  let p = 0
  let starAt = -1
  let starText = 0
  while (t < text.length) {
    const token = tokens[p]
    if (token !== undefined && !token.star && token.matches(text[t] as string)) {
      t++
      p++
    } else if (token !== undefined && token.star) {
      starAt = p++
      starText = t
    } else if (starAt !== -1) {
      p = starAt + 1
      t = ++starText
    } else return false
  }
  while (tokens[p]?.star === true) p++
  return p === tokens.length
}

function findClassEnd(pattern: string, start: number): number {
  for (let i = start + 1; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++
    else if (pattern[i] === ']') return i
  }
  return -1
}

function compileClass(body: string): string {
  let negate = false
  let rest = body
  if (rest.startsWith('^')) {
    negate = true
    rest = rest.slice(1)
  }
  let out = ''
  for (let i = 0; i < rest.length; i++) {
    const char = rest[i] as string
    if (char === '\\' && i + 1 < rest.length) out += escapeRegExp(rest[++i] as string)
    else if (rest[i + 1] === '-' && i + 2 < rest.length) {
      const low = char
      const high = rest[i + 2] as string
      out += low <= high ? `${escapeRegExp(low)}-${escapeRegExp(high)}` : `${escapeRegExp(high)}-${escapeRegExp(low)}`
      i += 2
    } else out += escapeRegExp(char)
  }
  if (out === '') return negate ? '[\\s\\S]' : '(?!)'
  return `[${negate ? '^' : ''}${out}]`
}

function escapeRegExp(char: string): string {
  return char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}
