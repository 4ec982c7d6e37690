/**
 * Tracing for the CLI, configured the OpenTelemetry way: on when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (and OTEL_SDK_DISABLED is not true, and
 * OTEL_TRACES_EXPORTER is not none). The SDK and the exporter are loaded only then: a gateway
 * without tracing never imports them. The exporter reads its own variables (endpoint, headers,
 * timeout); the SDK reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG; OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES name the service (default `mcp-cache`). Metrics go to the same endpoint
 * every OTEL_METRIC_EXPORT_INTERVAL ms (a minute), unless OTEL_METRICS_EXPORTER=none.
 */
import { trace } from '@opentelemetry/api'
import type { Resource } from '@opentelemetry/resources'
import type { MeterProvider } from '@opentelemetry/sdk-metrics'
import { ConfigError } from '../errors.js'
import { GatewayTracer, gatewayInstruments } from './mcp-spans.js'

type Env = Readonly<Record<string, string | undefined>>

/** A running tracer provider: the gateway's tracer and how to flush it at exit. */
export interface Tracing {
  readonly tracer: GatewayTracer
  /** Exports what is buffered and stops; bounded by the exporter's timeout. */
  shutdown(): Promise<void>
}

/**
 * True when the environment asks for metrics too: a general endpoint (or a metrics one), and
 * OTEL_METRICS_EXPORTER not none. With a traces endpoint alone the metric exporter would send to
 * localhost.
 */
function metricsRequested(env: Env): boolean {
  const endpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT']?.trim()
  return Boolean(endpoint) && env['OTEL_METRICS_EXPORTER']?.trim().toLowerCase() !== 'none'
}

/** Longest the last export may hold up a gateway's exit: a collector that drops packets must not. */
const SHUTDOWN_DEADLINE_MS = 5000

/** True when the environment asks for traces. */
export function tracingRequested(env: Env = process.env): boolean {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim() || env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim()
  if (!endpoint) return false
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return false
  return env['OTEL_TRACES_EXPORTER']?.trim().toLowerCase() !== 'none'
}

/** The OTLP protocol asked for: `http/protobuf` (the specification's default) or `http/json`. */
function protocolOf(env: Env): 'http/protobuf' | 'http/json' {
  const raw = (env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']?.trim() || env['OTEL_EXPORTER_OTLP_PROTOCOL']?.trim() || 'http/protobuf').toLowerCase()
  if (raw === 'http/protobuf' || raw === 'http/json') return raw
  throw new ConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL=${raw} is not supported by mcp-cache: use http/protobuf or http/json (grpc is not bundled)`)
}

/** Starts the SDK when the environment asks for it; undefined otherwise. */
export async function startTracing(version: string, env: Env = process.env): Promise<Tracing | undefined> {
  if (!tracingRequested(env)) return undefined
  // Every setting is checked before anything is loaded or registered.
  const protocol = protocolOf(env)
  const interval = metricsRequested(env) ? exportIntervalOf(env) : undefined
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { resourceFromAttributes, detectResources, envDetector }, exporterModule] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    protocol === 'http/json' ? import('@opentelemetry/exporter-trace-otlp-http') : import('@opentelemetry/exporter-trace-otlp-proto'),
  ])
  const serviceName = env['OTEL_SERVICE_NAME']?.trim() || 'mcp-cache'
  const resource = resourceFromAttributes({ 'service.name': serviceName, 'service.version': version }).merge(detectResources({ detectors: [envDetector] }))
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new exporterModule.OTLPTraceExporter())] })
  // The global provider, an AsyncLocalStorage context manager and the W3C propagator.
  provider.register()
  const meters = interval === undefined ? undefined : await startMetrics(protocol, resource, interval)
  const instruments = meters === undefined ? undefined : gatewayInstruments(meters.provider.getMeter('mcp-cache', version))
  return {
    tracer: new GatewayTracer(trace.getTracer('mcp-cache', version), instruments),
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_DEADLINE_MS).unref()))
      await Promise.race([Promise.all([provider.shutdown(), meters?.provider.shutdown()]), deadline])
      clearTimeout(timer)
    },
  }
}

/** How often metrics are exported (OTEL_METRIC_EXPORT_INTERVAL, ms), as the SDKs default it: a minute. */
function exportIntervalOf(env: Env): number {
  const raw = env['OTEL_METRIC_EXPORT_INTERVAL']?.trim()
  const value = raw === undefined || raw === '' ? 60_000 : Number(raw)
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`OTEL_METRIC_EXPORT_INTERVAL=${raw} must be a whole number of milliseconds`)
  return value
}

/** A meter provider exporting over OTLP with the traces' protocol and endpoint. */
async function startMetrics(protocol: 'http/protobuf' | 'http/json', resource: Resource, interval: number): Promise<{ provider: MeterProvider }> {
  const [{ MeterProvider, PeriodicExportingMetricReader }, exporterModule] = await Promise.all([
    import('@opentelemetry/sdk-metrics'),
    protocol === 'http/json' ? import('@opentelemetry/exporter-metrics-otlp-http') : import('@opentelemetry/exporter-metrics-otlp-proto'),
  ])
  // The SDK refuses an export timeout longer than the interval.
  const reader = new PeriodicExportingMetricReader({ exporter: new exporterModule.OTLPMetricExporter(), exportIntervalMillis: interval, exportTimeoutMillis: Math.min(30_000, interval) })
  return { provider: new MeterProvider({ resource, readers: [reader] }) }
}
