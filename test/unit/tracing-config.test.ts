/** When the CLI turns tracing on, read from the OpenTelemetry environment as the SDKs read it. */
import { describe, expect, it } from 'vitest'
import { startTracing, tracingRequested } from '../../src/telemetry/start-tracing.js'

describe('tracing from the OpenTelemetry environment', () => {
  it('is on only with an OTLP endpoint, and off when the SDK or the traces exporter is disabled', () => {
    expect(tracingRequested({})).toBe(false)
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true)
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true)
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false)
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false)
  })

  it('starts nothing when off, and refuses a protocol it does not bundle, saying which it takes', async () => {
    expect(await startTracing('0.0.0', {})).toBeUndefined()
    await expect(startTracing('0.0.0', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).rejects.toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported by mcp-cache: use http\/protobuf or http\/json/)
  })

  it('loads the http/protobuf exporter by default (the specification\'s default protocol)', async () => {
    const tracing = await startTracing('0.0.0', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })
    expect(tracing?.tracer).toBeDefined()
    await tracing?.shutdown()
  })
})
