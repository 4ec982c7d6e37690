/** The write guard's bookkeeping (logic only): what a load may write, and that it forgets when idle. */
import { describe, expect, it } from 'vitest'
import { WriteGuard } from '../../src/cache/write-guard.js'

describe('WriteGuard', () => {
  it('refuses writes a key, tag or pattern change overtook, and only those', () => {
    const guard = new WriteGuard()
    guard.begin()
    const since = guard.epoch
    guard.keysChanged(['p:a'])
    guard.tagsChanged(['p:~tag:t'])
    guard.patternChanged('p:user\\:7*')
    expect(guard.unchangedSince('p:a', [], since)).toBe(false)
    expect(guard.unchangedSince('p:b', ['p:~tag:t'], since)).toBe(false)
    expect(guard.unchangedSince('p:user:77', [], since)).toBe(false)
    expect(guard.unchangedSince('p:b', ['p:~tag:u'], since)).toBe(true)
    // A load that started after the changes is not concerned by them.
    expect(guard.unchangedSince('p:a', ['p:~tag:t'], guard.epoch)).toBe(true)
    guard.end()
  })

  it('forgets the details once no load runs: a value still on its way skips its write, new loads write', () => {
    const guard = new WriteGuard()
    guard.begin()
    const late = guard.epoch
    guard.keysChanged(['p:a'])
    guard.end()
    expect(guard.unchangedSince('p:other', [], late)).toBe(false)
    guard.begin()
    expect(guard.unchangedSince('p:a', [], guard.epoch)).toBe(true)
    guard.end()
  })
})
