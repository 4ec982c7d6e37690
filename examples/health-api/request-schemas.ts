/**
 * What the API accepts, validated with zod at the edge. Free-text parts are
 * trimmed, lower-cased, de-duplicated and sorted here, and the analysis reads
 * only these normalized values: so normalizing before hashing can never make
 * two different questions share a cache entry, and `["Cough","fever"]` and
 * `["fever","cough"]` do share one.
 */
import * as z from 'zod'

const term = z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters')
  .regex(/^[\p{L}\p{N} .,'()/-]+$/u, 'may hold letters, digits, spaces and . , \' ( ) / - only')
  .transform((text) => text.toLowerCase().replace(/\s+/g, ' '))

const termList = (max: number) => z.array(term).max(max, `must hold at most ${max} items`)
  .transform((items) => [...new Set(items)].sort())

/** A session or analysis id chosen by the client: short, printable, no spaces. */
const sessionId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')

/** Body of `POST /api/v1/analyze-health`. */
export const healthAnalysisRequest = z.object({
  session_id: sessionId.optional(),
  symptoms: termList(20).refine((items) => items.length > 0, 'must list at least one symptom'),
  age: z.number().int('must be a whole number').min(0).max(120).optional(),
  sex: z.enum(['female', 'male', 'other']).optional(),
  duration_days: z.number().int('must be a whole number').min(0).max(3650).optional(),
  medications: termList(20).default([]),
}).strict()

/** A validated, normalized health analysis request. */
export type HealthAnalysisRequest = z.infer<typeof healthAnalysisRequest>

/** A drug name as it appears in a path or body; normalized to lower case. */
export const drugName = term

/** Body of `POST /api/v1/drug/analyze`. */
export const drugAnalysisRequest = z.object({
  drug_name: drugName,
  analysis_id: sessionId.optional(),
  age: z.number().int('must be a whole number').min(0).max(120).optional(),
  conditions: termList(20).default([]),
  other_medications: termList(20).default([]),
}).strict()

/** A validated, normalized drug analysis request. */
export type DrugAnalysisRequest = z.infer<typeof drugAnalysisRequest>

/** A user id in a path: the same shape as a session id. */
export const userId = sessionId

/** Body of `PUT /api/v1/users/{user_id}/preferences`: the settings kept per user; omitted ones are unset. */
export const userPreferences = z.object({
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/, 'must be a language tag such as en or pt-BR').optional(),
  units: z.enum(['metric', 'imperial']).optional(),
  notifications: z.boolean().optional(),
}).strict()

/** Validated user preferences. */
export type UserPreferences = z.infer<typeof userPreferences>

/** One line per problem, each naming the field: `symptoms.0: must not be empty`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')
}
