/**
 * `POST /api/v1/drug/analyze` (24 h, keyed by drug name and a hash of the rest
 * of the request) and `GET /api/v1/drug/info/{drug_name}` (basic information,
 * 7 days, stamped with when it was looked up). Unknown drugs answer 404 and are not cached.
 */
import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { analyzeDrug, lookUpDrugInfo } from './drug-analysis.js'
import { drugAnalysisKey, drugInfoKey, userSessionKey } from './medinsight-keys.js'
import { readBody } from './request-body.js'
import { describeIssues, drugAnalysisRequest, drugName } from './request-schemas.js'
import { cacheReport, type Services } from './services.js'

/** The drug routes, to mount under `/api/v1/drug`. */
export function drugRoutes({ cache, origin, counters }: Services): Hono {
  const app = new Hono()

  app.post('/analyze', async (c) => {
    const started = performance.now()
    const body = await readBody(c, drugAnalysisRequest)
    if (!body.ok) return body.response
    const { analysis_id: givenId, drug_name: name, ...options } = body.data
    // undefined (an unknown drug) is returned but never cached, so adding the drug later needs no purge.
    const { value: analysis, status } = await cache.getOrSetWithStatus(drugAnalysisKey(name, options), () =>
      origin.run('drug_analysis', () => analyzeDrug({ drug_name: name, ...options })))
    const analysisId = givenId ?? randomUUID()
    await Promise.all([
      counters.recordRequest('drug_analysis', status !== 'miss'),
      analysis === undefined ? undefined : cache.set(userSessionKey(analysisId), { kind: 'drug_analysis', drug: name, at: new Date().toISOString() }),
    ])
    if (analysis === undefined) return c.json({ error: `no drug named '${name}' in the reference table` }, 404)
    return c.json({ analysis_id: analysisId, analysis, ...cacheReport(status, started) })
  })

  app.get('/info/:drug_name', async (c) => {
    const started = performance.now()
    const parsed = drugName.safeParse(c.req.param('drug_name'))
    if (!parsed.success) return c.json({ error: `drug_name ${describeIssues(parsed.error).replace(/^body: /, '')}` }, 400)
    const name = parsed.data
    const { value: info, status } = await cache.getOrSetWithStatus(drugInfoKey(name), () => origin.run('drug_info', () => lookUpDrugInfo(name)))
    await counters.recordRequest('drug_info', status !== 'miss')
    if (info === undefined) return c.json({ error: `no drug named '${name}' in the reference table` }, 404)
    return c.json({ info, ...cacheReport(status, started) })
  })

  return app
}
