/** The seed's patient key (`patient:v1:{station}:{dfn}:{duz}`), one per record, 50 users. */
export function patientKey(i: number): string {
  return `patient:v1:500:${i}:duz${i % 50}`
}
