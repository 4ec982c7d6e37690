/**
 * One process of the cross-process stampede (forked by cross-process.ts):
 * builds one contender, says `ready`, and on each `go` starts `callers`
 * concurrent getOrSet calls of the given key against a slow origin, then
 * reports how often its origin ran and how long the last caller waited.
 * Leaves when told to or when the parent goes away.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { contenderById } from './contenders.js'
import { record } from './values.js'

/** Parent to worker. */
export type WorkerCommand = { readonly go: string } | { readonly exit: true }
/** Worker to parent. */
export type WorkerReport = { readonly ready: true } | { readonly originCalls: number; readonly ms: number; readonly failed: number }

const [id, url, prefix, callersText, originText] = process.argv.slice(2)
if (id === undefined || url === undefined || prefix === undefined || process.send === undefined) {
  throw new Error('usage: stampede-worker <contender> <redis-url> <prefix> <callers> <origin-ms> (forked with IPC)')
}
const callers = Number(callersText ?? 250)
const originMs = Number(originText ?? 50)
const send = process.send.bind(process)
const contender = await contenderById(id).create(url, prefix, { l1Entries: 1000 })
await contender.getOrSet('warm', async () => 1)
process.on('disconnect', () => process.exit(0))
process.on('message', (command: WorkerCommand) => {
  void (async () => {
    if ('exit' in command) {
      await contender.close()
      process.exit(0)
    }
    let originCalls = 0
    const value = record(7)
    const origin = async (): Promise<unknown> => {
      originCalls++
      await sleep(originMs)
      return value
    }
    const started = performance.now()
    const results = await Promise.allSettled(Array.from({ length: callers }, () => contender.getOrSet(command.go, origin)))
    const report: WorkerReport = { originCalls, ms: performance.now() - started, failed: results.filter((r) => r.status === 'rejected').length }
    send(report)
  })()
})
send({ ready: true } satisfies WorkerReport)
