/**
 * Servers the tests start (PostgreSQL, ClickHouse) are stopped when the test worker exits or is
 * told to stop, so no database process outlives the run.
 */
const running = new Set<() => void>()
let hookInstalled = false

/** Runs `stop` (synchronous) if the process ends while it is registered; returns the set to remove it from. */
export function stopAtExit(stop: () => void): Set<() => void> {
  running.add(stop)
  if (!hookInstalled) {
    hookInstalled = true
    process.once('exit', () => { for (const each of running) each() })
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        for (const each of running) each()
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
      })
    }
  }
  return running
}
