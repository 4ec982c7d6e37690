import { describe, expect, it } from 'vitest'
import { GetBatcher } from '../../src/stores/get-batcher.js'

describe('GetBatcher', () => {
  it('answers every caller of a batch with its own key\u2019s value', async () => {
    const batcher = new GetBatcher(async (keys) => keys.map((key) => (key === 'missing' ? null : Buffer.from(`value of ${key}`))))
    const [a, missing, b] = await Promise.all([batcher.get('a'), batcher.get('missing'), batcher.get('b')])
    expect(a?.toString()).toBe('value of a')
    expect(missing).toBeNull()
    expect(b?.toString()).toBe('value of b')
  })

  it('fails every caller, none left waiting, when a reply is not one value per key (a connection out of step)', async () => {
    for (const reply of [null, [Buffer.from('only one')]] as unknown as Array<Array<Buffer | null>>) {
      const batcher = new GetBatcher(async () => reply)
      const outcomes = await Promise.allSettled([batcher.get('a'), batcher.get('b')])
      expect(outcomes.map((outcome) => outcome.status)).toStrictEqual(['rejected', 'rejected'])
      expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/redis MGET of 2 keys answered/)
    }
  })
})
