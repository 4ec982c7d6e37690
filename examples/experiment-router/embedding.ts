import { createHash } from 'node:crypto'

/**
 * Deterministic text embeddings computed in process: a hashed bag of words.
 * No model and no network, so the same text gives the same vector on every
 * machine and every run, and tests can say which neighbour is nearest. It
 * captures shared words, not meaning ("purchase" is not near "checkout"); a
 * real deployment would swap in a sentence-embedding model behind `embed`.
 */

/** Length of every vector. 256 buckets keep collisions rare for texts of a few dozen words. */
export const EMBEDDING_DIMENSIONS = 256

/** Words that say nothing about an experiment's subject. */
const STOP_WORDS = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'do', 'does', 'for', 'from', 'in', 'is', 'it', 'its', 'of', 'on', 'or',
  'than', 'that', 'the', 'this', 'to', 'vs', 'with', 'we', 'our', 'your', 'you', 'after', 'against', 'better', 'more',
])

/**
 * Lower-case words of letters and digits, stop words dropped, a plural `s`
 * trimmed so "buttons" meets "button". The same list is the search cache key's
 * input, so texts differing only in case or punctuation share one entry.
 */
export function words(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? [])
    .filter((word) => !STOP_WORDS.has(word))
    .map((word) => (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word))
}

/**
 * The unit-length vector of `text`: each word adds ±1 to one of
 * {@link EMBEDDING_DIMENSIONS} buckets (both from its SHA-256), so two texts'
 * cosine similarity grows with the words they share. All zeros for a text with no words.
 */
export function embed(text: string): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0)
  for (const word of words(text)) {
    const digest = createHash('sha256').update(word).digest()
    const bucket = digest.readUInt16BE(0) % EMBEDDING_DIMENSIONS
    vector[bucket] = (vector[bucket] ?? 0) + ((digest[2] ?? 0) & 1 ? 1 : -1)
  }
  const norm = Math.hypot(...vector)
  return norm === 0 ? vector : vector.map((value) => value / norm)
}
