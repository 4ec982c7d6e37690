import { PATTERN_CATEGORIES } from './cache-keys.js'
import { RouterError } from './router-error.js'

const CATEGORY_START = new RegExp(`^(${PATTERN_CATEGORIES.join('|')}):`)

/**
 * Accepts a pattern for `invalidate_cache` only when it starts with one of the
 * router's key categories, literally, then `:` (`experiment:exp_123*`,
 * `user:user_456*`). So `*`, `?*` or `*:*`, which would drop every entry of the
 * cache, are refused, and so is an empty pattern, which drops nothing.
 */
export function checkInvalidationPattern(pattern: string): void {
  const example = 'e.g. experiment:exp_123* or user:user_456*'
  if (pattern.trim() === '') throw new RouterError('E_INVALID_INPUT', `pattern is empty: give a key pattern, ${example}`)
  if (!CATEGORY_START.test(pattern)) {
    throw new RouterError('E_INVALID_INPUT',
      `pattern '${pattern.slice(0, 100)}' must start with a key category and ':' (${PATTERN_CATEGORIES.map((c) => `${c}:`).join(', ')}), ${example}; ` +
      'a pattern that can match every key is refused, since it would empty the whole cache')
  }
}
