/**
 * The library's spans with a TracerProvider of the user's own (the `tracing` option), collected
 * in memory by the real OpenTelemetry SDK: a getOrSet span per call, with the origin and the store
 * read as its children on a miss, on the memory store and on Redis.
 */
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { redisUrl, uniquePrefix } from '../helpers/redis.js'

const exporter = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })

beforeAll(() => {
  // What a user's SDK setup does: child spans find their parent through the active context.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
})
afterAll(async () => {
  await tracerProvider.shutdown()
  context.disable()
})

for (const store of ['memory', 'redis'] as const) {
  describe(`library spans on the ${store} store`, () => {
    it('traces a miss (origin and store read as children) and a hit, with the status and category, never the key', async () => {
      exporter.reset()
      const cache = createCache({ store, prefix: uniquePrefix('trace').replaceAll(':', '-'), redis: { url: redisUrl() }, tracing: { tracerProvider }, logger: false })
      try {
        expect(await cache.getOrSet('patient:v1:500:100841', async () => ({ name: 'x' }))).toEqual({ name: 'x' })
        expect(await cache.getOrSetWithStatus('patient:v1:500:100841', async () => ({ name: 'y' }))).toEqual({ value: { name: 'x' }, status: 'hit' })
        const spans = exporter.getFinishedSpans()
        const calls = spans.filter((span) => span.name === 'mcp_cache.getOrSet')
        expect(calls.map((span) => span.attributes['mcp_cache.status'])).toEqual(['miss', 'hit'])
        for (const span of calls) expect(span.attributes).toMatchObject({ 'mcp_cache.category': 'patient', 'mcp_cache.store': store })
        const miss = calls[0]
        const children = spans.filter((span) => span.parentSpanContext?.spanId === miss?.spanContext().spanId).map((span) => span.name)
        expect(children).toContain('mcp_cache.origin')
        if (store === 'redis') expect(children).toContain('mcp_cache.store.get')
        // One origin span in all: the hit ran no factory.
        expect(spans.filter((span) => span.name === 'mcp_cache.origin')).toHaveLength(1)
        expect(JSON.stringify(spans.map((span) => [span.name, span.attributes]))).not.toContain('100841')
      } finally {
        await cache.close()
      }
    })
  })
}
