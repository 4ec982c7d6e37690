import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createKeyring } from '../../src/codec/encryption.js'
import { decodeEntry, encodeEntry } from '../../src/codec/envelope.js'
import { createKeyHasher } from '../../src/keys/hashed-key.js'

const k1 = randomBytes(32).toString('base64')
const k2 = randomBytes(32).toString('base64')
const entry = { value: { name: 'PATIENT,DEMO', dfn: 100841, dob: new Date('1961-04-12') }, freshUntil: Date.now() + 60_000, expiresAt: Date.now() + 120_000 }
const options = (keys: Record<string, string>, current: string, allowPlaintext = false) => ({
  compressThreshold: 4096,
  maxEntryBytes: 1_048_576,
  keyring: createKeyring({ keys, current, allowPlaintext }),
})

describe('encryption at rest', () => {
  it('round-trips an entry, and the bytes hold none of the plaintext', () => {
    const opts = options({ k1 }, 'k1')
    const bytes = encodeEntry(entry, opts)
    expect(bytes.includes(Buffer.from('PATIENT'))).toBe(false)
    expect(decodeEntry(bytes, opts.keyring)).toStrictEqual(entry)
  })

  it('rotates keys: reads entries of the old key, writes with the new one', () => {
    const old = encodeEntry(entry, options({ k1 }, 'k1'))
    const rotated = options({ k1, k2 }, 'k2')
    expect(decodeEntry(old, rotated.keyring).value).toStrictEqual(entry.value)
    const fresh = encodeEntry(entry, rotated)
    expect(() => decodeEntry(fresh, options({ k1 }, 'k1').keyring)).toThrow(/key 'k2', which is not configured/)
  })

  it('treats tampered ciphertext, a changed expiry, or a missing key as a corrupt entry (a miss)', () => {
    const opts = options({ k1 }, 'k1')
    const bytes = encodeEntry(entry, opts)
    const flipped = Buffer.from(bytes)
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1
    expect(() => decodeEntry(flipped, opts.keyring)).toThrow(expect.objectContaining({ code: 'E_CORRUPT_ENTRY' }))
    const extended = Buffer.from(bytes)
    extended.writeDoubleBE(Date.now() + 10 ** 9, 12)
    expect(() => decodeEntry(extended, opts.keyring)).toThrow(/failed authentication/)
    expect(() => decodeEntry(bytes)).toThrow(/no encryption keys are configured/)
  })

  it('refuses plaintext entries when encryption is on, unless migrating', () => {
    const plain = encodeEntry(entry, { compressThreshold: 4096, maxEntryBytes: 1_048_576 })
    expect(() => decodeEntry(plain, options({ k1 }, 'k1').keyring)).toThrow(/not encrypted but encryption is required/)
    expect(decodeEntry(plain, options({ k1 }, 'k1', true).keyring).value).toStrictEqual(entry.value)
  })

  it('names the bad key id and never prints a key', () => {
    expect(() => createKeyring({ keys: { k1: 'c2hvcnQ=' }, current: 'k1' })).toThrow(/encryption\.keys\.k1 must be 32 bytes/)
    expect(() => createKeyring({ keys: { k1 }, current: 'k9' })).toThrow(/encryption.current is 'k9'/)
    try {
      createKeyring({ keys: { k1: k1.slice(0, 20) }, current: 'k1' })
    } catch (error) {
      expect((error as Error).message).not.toContain(k1.slice(0, 20))
    }
  })
})

describe('HMAC-hashed identifiers', () => {
  it('keeps record numbers out of key names, stably', () => {
    const hashed = createKeyHasher('a-secret-of-at-least-16-bytes')
    const key = hashed('patient', 'v1', 500, 100841, '10000000219')
    expect(key).toMatch(/^patient(:[A-Za-z0-9_-]{22}){4}$/)
    expect(key).not.toMatch(/100841|10000000219/)
    expect(hashed('patient', 'v1', 500, 100841, '10000000219')).toBe(key)
    expect(createKeyHasher('another-secret-of-16-bytes+')('patient', 'v1', 500, 100841, '10000000219')).not.toBe(key)
    expect(() => createKeyHasher('short')).toThrow(/at least 16 bytes/)
  })
})
