/**
 * `POST /api/v1/drug/analyze` (24 h under the seed's `drug_analysis:{name}`, with
 * a sub_key when the request carries options) and `GET /api/v1/drug/info/{drug_name}`
 * (basic information, kept without expiry and served while the
 * source's record has not changed and the copy is younger than DRUG_INFO_MAX_AGE).
 * Unknown drugs answer 404 and are not cached.
 */
import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { analyzeDrug, isCurrentAnalysis, lookUpDrugInfo } from './drug-analysis.js'
import { isCurrentInfo } from './drug-info-validation.js'
import { drugAnalysisKey, drugInfoKey, userSessionKey } from './medinsight-keys.js'
import { readBody } from './request-body.js'
import { describeIssues, drugAnalysisRequest, drugName } from './request-schemas.js'
import { cacheReport, type Services } from './services.js'

/** The drug routes, to mount under `/api/v1/drug`. */
export function drugRoutes({ cache, drugs, origin, counters, drugInfoMaxAgeMs }: Services): Hono {
  const app = new Hono()

  app.post('/analyze', async (c) => {
    const started = performance.now()
    const body = await readBody(c, drugAnalysisRequest)
    if (!body.ok) return body.response
    const { analysis_id: givenId, drug_name: name, ...options } = body.data
    const table = await drugs.current()
    // undefined (an unknown drug) is returned but never cached, so adding the drug later needs no purge.
    const request = { drug_name: name, ...options }
    const { value: analysis, status } = await cache.getOrSetWithStatus(
      drugAnalysisKey(name, options),
      () => origin.run('drug_analysis', () => analyzeDrug(table, request)),
      { accept: (cached) => isCurrentAnalysis(cached, table, request) },
    )
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
    // The cheap half of timestamp validation: the source's record version, without fetching the record.
    const table = await drugs.current()
    const record = table.find(name)
    if (record === undefined) {
      await counters.recordRequest('drug_info', false)
      return c.json({ error: `no drug named '${name}' in the reference table` }, 404)
    }
    const { value: info, status } = await cache.getOrSetWithStatus(
      drugInfoKey(name),
      () => origin.run('drug_info', () => lookUpDrugInfo(table, name)),
      { accept: (cached) => isCurrentInfo(cached, record, drugInfoMaxAgeMs) },
    )
    await counters.recordRequest('drug_info', status !== 'miss')
    if (info === undefined) return c.json({ error: `no drug named '${name}' in the reference table` }, 404)
    return c.json({ info, ...cacheReport(status, started) })
  })

  return app
}
