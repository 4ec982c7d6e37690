/**
 * Redis glob patterns (`SCAN MATCH`): escaping user text into a literal, and the
 * same matching semantics in process for the memory store.
 */

const GLOB_SPECIAL = /[*?[\]\\]/g

/** Escapes `* ? [ ] \` so the text matches only itself in a Redis pattern. */
export function escapeGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, (char) => `\\${char}`)
}

/** Compiles a Redis glob pattern into an anchored RegExp with Redis's semantics. */
export function globToRegExp(pattern: string): RegExp {
  let source = '^'
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string
    if (char === '*') source += '[\\s\\S]*'
    else if (char === '?') source += '[\\s\\S]'
    else if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i] as string)
    else if (char === '[') {
      const end = findClassEnd(pattern, i)
      if (end === -1) source += '\\['
      else {
        source += compileClass(pattern.slice(i + 1, end))
        i = end
      }
    } else source += escapeRegExp(char)
  }
  return new RegExp(`${source}$`)
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
