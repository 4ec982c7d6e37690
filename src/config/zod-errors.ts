import type { z } from 'zod'
import { ConfigError } from '../errors.js'

/** One ConfigError that lists every problem of a failed zod parse as `field: what is wrong`. */
export function configErrorFrom(error: z.ZodError, source: string): ConfigError {
  const problems = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(root)'
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.map((key) => `'${key}'`).join(', ')}` : issue.message
    return `${field}: ${message}`
  })
  return new ConfigError(`invalid ${source}:\n  ${problems.join('\n  ')}`)
}
