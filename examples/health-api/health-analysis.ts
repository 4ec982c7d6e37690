/**
 * The "AI" health analysis: a deterministic rule table, so the example needs
 * no network and every run of one request gives the same answer. Illustrative
 * only, not medical advice.
 */
import type { DrugTable } from './drug-catalog.js'

/** What the analysis reads: the normalized request without its session id. */
export interface HealthAnalysisInput {
  readonly symptoms: readonly string[]
  readonly medications: readonly string[]
  readonly age?: number | undefined
  readonly sex?: string | undefined
  readonly duration_days?: number | undefined
}

/** One flagged pair of medications. */
export interface MedicationInteraction {
  readonly drugs: readonly [string, string]
  readonly note: string
}

/** The analysis result the endpoint returns and caches. */
export interface HealthAnalysis {
  readonly possible_conditions: ReadonlyArray<{ readonly name: string; readonly score: number }>
  readonly urgency: 'routine' | 'soon' | 'urgent'
  readonly medication_interactions: readonly MedicationInteraction[]
  readonly summary: string
}

/** Symptoms each condition is known by, for a simple overlap score. */
const CONDITIONS: Readonly<Record<string, readonly string[]>> = {
  'common cold': ['cough', 'runny nose', 'sore throat', 'sneezing'],
  influenza: ['fever', 'cough', 'muscle aches', 'fatigue', 'headache'],
  migraine: ['headache', 'nausea', 'sensitivity to light'],
  gastroenteritis: ['nausea', 'vomiting', 'diarrhea', 'abdominal pain', 'fever'],
  'allergic rhinitis': ['sneezing', 'runny nose', 'itchy eyes'],
}

/** Symptoms that always make the answer urgent. */
const RED_FLAGS = new Set(['chest pain', 'shortness of breath', 'confusion', 'fainting'])

/** Pairs of the given medications that the drug table flags. */
export function findInteractions(table: DrugTable, medications: readonly string[]): MedicationInteraction[] {
  const found: MedicationInteraction[] = []
  for (const [i, first] of medications.entries()) {
    for (const second of medications.slice(i + 1)) {
      const note = table.find(first)?.interactions[second] ?? table.find(second)?.interactions[first]
      if (note !== undefined) found.push({ drugs: [first, second], note })
    }
  }
  return found
}

/** Scores conditions by symptom overlap and writes a short summary. */
export function analyzeHealth(input: HealthAnalysisInput, interactions: readonly MedicationInteraction[]): HealthAnalysis {
  const possible = Object.entries(CONDITIONS)
    .map(([name, known]) => ({ name, score: Math.round((known.filter((s) => input.symptoms.includes(s)).length / known.length) * 100) / 100 }))
    .filter((condition) => condition.score > 0)
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .slice(0, 3)
  const urgent = input.symptoms.some((symptom) => RED_FLAGS.has(symptom))
  const urgency = urgent ? 'urgent' : (input.duration_days ?? 0) > 7 || interactions.length > 0 ? 'soon' : 'routine'
  const leading = possible[0]?.name ?? 'no matching pattern'
  const summary = `${input.symptoms.length} symptom(s); most consistent with ${leading}; urgency ${urgency}` +
    (interactions.length > 0 ? `; ${interactions.length} medication interaction(s) to review` : '')
  return { possible_conditions: possible, urgency, medication_interactions: interactions, summary }
}
