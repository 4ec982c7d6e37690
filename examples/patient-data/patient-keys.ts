/**
 * The cache keys of patient data, built in this one place. The demographics key
 * is exactly the seed's `patient:v1:{station}:{dfn}:{user_duz}` (stored as
 * `mcp:patient:v1:...` under the cache's default prefix); medications and labs
 * add a sub-key after the user: `patient:v1:{station}:{dfn}:{user_duz}:meds`.
 * The user's DUZ is part of every key, so one user's entry is never another's.
 */
import { cacheKey, escapeGlob } from 'mcp-cache'

/** Which slice of a patient's record a key holds. */
export type PatientSlice = 'demographics' | 'meds' | 'labs'

const CATEGORY = 'patient'
/** Bump to orphan every cached entry after the record shape changes. */
const VERSION = 'v1'

/** The key of one slice of one patient's record, as seen by one user. */
export function patientKey(station: string, dfn: string, userDuz: string, slice: PatientSlice): string {
  // The DUZ is the last identifier segment (not cacheKey's `user`, which would add `u.`): that keeps the seed's layout.
  const identifier = [station, dfn, userDuz]
  return slice === 'demographics'
    ? cacheKey({ category: CATEGORY, version: VERSION, identifier })
    : cacheKey({ category: CATEGORY, version: VERSION, identifier, subKey: slice })
}

/**
 * The glob of every cached slice of one patient for every user:
 * `patient:v1:{station}:{dfn}:*`. The fixed part is escaped, so a station or
 * DFN can never widen the pattern to other patients.
 */
export function patientPattern(station: string, dfn: string): string {
  return `${escapeGlob(cacheKey({ category: CATEGORY, version: VERSION, identifier: [station, dfn] }))}:*`
}
