import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { CacheError, ConfigError, errors } from '../errors.js'

/** Encryption at rest for values in Redis: AES-256-GCM with named keys. */
export interface EncryptionOptions {
  /** Keys by id, each 32 bytes given as base64 (or a Buffer). Old ids stay here to read old entries. */
  readonly keys: Readonly<Record<string, string | Buffer>>
  /** The id new entries are encrypted with. */
  readonly current: string
  /** Accept unencrypted entries (while migrating an existing cache). Off, a plaintext entry is a miss. @default false */
  readonly allowPlaintext?: boolean
}

/** Resolved keys, ready for the codec. */
export interface Keyring {
  readonly current: { readonly id: Buffer; readonly key: Buffer }
  readonly byId: ReadonlyMap<string, Buffer>
  readonly allowPlaintext: boolean
}

const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

/** Checks and decodes encryption options; errors name the key id, never the key. */
export function createKeyring(options: EncryptionOptions): Keyring {
  const byId = new Map<string, Buffer>()
  for (const [id, value] of Object.entries(options.keys)) {
    if (!KEY_ID_PATTERN.test(id)) throw new ConfigError(`encryption.keys: key id '${id.slice(0, 64)}' must be 1-64 of [A-Za-z0-9_.-]`)
    const key = typeof value === 'string' ? Buffer.from(value, 'base64') : value
    if (key.length !== KEY_BYTES) {
      throw new ConfigError(`encryption.keys.${id} must be ${KEY_BYTES} bytes (base64 of 32 random bytes: openssl rand -base64 32), got ${key.length}`)
    }
    byId.set(id, key)
  }
  const key = byId.get(options.current)
  if (key === undefined) throw new ConfigError(`encryption.current is '${options.current}', which is not one of encryption.keys`)
  return { current: { id: Buffer.from(options.current), key }, byId, allowPlaintext: options.allowPlaintext ?? false }
}

/**
 * Encrypts a payload with the current key. `aad` (the entry header) is
 * authenticated too, so a changed expiry or flag is detected like a changed value.
 * Layout: key-id length (1), key id, IV (12), tag (16), ciphertext.
 */
export function encryptPayload(payload: Buffer, keyring: Keyring, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv)
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(payload), cipher.final()])
  const id = keyring.current.id
  return Buffer.concat([Buffer.from([id.length]), id, iv, cipher.getAuthTag(), ciphertext])
}

/** Decrypts what `encryptPayload` made; any mismatch is E_CORRUPT_ENTRY (a miss), never another error. */
export function decryptPayload(sealed: Buffer, keyring: Keyring | undefined, aad: Buffer): Buffer {
  if (keyring === undefined) throw new CacheError(errors.E_CORRUPT_ENTRY, 'entry is encrypted but no encryption keys are configured')
  const idLength = sealed[0] ?? 0
  const id = sealed.toString('utf8', 1, 1 + idLength)
  const key = keyring.byId.get(id)
  if (key === undefined) throw new CacheError(errors.E_CORRUPT_ENTRY, `entry is encrypted with key '${id.slice(0, 64)}', which is not configured`)
  const ivStart = 1 + idLength
  const tagStart = ivStart + IV_BYTES
  const dataStart = tagStart + TAG_BYTES
  if (sealed.length < dataStart) throw new CacheError(errors.E_CORRUPT_ENTRY, 'encrypted entry is truncated')
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(ivStart, tagStart))
    decipher.setAAD(aad)
    decipher.setAuthTag(sealed.subarray(tagStart, dataStart))
    return Buffer.concat([decipher.update(sealed.subarray(dataStart)), decipher.final()])
  } catch {
    throw new CacheError(errors.E_CORRUPT_ENTRY, 'encrypted entry failed authentication (tampered, or a different key under the same id)')
  }
}
