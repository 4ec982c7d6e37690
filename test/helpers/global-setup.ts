/**
 * Vitest global setup: provides 'redisUrl' to every test via `inject('redisUrl')`.
 * With REDIS_URL set it only checks that URL answers PING; otherwise it starts
 * one shared private redis-server (installing it if possible) and stops it at the end.
 * It also installs Chromium for the dashboard test when it can, here rather than in
 * that test, where a download would pass its hook timeout.
 */
import type { TestProject } from 'vitest/node'
import { CHROMIUM, ensureInstalled, REDIS_SERVER } from './ensure-installed.js'
import { sendCommand, startRedisServer } from './redis-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
  }
}

/** Start (or check) the shared Redis and provide its URL; returns the teardown. */
export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  if (process.env['CHROMIUM_PATH'] === undefined) {
    try {
      ensureInstalled(CHROMIUM)
    } catch (error) {
      // Only the dashboard test needs it; it fails there with this message.
      console.warn((error as Error).message)
    }
  }
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
  ensureInstalled(REDIS_SERVER)
  const server = await startRedisServer()
  provide('redisUrl', server.url)
  return () => server.stop()
}
