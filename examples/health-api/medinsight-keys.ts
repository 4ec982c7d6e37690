/**
 * The seed's key names, built with mcp-cache's key helpers so every
 * user-supplied part (a session id, a drug name) is encoded and cannot
 * change the key's shape. The cache adds the `medinsight:` prefix.
 */
import { cacheKey, contentKey, hashContent } from 'mcp-cache'

/** `health_analysis:{request_hash}`: the same clinical content, in any key order, gives the same key. */
export function healthAnalysisKey(content: unknown): string {
  return contentKey('health_analysis', content)
}

/** `symptom:{session_id}:inputs`: the symptoms a session sent, for tracking. */
export function symptomInputsKey(sessionId: string): string {
  return cacheKey({ category: 'symptom', identifier: sessionId, subKey: 'inputs' })
}

/** `ai_summary:{session_id}`: the last summary written for a session. */
export function aiSummaryKey(sessionId: string): string {
  return cacheKey({ category: 'ai_summary', identifier: sessionId })
}

/** `medication_interactions:{med_key}`, where med_key names the (normalized, sorted) medications. */
export function medicationInteractionsKey(medications: readonly string[]): string {
  return cacheKey({ category: 'medication_interactions', identifier: medications.join('+') })
}

/**
 * `drug_analysis:{normalized_drug_name}`, the seed's key, for a request that names
 * only the drug. Fields that change the answer (age, conditions, other medications)
 * add a sub_key, the hash of those fields, `drug_analysis:{name}:{options_hash}`, so
 * two different questions about one drug never share an entry and the plain key
 * always holds the plain answer. Any option the request gains later joins the hash.
 */
export function drugAnalysisKey(drugName: string, options: Readonly<Record<string, unknown>>): string {
  const plain = Object.values(options).every((value) => value === undefined || (Array.isArray(value) && value.length === 0))
  return plain
    ? cacheKey({ category: 'drug_analysis', identifier: drugName })
    : cacheKey({ category: 'drug_analysis', identifier: drugName, subKey: hashContent(options) })
}

/** `drug_info:{normalized_drug_name}`: basic reference information. */
export function drugInfoKey(drugName: string): string {
  return cacheKey({ category: 'drug_info', identifier: drugName })
}

/** `user:{analysis_id}:session`: the record the admin API's `/session/{id}` reads. */
export function userSessionKey(analysisId: string): string {
  return cacheKey({ category: 'user', identifier: analysisId, subKey: 'session' })
}

/** `user:{user_id}:preferences`: the seed's `get_user_preferences(user_id)`; the `user` category's TTL. */
export function userPreferencesKey(userId: string): string {
  return cacheKey({ category: 'user', identifier: userId, subKey: 'preferences' })
}

/** The counters the seed tracks, `usage:{endpoint}:{event}` and `errors:{endpoint}:failures`. */
export function counterKey(kind: 'usage' | 'errors', endpoint: string, event: string): string {
  return cacheKey({ category: kind, identifier: endpoint, subKey: event })
}
