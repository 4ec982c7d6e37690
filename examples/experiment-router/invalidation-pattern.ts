import { PATTERN_CATEGORIES } from './cache-keys.js'
import { RouterError } from './router-error.js'

/**
 * The seed's shape and nothing wider: a key category, `:`, an identifier written out (no
 * wildcard in it), then at most one trailing `*` (`experiment:exp_123*`, `user:user_456*`).
 * `user:*` would drop every user's entries for any client that asks (the tool knows no caller),
 * and wildcards inside the identifier only add SCAN work.
 */
const SEED_SHAPE = new RegExp(`^(${PATTERN_CATEGORIES.join('|')}):[^*?[\\]\\\\]+\\*?$`)

/** Accepts a pattern for `invalidate_cache` only in the seed's shape (see {@link SEED_SHAPE}); anything else is refused. */
export function checkInvalidationPattern(pattern: string): void {
  const example = 'e.g. experiment:exp_123* or user:user_456*'
  if (pattern.trim() === '') throw new RouterError('E_INVALID_INPUT', `pattern is empty: give a key pattern, ${example}`)
  if (!SEED_SHAPE.test(pattern)) {
    throw new RouterError('E_INVALID_INPUT',
      `pattern '${pattern.slice(0, 100)}' must be a key category, ':', an identifier without wildcards and at most one '*' at the end ` +
      `(${PATTERN_CATEGORIES.map((c) => `${c}:`).join(', ')}), ${example}; a wider pattern would drop entries of every user or experiment`)
  }
}
