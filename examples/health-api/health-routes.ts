/**
 * `POST /api/v1/analyze-health`, cached the seed's way: the complete analysis by
 * request-content hash (1 h), medication interactions by medication set (24 h),
 * and, for a session, its symptom inputs (30 min), AI summary (2 h) and session record (1 h).
 */
import { Hono } from 'hono'
import { hashContent } from 'mcp-cache'
import { analyzeHealth, findInteractions, type HealthAnalysis, type HealthAnalysisInput, type MedicationInteraction } from './health-analysis.js'
import { aiSummaryKey, healthAnalysisKey, medicationInteractionsKey, symptomInputsKey, userSessionKey } from './medinsight-keys.js'
import { readBody } from './request-body.js'
import { healthAnalysisRequest } from './request-schemas.js'
import { cacheReport, type Services } from './services.js'

/** The health analysis routes, to mount under `/api/v1`. */
export function healthRoutes({ cache, drugs, origin, counters }: Services): Hono {
  const app = new Hono()

  /** Interactions depend on the medication set alone, so many analyses share one entry. */
  const interactionsOf = async (medications: readonly string[]): Promise<MedicationInteraction[]> => {
    if (medications.length < 2) return []
    return cache.getOrSet(medicationInteractionsKey(medications), async () => {
      const table = await drugs.current()
      return origin.run('medication_interactions', () => findInteractions(table, medications))
    })
  }

  app.post('/analyze-health', async (c) => {
    const started = performance.now()
    const body = await readBody(c, healthAnalysisRequest)
    if (!body.ok) return body.response
    // The session id only says who asked: leaving it out of the hash lets every session share one analysis.
    const { session_id: sessionId, ...content } = body.data
    const input: HealthAnalysisInput = content
    const key = healthAnalysisKey(input)
    const { value: analysis, status } = await cache.getOrSetWithStatus<HealthAnalysis>(key, async () => {
      const interactions = await interactionsOf(input.medications)
      return origin.run('health_analysis', () => analyzeHealth(input, interactions))
    })
    const requestHash = hashContent(input)
    await Promise.all([
      counters.recordRequest('health_analysis', status !== 'miss'),
      sessionId === undefined ? undefined : rememberSession(sessionId, input, requestHash, analysis),
    ])
    return c.json({ analysis_id: requestHash, session_id: sessionId ?? null, analysis, ...cacheReport(status, started) })
  })

  /** What the seed keeps per session; a failed write only means it is not kept. */
  async function rememberSession(sessionId: string, input: HealthAnalysisInput, requestHash: string, analysis: HealthAnalysis): Promise<void> {
    const at = new Date().toISOString()
    await Promise.all([
      cache.set(symptomInputsKey(sessionId), { symptoms: input.symptoms, at }),
      cache.set(aiSummaryKey(sessionId), { summary: analysis.summary, analysis_id: requestHash, at }),
      cache.set(userSessionKey(sessionId), { kind: 'health_analysis', last_analysis_id: requestHash, at }),
    ])
  }

  return app
}
