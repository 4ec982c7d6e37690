/** Resident memory of a process tree, for the session benchmarks (Linux /proc). */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Resident set of a process and its descendants, in MB. */
export function residentMb(pid: number): number {
  let total = 0
  for (const id of [pid, ...descendants(pid)]) {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${id}/status`, 'utf8'))
    total += Number(match?.[1] ?? 0)
  }
  return total / 1024
}

function descendants(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number).flatMap((child) => [child, ...descendants(child)])
  } catch {
    return [] // pgrep exits 1 when there are none
  }
}
