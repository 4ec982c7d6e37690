/**
 * OpenTelemetry traces of the gateway, exported as OTLP/HTTP JSON to a receiver this test runs:
 * a tools/call miss and hit through `proxy` and `serve` give SERVER spans after the MCP semantic
 * conventions, parented to the traceparent the client sent in `_meta`; only the miss has a
 * CLIENT span, and the upstream (an SDK server of ours) sees that span as its parent.
 */
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER, connectThroughProxy } from '../helpers/proxy-client.js'
import { redisUrl } from '../helpers/redis.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>
}
const SERVER_KIND = 2
const CLIENT_KIND = 3

interface OtlpPoint {
  attributes: OtlpSpan['attributes']
  count?: string | number
  asInt?: string | number
}
interface OtlpMetric {
  name: string
  unit?: string
  histogram?: { dataPoints: OtlpPoint[] }
  sum?: { dataPoints: OtlpPoint[] }
}

/** An OTLP/HTTP receiver for `http/json` exports: keeps every span and metric it is sent. */
async function startReceiver(): Promise<{ url: string; spans: OtlpSpan[]; metrics: OtlpMetric[]; services: Set<string>; close(): Promise<void> }> {
  const spans: OtlpSpan[] = []
  const metrics: OtlpMetric[] = []
  const services = new Set<string>()
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const parsed = JSON.parse(body) as { resourceSpans: Array<{ resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> }
        for (const resource of parsed.resourceSpans) {
          const service = resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue
          if (service !== undefined) services.add(service)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans)
        }
      }
      if (req.url === '/v1/metrics') {
        const parsed = JSON.parse(body) as { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: OtlpMetric[] }> }> }
        for (const resource of parsed.resourceMetrics) for (const scope of resource.scopeMetrics) metrics.push(...scope.metrics)
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, spans, metrics, services, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

const attribute = (span: OtlpSpan, key: string): string | undefined => {
  const value = span.attributes.find((a) => a.key === key)?.value
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : String(value.intValue))
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const CALLER_SPAN = '00f067aa0ba902b7'
const traceparent = `00-${TRACE_ID}-${CALLER_SPAN}-01`

describe('OpenTelemetry traces of the gateway', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let otelEnv: Record<string, string>
  beforeAll(async () => {
    receiver = await startReceiver()
    otelEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_METRIC_EXPORT_INTERVAL: '200', OTEL_SERVICE_NAME: 'gateway-under-test' }
  })
  afterAll(async () => {
    await receiver.close()
  })

  /** The spans of this trace with `name`, once `count` have arrived. */
  const spansNamed = async (name: string, count: number): Promise<OtlpSpan[]> => {
    const found = () => receiver.spans.filter((span) => span.traceId === TRACE_ID && span.name === name)
    await expect.poll(() => found().length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(count)
    return found()
  }

  /** The checks both transports share, on the spans of one miss and one hit of lookup_code and one trace_context call. */
  const checkTrace = async (upstreamSaw: string): Promise<OtlpSpan[]> => {
    const servers = (await spansNamed('tools/call lookup_code', 3)).filter((span) => span.kind === SERVER_KIND)
    expect(servers.map((span) => attribute(span, 'mcp_cache.status')).sort()).toEqual(['hit', 'miss'])
    for (const span of servers) {
      expect(span.parentSpanId).toBe(CALLER_SPAN)
      expect(attribute(span, 'mcp.method.name')).toBe('tools/call')
      expect(attribute(span, 'gen_ai.tool.name')).toBe('lookup_code')
      expect(attribute(span, 'jsonrpc.request.id')).toMatch(/^\d+$/)
    }
    const miss = servers.find((span) => attribute(span, 'mcp_cache.status') === 'miss') as OtlpSpan
    const clients = receiver.spans.filter((span) => span.traceId === TRACE_ID && span.name === 'tools/call lookup_code' && span.kind === CLIENT_KIND)
    // Only the miss went upstream.
    expect(clients.map((span) => span.parentSpanId)).toEqual([miss.spanId])
    // The upstream saw the gateway's CLIENT span of the call as its parent, in the same trace.
    const [, seenTrace, seenParent] = upstreamSaw.split('-')
    expect(seenTrace).toBe(TRACE_ID)
    const traceClient = (await spansNamed('tools/call trace_context', 2)).find((span) => span.kind === CLIENT_KIND)
    expect(seenParent).toBe(traceClient?.spanId)
    expect(receiver.services.has('gateway-under-test')).toBe(true)
    return servers
  }

  it('refuses a tracing setting it cannot honour at start, before opening anything, and exits (Redis store included)', async () => {
    for (const command of [['proxy'], ['serve', '--port', '0']]) {
      const run = await new Promise<{ code: number | null; killed: boolean; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, [CLI, ...command, '--store', 'redis', '--redis-url', redisUrl(), '--', process.execPath, COUNTING_SERVER], {
          env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
          timeout: 15_000,
        }, (_error, _stdout, stderr) => resolve({ code: child.exitCode, killed: child.killed, stderr }))
      })
      expect(run.killed, `${command[0]} had to be killed`).toBe(false)
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported by mcp-cache')
    }
  })

  it('through proxy (stdio)', async () => {
    receiver.spans.length = 0
    const proxy = await connectThroughProxy({ env: otelEnv })
    try {
      const call = (name: string, args: Record<string, unknown>) => proxy.client.callTool({ name, arguments: args, _meta: { traceparent } })
      expect((await call('lookup_code', { code: 'T1' }))._meta?.['mcp-cache/status']).toBe('miss')
      expect((await call('lookup_code', { code: 'T1' }))._meta?.['mcp-cache/status']).toBe('hit')
      const seen = ((await call('trace_context', { n: 1 })).content as Array<{ text: string }>)[0]?.text ?? ''
      const servers = await checkTrace(seen.slice(seen.indexOf(':') + 1))
      for (const span of servers) expect(attribute(span, 'network.transport')).toBe('pipe')

      // Lists are cached too, and their spans say how: a miss, then a hit.
      await proxy.client.listPrompts({ _meta: { traceparent } })
      await proxy.client.listPrompts({ _meta: { traceparent } })
      const lists = (await spansNamed('prompts/list', 2)).filter((span) => span.kind === SERVER_KIND)
      expect(lists.map((span) => attribute(span, 'mcp_cache.status')).sort()).toEqual(['hit', 'miss'])

      // Metrics through the same switch: the conventions' duration histogram, and how the cache answered.
      const points = (name: string) =>
        receiver.metrics.filter((metric) => metric.name === name).flatMap((metric) => metric.histogram?.dataPoints ?? metric.sum?.dataPoints ?? [])
      const toolPoint = (point: OtlpPoint) => point.attributes.some((a) => a.key === 'gen_ai.tool.name' && a.value.stringValue === 'lookup_code')
      await expect.poll(() => points('mcp.server.operation.duration').filter(toolPoint).length, { timeout: 10_000, interval: 100 }).toBeGreaterThan(0)
      expect(receiver.metrics.find((metric) => metric.name === 'mcp.server.operation.duration')?.unit).toBe('s')
      const statuses = points('mcp_cache.operations').filter(toolPoint).map((point) => point.attributes.find((a) => a.key === 'mcp_cache.status')?.value.stringValue)
      expect(new Set(statuses)).toEqual(new Set(['hit', 'miss']))
    } finally {
      await proxy.close()
    }
  })

  it('through serve (HTTP)', async () => {
    receiver.spans.length = 0
    let gateway: UrlProcess | undefined
    const client = new Client({ name: 'tracing-e2e', version: '1.0.0' }, { capabilities: {} })
    try {
      gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--', process.execPath, COUNTING_SERVER], otelEnv)
      await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers: { authorization: 'Bearer tracing-user' } } }))
      const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args, _meta: { traceparent } })
      expect((await call('lookup_code', { code: 'T2' }))._meta?.['mcp-cache/status']).toBe('miss')
      expect((await call('lookup_code', { code: 'T2' }))._meta?.['mcp-cache/status']).toBe('hit')
      const seen = ((await call('trace_context', { n: 2 })).content as Array<{ text: string }>)[0]?.text ?? ''
      const servers = await checkTrace(seen.slice(seen.indexOf(':') + 1))
      for (const span of servers) {
        expect(attribute(span, 'network.transport')).toBe('tcp')
        expect(attribute(span, 'mcp.session.id')).toMatch(/.+/)
      }

      // A client that sends trace context as HTTP headers only (no _meta): its trace continues too.
      const headerTrace = '0af7651916cd43dd8448eb211c80319c'
      const headerParent = 'b7ad6b7169203331'
      const byHeader = new Client({ name: 'tracing-e2e-headers', version: '1.0.0' }, { capabilities: {} })
      await byHeader.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers: { authorization: 'Bearer tracing-user', traceparent: `00-${headerTrace}-${headerParent}-01` } } }))
      try {
        // A miss (transport path) and a hit (answered as one JSON body, before the transport).
        await byHeader.callTool({ name: 'lookup_code', arguments: { code: 'H1' } })
        await byHeader.callTool({ name: 'lookup_code', arguments: { code: 'H1' } })
        const found = () => receiver.spans.filter((span) => span.traceId === headerTrace && span.kind === SERVER_KIND && span.name === 'tools/call lookup_code')
        await expect.poll(() => found().length, { timeout: 10_000, interval: 50 }).toBe(2)
        for (const span of found()) expect(span.parentSpanId).toBe(headerParent)
      } finally {
        await byHeader.close()
      }
    } finally {
      await client.close()
      await gateway?.stop()
    }
  })
})
