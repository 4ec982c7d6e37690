/**
 * Vitest global setup: provides 'redisUrl' to every test via `inject('redisUrl')`.
 * With REDIS_URL set it only checks that URL answers PING; otherwise it starts
 * one shared private redis-server (installing it if possible) and stops it at the end.
 */
import type { TestProject } from 'vitest/node'
import { ensureRedisServerInstalled } from './ensure-redis.js'
import { sendCommand, startRedisServer } from './redis-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
  }
}

/** Start (or check) the shared Redis and provide its URL; returns the teardown. */
export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const external = process.env.REDIS_URL
  if (external !== undefined && external !== '') {
    const shown = external.replace(/\/\/[^@/]*@/, '//***@')
    const reply = await sendCommand(external, 'PING').catch((error: Error) => error.message)
    if (!reply.startsWith('+PONG')) {
      throw new Error(`REDIS_URL=${shown} does not answer PING (${reply.trim()}); start that Redis or unset REDIS_URL.`)
    }
    provide('redisUrl', external)
    return async () => {}
  }
  ensureRedisServerInstalled()
  const server = await startRedisServer()
  provide('redisUrl', server.url)
  return () => server.stop()
}
