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

/** One step of a compiled pattern: any run of bytes, or exactly one byte that passes `matches`. */
type GlobToken = { readonly star: true } | { readonly star: false; matches(byte: number): boolean }

const STAR: GlobToken = { star: true }
const ANY_BYTE: GlobToken = { star: false, matches: () => true }
const BACKSLASH = 0x5c
const CARET = 0x5e
const CLOSE = 0x5d
const DASH = 0x2d

/**
 * Compiles a Redis glob pattern into a matcher with exactly Redis's semantics (`stringmatchlen`
 * in its util.c), for the memory store and for telling which keys a pattern delete reached: over
 * UTF-8 bytes (`?` is one byte), `\` escapes, `[...]` classes with `^`, ranges either way round
 * and escapes; a class without `]` takes the rest of the pattern, and `[a-]` is the range from
 * `a` to `]`. Matching costs at most pattern x text steps: a RegExp of `[\s\S]*` runs backtracks
 * exponentially, and a client's pattern of many stars (`*a*a*a...*b`) could stop the process.
 */
export function compileGlob(pattern: string): GlobMatcher {
  const bytes = Buffer.from(pattern, 'utf8')
  const tokens: GlobToken[] = []
  let i = 0
  while (i < bytes.length) {
    const byte = bytes[i] as number
    if (byte === 0x2a /* * */) {
      if (tokens.at(-1) !== STAR) tokens.push(STAR) // `**` is `*`
      i++
    } else if (byte === 0x3f /* ? */) {
      tokens.push(ANY_BYTE)
      i++
    } else if (byte === 0x5b /* [ */) {
      const [token, next] = classAt(bytes, i + 1)
      tokens.push(token)
      i = next
    } else if (byte === BACKSLASH && i + 1 < bytes.length) {
      tokens.push(literal(bytes[i + 1] as number))
      i += 2
    } else {
      tokens.push(literal(byte))
      i++
    }
  }
  return { test: (text) => matchTokens(tokens, Buffer.from(text, 'utf8')) }
}

function literal(expected: number): GlobToken {
  return { star: false, matches: (byte) => byte === expected }
}

/** The class starting at `start` (just past `[`), as Redis reads it, and where the pattern goes on. */
function classAt(bytes: Buffer, start: number): [GlobToken, number] {
  let i = start
  const negate = bytes[i] === CARET
  if (negate) i++
  const members: Array<(byte: number) => boolean> = []
  while (i < bytes.length && bytes[i] !== CLOSE) {
    const byte = bytes[i] as number
    if (byte === BACKSLASH && i + 1 < bytes.length) {
      const escaped = bytes[i + 1] as number
      members.push((c) => c === escaped)
      i += 2
    } else if (i + 2 < bytes.length && bytes[i + 1] === DASH) {
      const low = Math.min(byte, bytes[i + 2] as number)
      const high = Math.max(byte, bytes[i + 2] as number)
      members.push((c) => c >= low && c <= high)
      i += 3
    } else {
      members.push((c) => c === byte)
      i++
    }
  }
  // Past the `]`, or at the end: a class left open takes the rest of the pattern.
  const next = Math.min(i + 1, bytes.length)
  return [{ star: false, matches: (c) => members.some((member) => member(c)) !== negate }, next]
}

/**
 * The classic wildcard walk: on a mismatch, go back to the last star and let it take one more
 * byte. Earlier stars never need revisiting, so the work is bounded by tokens x text.
 */
function matchTokens(tokens: readonly GlobToken[], text: Buffer): boolean {
  let t = 0
  let p = 0
  let starAt = -1
  let starText = 0
  while (t < text.length) {
    const token = tokens[p]
    if (token !== undefined && !token.star && token.matches(text[t] as number)) {
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
