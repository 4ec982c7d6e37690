import { z } from 'zod'
import { parseBytes } from './bytes.js'
import { parseDuration } from './duration.js'

/** A zod type for `number | string` inputs converted by `parse`; its error message becomes the issue. */
function parsedBy(parse: (value: number | string) => number, prefix: RegExp) {
  return z.union([z.number(), z.string()]).transform((value, context) => {
    try {
      return parse(value)
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message.replace(prefix, '') })
      return z.NEVER
    }
  })
}

/** A duration (ms or `'10m'`), validated with the parser's own message, converted to milliseconds. */
export const durationMs = parsedBy((value) => parseDuration(value), /^duration /)

/** A duration a timer waits for (a timeout, an interval): at most about 24 days. */
export const timerMs = parsedBy((value) => parseDuration(value, 'duration', 'timer'), /^duration /)

/** A size (bytes or `'64mb'`), converted to bytes. */
export const byteCount = parsedBy((value) => parseBytes(value), /^size /)
