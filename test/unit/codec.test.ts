import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeEntry, defaultCodecOptions, encodeEntry, HEADER_BYTES } from '../../src/codec/envelope.js'
import type { CodecOptions } from '../../src/codec/envelope.js'
import { canonicalStringify, decodeValue, encodeValue, TAG_KEY } from '../../src/codec/tagged-json.js'
import { CacheError, errors, isCacheError } from '../../src/errors.js'

const RUNS = { numRuns: 300 }

// ---------------------------------------------------------------------------
// Exact comparator. vitest's toStrictEqual tells -0 from 0, holes from undefined,
// a missing key from an undefined one and Buffer from Uint8Array, but ignores
// key, Map and Set order (checked in the last describe); this one checks all of it.

/** Where `a` and `b` differ, or undefined when they are the same value. */
function diff(a: unknown, b: unknown, path = 'value'): string | undefined {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return Object.is(a, b) ? undefined : `${path}: ${show(a)} vs ${show(b)}`
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: different classes`
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime()) ? undefined : `${path}: dates differ`
  if (a instanceof Uint8Array) return Buffer.compare(a, b as Uint8Array) === 0 ? undefined : `${path}: bytes differ`
  if (a instanceof Map || a instanceof Set) {
    const left = [...a.entries()]
    const right = [...(b as Map<unknown, unknown>).entries()]
    return left.length !== right.length ? `${path}: sizes differ` : diff(left, right, `${path}.entries()`)
  }
  if (Array.isArray(a)) {
    const other = b as unknown[]
    if (a.length !== other.length) return `${path}: lengths ${a.length} vs ${other.length}`
    for (let i = 0; i < a.length; i++) {
      if (i in a !== i in other) return `${path}[${i}]: hole vs element`
      const found = diff(a[i], other[i], `${path}[${i}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  const keys = Object.keys(a)
  const otherKeys = Object.keys(b)
  if (keys.join('\u0000') !== otherKeys.join('\u0000')) return `${path}: keys ${keys} vs ${otherKeys}`
  for (const key of keys) {
    const found = diff((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`)
    if (found !== undefined) return found
  }
  return undefined
}

function show(value: unknown): string {
  return Object.is(value, -0) ? '-0' : typeof value === 'bigint' ? `${value}n` : String(value)
}

// ---------------------------------------------------------------------------
// Arbitraries: everything the codec promises to keep exactly.

const dates = fc.oneof(fc.date({ noInvalidDate: true }), fc.constant(null).map(() => new Date(NaN)))
const bytes = fc.uint8Array({ maxLength: 12 })
const leaves = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 6 }), // lone surrogates included
  fc.constant(null),
  fc.constant(undefined),
  fc.constantFrom(-0, NaN, Infinity, -Infinity),
  fc.bigInt(),
  dates,
  bytes,
  bytes.map((u) => Buffer.from(u)),
  bytes.map((u) => new Uint8Array([7, ...u]).subarray(1)), // a view that does not start at offset 0
)
const keys = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(TAG_KEY, '__proto__', 'v', 'constructor', '0', '10'))

const { value: values } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaves,
    tie('array'),
    tie('sparse'),
    tie('object'),
    tie('lookalike'),
    tie('map'),
    tie('set'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  sparse: fc.sparseArray(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(keys, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  // Plain objects shaped like our own tags must stay plain objects.
  lookalike: fc.record({ [TAG_KEY]: fc.constantFrom('date', 'undef', 'esc', 'num', 'map', 'hole'), v: tie('value') }, { noNullPrototype: true }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
  set: fc.array(tie('value'), { maxLength: 3 }).map((members) => new Set(members)),
}))

const anything = fc.oneof(
  values,
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withSparseArray: true, withObjectString: true }),
)

function expectCode(action: () => unknown, code: string): CacheError {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(CacheError)
    expect((error as CacheError).code).toBe(code)
    return error as CacheError
  }
  throw new Error(`expected CacheError ${code}, nothing was thrown`)
}

const big = (options: Partial<CodecOptions> = {}): CodecOptions => ({ ...defaultCodecOptions, maxEntryBytes: 2 ** 30, ...options })

describe('tagged JSON', () => {
  it('round-trips any supported value exactly', () => {
    fc.assert(
      fc.property(anything, (value) => {
        const { text, tagged } = encodeValue(value)
        expect(diff(decodeValue(text, tagged), value)).toBeUndefined()
      }),
      RUNS,
    )
  })

  it('uses plain JSON, untagged, when nothing special occurs', () => {
    const record = { id: 'p1', tags: ['a', 'b'], score: 1.5, nested: { ok: true, none: null } }
    expect(encodeValue(record)).toEqual({ text: JSON.stringify(record), tagged: false })
    expect(encodeValue({ at: new Date(0) }).tagged).toBe(true)
    expect(encodeValue([1, undefined]).tagged).toBe(true)
    // Untagged text is never revived, so a tag-like key needs no escape...
    expect(encodeValue({ [TAG_KEY]: 'date', v: 0 }).tagged).toBe(false)
    // ...until something else makes the text tagged.
    expect(decodeValue(encodeValue([{ [TAG_KEY]: 'date', v: 0 }, -0]).text, true)).toStrictEqual([{ [TAG_KEY]: 'date', v: 0 }, -0])
  })

  it('keeps each class: Buffer stays Buffer, Uint8Array stays Uint8Array', () => {
    const { text, tagged } = encodeValue({ buf: Buffer.from('hi'), u8: new Uint8Array([1, 2]) })
    const back = decodeValue(text, tagged) as { buf: unknown; u8: unknown }
    expect(Buffer.isBuffer(back.buf)).toBe(true)
    expect(back.u8).toBeInstanceOf(Uint8Array)
    expect(Buffer.isBuffer(back.u8)).toBe(false)
  })

  it('keeps an own __proto__ key as data, never as a prototype', () => {
    for (const extra of [1, -0]) {
      const value = JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>
      value.extra = extra
      const { text, tagged } = encodeValue(value)
      const back = decodeValue(text, tagged) as Record<string, unknown>
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
      expect(Object.keys(back)).toEqual(['__proto__', 'extra'])
      expect(diff(back, value)).toBeUndefined()
    }
    const tagged = decodeValue('{"__proto__":{"~t":"date","v":0}}', true) as Record<string, unknown>
    expect(Object.getPrototypeOf(tagged)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(tagged, '__proto__')?.value).toEqual(new Date(0))
  })

  it('turns class instances into plain objects of their own enumerable keys', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      get sum(): number {
        return this.x + this.y
      }
    }
    const { text, tagged } = encodeValue(new Point(1, 2))
    const back = decodeValue(text, tagged)
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
    expect(back).toStrictEqual({ x: 1, y: 2 })
  })

  it('names the path of functions and symbols', () => {
    expect(expectCode(() => encodeValue({ user: { fn: () => 1 } }), errors.E_UNSERIALIZABLE).message).toBe(
      'value.user.fn is a function',
    )
    expect(expectCode(() => encodeValue([1, Symbol('s')]), errors.E_UNSERIALIZABLE).message).toBe('value[1] is a symbol')
    // After a Date the fast scan stops; the tagging walk must still catch it.
    const late = { at: new Date(), m: new Map([['k', { 'odd key': () => 1 }]]) }
    expect(expectCode(() => encodeValue(late), errors.E_UNSERIALIZABLE).message).toBe(
      'value.m.values()[0]["odd key"] is a function',
    )
    expect(expectCode(() => encodeValue(Promise.resolve(1)), errors.E_UNSERIALIZABLE).message).toMatch(/Promise/)
    expect(expectCode(() => encodeValue({ f: new Float64Array(2) }), errors.E_UNSERIALIZABLE).message).toBe(
      'value.f is a Float64Array (only Buffer and Uint8Array are supported)',
    )
  })

  it('rejects circular references without overflowing the stack', () => {
    const self: Record<string, unknown> = { a: 1 }
    self.self = self
    expect(expectCode(() => encodeValue(self), errors.E_UNSERIALIZABLE).message).toBe('value.self is a circular reference')
    const list: unknown[] = [new Map()]
    ;(list[0] as Map<string, unknown>).set('back', { list })
    expect(expectCode(() => encodeValue(list), errors.E_UNSERIALIZABLE).message).toBe(
      'value[0].values()[0].list is a circular reference',
    )
    // Two nodes pointing at each other twice: exponential if walked without cycle detection.
    const a: Record<string, unknown> = {}
    const b: Record<string, unknown> = { x: a, y: a }
    a.x = b
    a.y = b
    const started = performance.now()
    expectCode(() => encodeValue(a), errors.E_UNSERIALIZABLE)
    expectCode(() => canonicalStringify(a), errors.E_UNSERIALIZABLE)
    expect(performance.now() - started).toBeLessThan(200)
  })

  it('keeps shared (non-circular) references, as copies', () => {
    const shared = { n: 1 }
    const { text, tagged } = encodeValue([shared, shared])
    expect(decodeValue(text, tagged)).toStrictEqual([{ n: 1 }, { n: 1 }])
  })

  it('reports values nested too deep for the stack as E_UNSERIALIZABLE', () => {
    let deep: unknown[] = []
    for (let i = 0; i < 200_000; i++) deep = [deep]
    expectCode(() => encodeValue(deep), errors.E_UNSERIALIZABLE)
  })

  it('rejects malformed tags as E_CORRUPT_ENTRY', () => {
    for (const text of ['{"~t":"nope"}', '{"~t":"num","v":"1"}', '[{"~t":"map","v":[1]}]', '{"a":{"~t":"hole"}}', '{']) {
      expectCode(() => decodeValue(text, true), errors.E_CORRUPT_ENTRY)
    }
  })
})

describe('canonicalStringify', () => {
  /** A copy of `value` with object keys, Map entries and Set members in a shuffled order. */
  function shuffled(value: unknown, random: () => number): unknown {
    const mix = <T>(items: T[]): T[] => items.sort(() => random() - 0.5)
    if (typeof value !== 'object' || value === null) return value
    if (value instanceof Map) return new Map(mix([...value].map(([k, v]) => [shuffled(k, random), shuffled(v, random)])))
    if (value instanceof Set) return new Set(mix([...value].map((member) => shuffled(member, random))))
    if (Array.isArray(value)) {
      const out: unknown[] = new Array(value.length)
      for (let i = 0; i < value.length; i++) if (i in value) out[i] = shuffled(value[i], random)
      return out
    }
    if (Object.getPrototypeOf(value) !== Object.prototype) return value
    const out: Record<string, unknown> = {}
    for (const key of mix(Object.keys(value))) {
      const item = shuffled((value as Record<string, unknown>)[key], random)
      Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true })
    }
    return out
  }

  it('does not depend on key, Map or Set order', () => {
    fc.assert(
      fc.property(values, fc.integer(), (value, seed) => {
        let state = seed
        const random = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) & 0xffff) / 0x10000
        expect(canonicalStringify(shuffled(value, random))).toBe(canonicalStringify(value))
      }),
      RUNS,
    )
  })

  it('is read back by decodeValue and is stable', () => {
    fc.assert(
      fc.property(values, (value) => {
        const text = canonicalStringify(value)
        expect(canonicalStringify(decodeValue(text, true))).toBe(text)
      }),
      RUNS,
    )
  })

  it('tells apart values that differ', () => {
    const distinct: unknown[] = [
      'A', 'a', 1, '1', 1n, true, 'true', null, undefined, 'null', 0, -0, NaN, Infinity,
      {}, { a: undefined }, { a: null }, { A: null }, [], [undefined], [null], new Array(1), [1, 2], [2, 1],
      new Date(0), new Date(NaN), Buffer.from([1]), new Uint8Array([1]), new Map(), new Set(), new Map([[1, 2]]),
      new Set([1, 2]), { 1: 2 }, { [TAG_KEY]: 'date', v: 0 }, { [TAG_KEY]: 'undef' }, ' a', 'a ',
    ]
    const texts = distinct.map(canonicalStringify)
    expect(new Set(texts).size).toBe(distinct.length)
    fc.assert(
      fc.property(values, values, (a, b) => {
        if (canonicalStringify(a) === canonicalStringify(b)) {
          expect(canonicalStringify(shuffled(a, Math.random))).toBe(canonicalStringify(b))
          expect(diff(decodeValue(canonicalStringify(a), true), decodeValue(canonicalStringify(b), true))).toBeUndefined()
        }
      }),
      { numRuns: 200 },
    )
  })

  it('raises E_UNSERIALIZABLE like encodeValue', () => {
    expect(expectCode(() => canonicalStringify({ q: { f: () => 1 } }), errors.E_UNSERIALIZABLE).message).toBe(
      'value.q.f is a function',
    )
  })
})

describe('envelope', () => {
  const times = fc.oneof(fc.double(), fc.constantFrom(Infinity, 0, 1_700_000_000_000))

  it('round-trips entries exactly, compressed or not', () => {
    fc.assert(
      fc.property(anything, times, times, fc.constantFrom(0, 64, 4096), (value, freshUntil, expiresAt, threshold) => {
        const back = decodeEntry(encodeEntry({ value, freshUntil, expiresAt }, big({ compressThreshold: threshold })))
        expect(diff(back.value, value)).toBeUndefined()
        expect(Object.is(back.freshUntil, freshUntil) && Object.is(back.expiresAt, expiresAt)).toBe(true)
      }),
      RUNS,
    )
  })

  /** A decode either succeeds or throws E_CORRUPT_ENTRY; anything else fails the property. */
  function decodesOrCorrupt(input: Buffer): void {
    try {
      decodeEntry(input)
    } catch (error) {
      if (!isCacheError(error, errors.E_CORRUPT_ENTRY)) throw error
    }
  }

  it('throws only E_CORRUPT_ENTRY on random bytes', () => {
    const headed = fc.uint8Array({ maxLength: 40 }).map((tail) => Buffer.from([0xff, 0x4d, 1, 0, ...tail]))
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), headed), (raw) => decodesOrCorrupt(Buffer.from(raw))), {
      numRuns: 500,
    })
  })

  it('throws only E_CORRUPT_ENTRY on truncated or bit-flipped entries', () => {
    fc.assert(
      fc.property(anything, fc.boolean(), fc.nat(), fc.nat(7), fc.boolean(), (value, compress, index, bit, truncate) => {
        const bytes = encodeEntry({ value, freshUntil: 1, expiresAt: 2 }, big({ compressThreshold: compress ? 0 : 4096 }))
        const at = index % bytes.length
        if (truncate) return decodesOrCorrupt(bytes.subarray(0, at))
        const flipped = Buffer.from(bytes)
        flipped[at] = flipped[at]! ^ (1 << bit)
        decodesOrCorrupt(flipped)
      }),
      RUNS,
    )
  })

  it('writes the documented header', () => {
    const bytes = encodeEntry({ value: { a: 1 }, freshUntil: 10, expiresAt: 20 }, defaultCodecOptions)
    expect([...bytes.subarray(0, 4)]).toEqual([0xff, 0x4d, 1, 0])
    expect([bytes.readDoubleBE(4), bytes.readDoubleBE(12), bytes.readUInt32BE(20)]).toEqual([10, 20, 7])
    expect(bytes.toString('utf8', HEADER_BYTES)).toBe('{"a":1}')
    expect(encodeEntry({ value: new Date(0), freshUntil: 0, expiresAt: 0 }, defaultCodecOptions)[3]).toBe(0b10)
  })

  it('compresses large repetitive values and leaves small ones alone', () => {
    const large = Array.from({ length: 400 }, (_, i) => ({ id: i, name: 'patient', tags: ['a', 'b'] }))
    const text = JSON.stringify(large)
    const packed = encodeEntry({ value: large, freshUntil: 1, expiresAt: 2 }, defaultCodecOptions)
    expect(packed[3]! & 1).toBe(1)
    expect(packed.length).toBeLessThan(text.length / 4)
    expect(decodeEntry(packed).value).toStrictEqual(large)

    const small = { id: 1, name: 'patient' }
    const plain = encodeEntry({ value: small, freshUntil: 1, expiresAt: 2 }, defaultCodecOptions)
    expect(plain[3]! & 1).toBe(0)
    expect(plain.length).toBe(HEADER_BYTES + JSON.stringify(small).length)
  })

  it('keeps the payload uncompressed when deflate saves less than 10%', () => {
    const value = 'abcdefghijklmnopqrstuvwxyz0123456789'
    const bytes = encodeEntry({ value, freshUntil: 1, expiresAt: 2 }, big({ compressThreshold: 0 }))
    expect(bytes[3]! & 1).toBe(0)
    expect(decodeEntry(bytes).value).toBe(value)
  })

  it('throws E_ENTRY_TOO_LARGE past maxEntryBytes, counting compressed size', () => {
    const options = { compressThreshold: 4096, maxEntryBytes: 1000 }
    const text = Array.from({ length: 1500 }, (_, i) => i.toString(36)).join('') // 3168 chars, under compressThreshold
    const error = expectCode(() => encodeEntry({ value: text, freshUntil: 1, expiresAt: 2 }, options), errors.E_ENTRY_TOO_LARGE)
    expect(error.message).toContain(`${HEADER_BYTES + text.length + 2} bytes`)
    expect(error.message).toContain('1000 bytes')
    expect(error.message).toContain('maxEntryBytes')
    // 20 KB of repetition deflates far below the limit, so it is accepted.
    const repetitive = 'x'.repeat(20_000)
    expect(decodeEntry(encodeEntry({ value: repetitive, freshUntil: 1, expiresAt: 2 }, options)).value).toBe(repetitive)
  })

  it('reads Redis INCRBY integers as never-expiring counters', () => {
    const counter = (text: string): unknown => decodeEntry(Buffer.from(text)).value
    expect(decodeEntry(Buffer.from('42'))).toEqual({ value: 42, freshUntil: Infinity, expiresAt: Infinity })
    expect(counter('-7')).toBe(-7)
    expect(counter('0')).toBe(0)
    expect(counter('9007199254740991')).toBe(9007199254740991)
    expect(counter('9007199254740993')).toBe(9007199254740993n)
    expect(counter('-9223372036854775808')).toBe(-9223372036854775808n)
    for (const text of ['', '-', '1.5', ' 12', '12a', '+1', '1e3', '"1"', '1'.repeat(40)]) {
      expectCode(() => counter(text), errors.E_CORRUPT_ENTRY)
    }
  })

  it('explains foreign, future and damaged entries', () => {
    const valid = encodeEntry({ value: 'hello', freshUntil: 1, expiresAt: 2 }, defaultCodecOptions)
    const patched = (index: number, byte: number): Buffer => {
      const copy = Buffer.from(valid)
      copy[index] = byte
      return copy
    }
    const message = (input: Buffer): string => expectCode(() => decodeEntry(input), errors.E_CORRUPT_ENTRY).message
    expect(message(Buffer.from('{"a":1}'))).toMatch(/wrong magic/)
    expect(message(patched(2, 2))).toMatch(/version 2/)
    expect(message(patched(3, 0b100))).toMatch(/encrypted/)
    expect(message(patched(3, 0b1000))).toMatch(/unknown entry flags/)
    expect(message(valid.subarray(0, valid.length - 1))).toMatch(/length mismatch/)
    expect(message(valid.subarray(0, 10))).toMatch(/truncated/)
    expect(message(patched(3, 0b1))).toMatch(/cannot be decoded/)
    expect(message(patched(HEADER_BYTES, 0x41))).toMatch(/cannot be parsed/)
  })
})

describe('vitest toStrictEqual, for the record', () => {
  it('tells apart what matters except ordering, which diff() checks', () => {
    expect(() => expect(-0).toStrictEqual(0)).toThrow()
    const holed: unknown[] = new Array(2)
    holed[1] = 1
    expect(() => expect(holed).toStrictEqual([undefined, 1])).toThrow()
    expect(() => expect({ a: undefined }).toStrictEqual({})).toThrow()
    expect(() => expect(Buffer.from([1])).toStrictEqual(new Uint8Array([1]))).toThrow()
    expect(new Map([[1, 1], [2, 2]])).toStrictEqual(new Map([[2, 2], [1, 1]]))
    expect(diff(new Map([[1, 1], [2, 2]]), new Map([[2, 2], [1, 1]]))).toBeDefined()
  })
})
