import { z } from 'zod'
import { parseBytes } from './bytes.js'
import { parseDuration } from './duration.js'

/** A duration (ms or `'10m'`), validated with the parser's own message, converted to milliseconds. */
export const durationMs = z.union([z.number(), z.string()]).transform((value, context) => {
  try {
    return parseDuration(value)
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message.replace(/^duration /, '') })
    return z.NEVER
  }
})

/** A size (bytes or `'64mb'`), converted to bytes. */
export const byteCount = z.union([z.number(), z.string()]).transform((value, context) => {
  try {
    return parseBytes(value)
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message.replace(/^size /, '') })
    return z.NEVER
  }
})
