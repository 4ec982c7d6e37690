/**
 * Generates the code sets the origin serves. Nothing here is a real code
 * description: CPT descriptions are AMA-copyrighted, so CPT entries are
 * CPT-shaped 5-digit numbers in the real section ranges with made-up text;
 * ICD-10 entries are ICD-10-CM-shaped (`E11.9`, `Z00.00`) with made-up text too,
 * because no public-domain code file could be fetched here (see README).
 */
import { draws, seedOf } from './seeded-random.js'

/** The two code systems. */
export type CodeType = 'cpt' | 'icd10'

/** One code as the origin stores it and the tools return it. */
export interface MedicalCode {
  readonly type: CodeType
  readonly code: string
  /** CPT: the section slug (`surgery`); ICD-10: the 3-character category (`E11`). */
  readonly category: string
  readonly description: string
  /** Always true: every description is generated. */
  readonly synthetic: true
}

/** CPT sections with the numeric ranges CPT uses for them. */
const CPT_SECTIONS = [
  { slug: 'anesthesia', from: 100, to: 1999, verbs: ['Anesthesia for procedure on', 'Anesthesia for imaging of'] },
  { slug: 'surgery', from: 10004, to: 69990, verbs: ['Excision', 'Repair', 'Incision', 'Biopsy', 'Arthroscopy', 'Graft'] },
  { slug: 'radiology', from: 70010, to: 79999, verbs: ['X-ray', 'CT scan', 'MRI', 'Ultrasound'] },
  { slug: 'pathology-lab', from: 80047, to: 89398, verbs: ['Panel', 'Assay', 'Culture', 'Cell count'] },
  { slug: 'medicine', from: 90281, to: 99199, verbs: ['Injection', 'Therapy session', 'Screening', 'Function test'] },
  { slug: 'evaluation-management', from: 99202, to: 99499, verbs: ['Office visit', 'Hospital visit', 'Consultation'] },
] as const

/** ICD-10-CM chapter letters (U is reserved for emergency use, so left out). */
const ICD10_LETTERS = 'ABCDEFGHIJKLMNOPQRSTVWXYZ'
const SITES = ['knee', 'shoulder', 'chest', 'abdomen', 'spine', 'hand', 'skin', 'heart', 'lung', 'kidney', 'liver', 'eye', 'ear', 'blood', 'hip']
const CONDITIONS = ['Inflammation', 'Disorder', 'Injury', 'Infection', 'Degeneration', 'Lesion', 'Deficiency', 'Obstruction']
const QUALIFIERS = ['acute', 'chronic', 'left side', 'right side', 'unspecified', 'recurrent', 'initial encounter']

/** Codes the seed and the README name, always present whatever the set size. */
export const FEATURED_CPT = ['99213', '99214', '99203', '93000', '80053', '85025', '71046', '36415'] as const
/** ICD-10-shaped codes always present; `Z00.00` is the seed's example. */
export const FEATURED_ICD10 = ['Z00.00', 'E11.9', 'I10', 'J06.9', 'M54.5', 'R51.9'] as const

function cptEntry(code: string): MedicalCode {
  const value = Number(code)
  // Every generated or featured code lies in a section; surgery is only a type-level fallback.
  const section = CPT_SECTIONS.find((candidate) => value >= candidate.from && value <= candidate.to) ?? CPT_SECTIONS[1]
  const random = draws(value + 1)
  const description = `${random.pick(section.verbs)}, ${random.pick(SITES)} (synthetic CPT-shaped entry)`
  return { type: 'cpt', code, category: section.slug, description, synthetic: true }
}

function icd10Entry(code: string): MedicalCode {
  const random = draws(seedOf(code))
  const description = `${random.pick(CONDITIONS)} of ${random.pick(SITES)}, ${random.pick(QUALIFIERS)} (synthetic ICD-10-shaped entry)`
  return { type: 'icd10', code, category: code.slice(0, 3), description, synthetic: true }
}

/** The 5-digit code at `offset` within the sections' ranges laid end to end. */
function cptAtOffset(offset: number): string {
  let rest = offset
  for (const section of CPT_SECTIONS) {
    const size = section.to - section.from + 1
    if (rest < size) return String(section.from + rest).padStart(5, '0')
    rest -= size
  }
  throw new RangeError(`offset ${offset} is past the last CPT section`)
}

/** Exactly `count` CPT-shaped codes (the featured ones first), spread evenly over the sections' ranges. */
export function generateCptCodes(count: number): MedicalCode[] {
  const total = CPT_SECTIONS.reduce((sum, section) => sum + section.to - section.from + 1, 0)
  const wanted = Math.min(count, total)
  const codes = new Set<string>(FEATURED_CPT.slice(0, wanted))
  for (let index = 0; index < wanted && codes.size < wanted; index++) codes.add(cptAtOffset(Math.floor((index * total) / wanted)))
  // Featured codes may have taken some of the evenly spaced slots: fill up from the start.
  for (let offset = 0; codes.size < wanted; offset++) codes.add(cptAtOffset(offset))
  return [...codes].map(cptEntry)
}

/** Exactly `count` ICD-10-shaped codes (`letter`, 2 digits, `.`, 1-2 digits), the featured ones first. */
export function generateIcd10Codes(count: number): MedicalCode[] {
  const codes = new Set<string>(FEATURED_ICD10.slice(0, count))
  for (let index = 0; codes.size < count; index++) {
    const letter = ICD10_LETTERS[index % ICD10_LETTERS.length] as string
    const rest = Math.floor(index / ICD10_LETTERS.length)
    const category = String(rest % 100).padStart(2, '0')
    const subcode = Math.floor(rest / 100)
    codes.add(`${letter}${category}.${subcode}`)
  }
  return [...codes].map(icd10Entry)
}

/**
 * Puts a user's spelling in the catalog's form: upper case, trimmed, and for
 * ICD-10 the dot after the category (`e119` becomes `E11.9`).
 */
export function normalizeCode(type: CodeType, input: string): string {
  const code = input.trim().toUpperCase()
  if (type === 'cpt') return code
  const bare = code.replace('.', '')
  return bare.length > 3 ? `${bare.slice(0, 3)}.${bare.slice(3)}` : bare
}
