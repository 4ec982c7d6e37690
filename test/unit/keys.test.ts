import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildKey, cacheKey, contentKey } from '../../src/keys/build-key.js'
import { hashContent } from '../../src/keys/content-hash.js'
import { escapeGlob, compileGlob } from '../../src/keys/glob.js'
import { KeySpace } from '../../src/keys/key-space.js'
import { decodeSegment, encodeSegment } from '../../src/keys/segment.js'

/** Identifiers as hostile as users make them: glob characters, separators, newlines, unicode, long. */
const hostile = fc.oneof(
  fc.string({ unit: fc.constantFrom('*', '?', '[', ']', '\\', ':', '\n', '~', '%', 'a', '1', ' ', '{', '}'), maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ minLength: 300, maxLength: 600 }),
)

describe('key segments', () => {
  it('encode to [A-Za-z0-9_.-%] only and decode back (injective)', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const encoded = encodeSegment(text)
        expect(encoded).toMatch(/^[A-Za-z0-9_.%-]*$/)
        expect(decodeSegment(encoded)).toBe(text)
      }),
      { numRuns: 500 },
    )
  })

  it('leave the seed key readable: patient:v1:{station}:{dfn}:{user_duz}', () => {
    expect(buildKey('patient', 'v1', 500, 100841, '10000000219')).toBe('patient:v1:500:100841:10000000219')
    expect(cacheKey({ category: 'user', identifier: '123e4567-e89b-12d3-a456-426614174000', subKey: 'session' })).toBe(
      'user:123e4567-e89b-12d3-a456-426614174000:session',
    )
    expect(cacheKey({ category: 'patient', version: 'v1', identifier: [500, 100841], user: 'duz:1' })).toBe('patient:v1:500:100841:u.duz%3A1')
  })

  it('keep a built key to exactly its number of segments, whatever the parts hold', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 5 }), (parts) => {
        expect(buildKey('cat', ...parts).split(':')).toHaveLength(parts.length + 1)
      }),
    )
  })

  it('reject categories that are not plain names', () => {
    expect(() => buildKey('bad:cat')).toThrow(/category/)
    expect(() => buildKey('*')).toThrow(/category/)
  })
})

describe('content hashing', () => {
  it('is stable under key order and distinguishes anything that differs', () => {
    expect(hashContent({ a: 1, b: [1, 2] })).toBe(hashContent({ b: [1, 2], a: 1 }))
    expect(hashContent({ drug: 'Aspirin' })).not.toBe(hashContent({ drug: 'aspirin' }))
    expect(hashContent({ n: 1 })).not.toBe(hashContent({ n: '1' }))
    expect(contentKey('health_analysis', { symptoms: ['cough'] })).toMatch(/^health_analysis:[A-Za-z0-9_-]{43}$/)
  })
})

describe('glob patterns', () => {
  it('an escaped text matches itself and nothing else', () => {
    fc.assert(
      fc.property(hostile, hostile, (text, other) => {
        const matcher = compileGlob(escapeGlob(text))
        expect(matcher.test(text)).toBe(true)
        if (other !== text) expect(matcher.test(other)).toBe(false)
      }),
      { numRuns: 500 },
    )
  })

  it('follow Redis semantics for * ? and classes', () => {
    expect(compileGlob('a*').test('abc')).toBe(true)
    expect(compileGlob('a?c').test('abc')).toBe(true)
    expect(compileGlob('a?c').test('ac')).toBe(false)
    expect(compileGlob('[a-c]x').test('bx')).toBe(true)
    expect(compileGlob('[^a-c]x').test('bx')).toBe(false)
    expect(compileGlob('h[ae]llo').test('hello')).toBe(true)
    expect(compileGlob('*').test('')).toBe(true)
    expect(compileGlob('a*b*c').test('aXbYbZc')).toBe(true)
    expect(compileGlob('a*b*c').test('aXbYbZ')).toBe(false)
  })

  it('agree with a reference matcher (a backtracking RegExp) on random patterns and texts', () => {
    const unit = fc.constantFrom('a', 'b', '*', '?', '[ab]', '[^a]')
    const reference = (pattern: string): RegExp =>
      new RegExp(`^${pattern.replace(/\[\^a\]|\[ab\]|\*|\?/g, (token) => (token === '*' ? '[\\s\\S]*' : token === '?' ? '[\\s\\S]' : token))}$`)
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 10 }), (parts, text) => {
        const pattern = parts.join('')
        expect(compileGlob(pattern).test(text)).toBe(reference(pattern).test(text))
      }),
      { numRuns: 2000 },
    )
  })

  it('match a hostile pattern of many stars without backtracking forever (a RegExp took seconds per key)', () => {
    const key = `event:${'a'.repeat(128)}:processed`
    expect(compileGlob(`event:${'*a'.repeat(16)}*b`).test(key)).toBe(false)
    expect(compileGlob(`event:${'*a'.repeat(16)}*d`).test(key)).toBe(true)
  })
})

describe('key spaces', () => {
  it("no namespace's pattern reaches another principal's keys", () => {
    const root = KeySpace.root('mcp')
    fc.assert(
      fc.property(hostile.filter((s) => s !== ''), hostile.filter((s) => s !== ''), fc.string({ minLength: 1 }), fc.string({ maxLength: 10 }), (alice, mallory, key, glob) => {
        fc.pre(alice !== mallory)
        const victim = root.child(`u.${alice}`)
        const attacker = root.child(`u.${mallory}`)
        fc.pre(!key.startsWith('~'))
        const victimKey = victim.qualify(key)
        expect(compileGlob(attacker.everything()).test(victimKey)).toBe(false)
        expect(compileGlob(attacker.pattern(glob)).test(victimKey)).toBe(false)
      }),
      { numRuns: 500 },
    )
  })

  it('rejects a prefix with glob or space characters', () => {
    expect(() => KeySpace.root('my app')).toThrow(/prefix/)
    expect(() => KeySpace.root('app*')).toThrow(/prefix/)
    expect(KeySpace.root('medinsight').qualify('drug_analysis:aspirin')).toBe('medinsight:drug_analysis:aspirin')
  })

  it('refuses a prefix that would lie inside another cache’s space (app:billing inside app)', () => {
    expect(() => KeySpace.root('app:billing')).toThrow(expect.objectContaining({ code: 'E_INVALID_CONFIG', message: expect.stringContaining('namespace') }))
    // Any two valid prefixes: neither's keys, patterns or clear() reach the other's keys.
    const prefix = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/)
    fc.assert(
      fc.property(prefix, prefix, hostile, (a, b, key) => {
        fc.pre(a !== b)
        const [mine, theirs] = [KeySpace.root(a), KeySpace.root(b)]
        const logical = key.startsWith('~') || key === '' ? `k${key}` : key
        expect(compileGlob(mine.everything()).test(theirs.qualify(logical))).toBe(false)
        expect(mine.qualify(logical)).not.toBe(theirs.qualify(logical))
      }),
      { numRuns: 300 },
    )
  })

  it('refuses a principal or namespace that is not a non-empty string', () => {
    const root = KeySpace.root('app')
    for (const bad of [undefined, null, '', '  ', 42, {}]) {
      expect(() => root.user(bad as unknown as string)).toThrow(expect.objectContaining({ code: 'E_INVALID_KEY' }))
    }
    for (const bad of [undefined, '', 7]) expect(() => root.child(bad as unknown as string)).toThrow(expect.objectContaining({ code: 'E_INVALID_KEY' }))
    expect(root.user('alice').base).toBe('app:~u.alice:')
  })
})
