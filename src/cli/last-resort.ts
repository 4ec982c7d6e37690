import { errorMessage } from '../errors.js'
import type { CacheLogger } from '../log/logger.js'

/**
 * The gateway's last line of defence: an error that escaped every handler is
 * logged (secrets removed) and the process goes on serving the other clients.
 * Every known path already answers its own failures; this guard is for the
 * unknown one, so that one bad request can never stop a gateway. Returns how
 * to remove it.
 */
export function keepServingOnStrayErrors(logger: CacheLogger, redact: (text: string) => string): () => void {
  const report = (origin: string) => (error: unknown) => {
    const reason = redact(error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : errorMessage(error))
    logger.error({ origin, err: reason }, `mcp-cache: an error escaped its handler (${origin}); still serving. Please report it: ${reason.split('\n', 1)[0]}`)
  }
  const onException = report('uncaughtException')
  const onRejection = report('unhandledRejection')
  process.on('uncaughtException', onException)
  process.on('unhandledRejection', onRejection)
  return () => {
    process.off('uncaughtException', onException)
    process.off('unhandledRejection', onRejection)
  }
}
