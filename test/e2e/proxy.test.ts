/**
 * `mcp-cache proxy` end to end: the official v2 client, the gateway as a real
 * process, and an SDK v2 server that counts the calls it really executes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectThroughProxy, type ProxyClient } from '../helpers/proxy-client.js'

const policy = {
  tools: {
    update_record: { invalidates: ['get_record'] },
    send_email: { cache: false, dedupeWindow: '10s' },
  },
}

for (const era of ['legacy', 'auto'] as const) {
  describe(`proxy over stdio, ${era === 'legacy' ? '2025-11-25' : '2026-07-28'} client`, () => {
    let proxy: ProxyClient
    beforeAll(async () => {
      proxy = await connectThroughProxy({ era, config: policy })
    })
    afterAll(async () => {
      await proxy.close()
    })

    it('answers a repeated read-only call from the cache, marked in _meta', async () => {
      const first = await proxy.call('lookup_code', { code: 'Z00.00' })
      const second = await proxy.call('lookup_code', { code: 'Z00.00' })
      const other = await proxy.call('lookup_code', { code: 'z00.00' })
      expect(first).toMatchObject({ text: 'Z00.00: call 1', status: 'miss' })
      expect(second).toMatchObject({ text: 'Z00.00: call 1', status: 'hit' })
      expect(other).toMatchObject({ text: 'z00.00: call 2', status: 'miss' })
      expect((await proxy.counts())['lookup_code']).toBe(2)
    })

    it('never caches isError results or tools that are not read-only', async () => {
      expect(await proxy.call('fail_lookup')).toMatchObject({ isError: true, status: 'miss' })
      expect(await proxy.call('fail_lookup')).toMatchObject({ isError: true, status: 'miss' })
      const counts = await proxy.counts()
      expect(counts['fail_lookup']).toBe(2)
      expect((await proxy.call('update_record', { id: 'r0', text: 'x' })).status).toBe('bypass')
    })

    it('drops the results a write tool invalidates', async () => {
      expect(await proxy.call('get_record', { id: 'r1' })).toMatchObject({ text: 'first version (call 1)', status: 'miss' })
      expect(await proxy.call('get_record', { id: 'r1' })).toMatchObject({ status: 'hit' })
      expect(await proxy.call('update_record', { id: 'r1', text: 'second version' })).toMatchObject({ status: 'bypass' })
      expect(await proxy.call('get_record', { id: 'r1' })).toMatchObject({ text: 'second version (call 2)', status: 'miss' })
    })

    it('answers a repeat within the dedupe window with the first result', async () => {
      const first = await proxy.call('send_email', { to: 'a@example.org' })
      const repeat = await proxy.call('send_email', { to: 'a@example.org' })
      expect(repeat.text).toBe(first.text)
      expect((await proxy.counts())['send_email']).toBe(1)
    })

    it('makes one upstream call for identical calls in flight, with progress for the caller that asked', async () => {
      const progress: number[] = []
      const calls = await Promise.all([
        proxy.client.callTool({ name: 'slow_lookup', arguments: { q: 'x' } }, { onprogress: (event) => progress.push(event.progress) }),
        ...Array.from({ length: 4 }, () => proxy.client.callTool({ name: 'slow_lookup', arguments: { q: 'x' } })),
      ])
      const texts = calls.map((result) => (result.content as Array<{ text: string }>)[0]?.text)
      expect(new Set(texts)).toStrictEqual(new Set(['x: slow call 1']))
      expect((await proxy.counts())['slow_lookup']).toBe(1)
      expect(progress).toStrictEqual([1, 2, 3])
    })

    // The v2 client caches lists itself (SEP-2549); 'refresh' makes it ask the gateway every time.
    const fresh = { cacheMode: 'refresh' } as const

    it('keeps the upstream call for the other waiters when one cancels, and cancels it when all do', async () => {
      const originator = new AbortController()
      const first = proxy.client.callTool({ name: 'slow_lookup', arguments: { q: 'c1' } }, { signal: originator.signal }).catch((error: unknown) => error)
      await new Promise((resolve) => setTimeout(resolve, 20))
      const others = [1, 2].map(() => proxy.client.callTool({ name: 'slow_lookup', arguments: { q: 'c1' } }))
      await new Promise((resolve) => setTimeout(resolve, 50))
      originator.abort()
      expect(await first).toBeInstanceOf(Error)
      const texts = (await Promise.all(others)).map((result) => (result.content as Array<{ text: string }>)[0]?.text)
      expect(texts).toStrictEqual(['c1: slow call 2', 'c1: slow call 2'])
      const everyone = [new AbortController(), new AbortController()]
      const abandoned = everyone.map((controller) =>
        proxy.client.callTool({ name: 'slow_lookup', arguments: { q: 'c2' } }, { signal: controller.signal }).catch((error: unknown) => error),
      )
      await new Promise((resolve) => setTimeout(resolve, 50))
      for (const controller of everyone) controller.abort()
      await Promise.all(abandoned)
      await new Promise((resolve) => setTimeout(resolve, 100))
      const counts = await proxy.counts()
      expect(counts['slow_lookup']).toBe(3)
      expect(counts['slow_lookup_cancelled']).toBe(1)
    })

    it('caches lists and reads', async () => {
      expect((await proxy.client.listTools(undefined, fresh))._meta?.['mcp-cache/status']).toBe('miss')
      expect((await proxy.client.listTools(undefined, fresh))._meta?.['mcp-cache/status']).toBe('hit')
      const read1 = await proxy.client.readResource({ uri: 'notes://main' }, fresh)
      const read2 = await proxy.client.readResource({ uri: 'notes://main' }, fresh)
      expect(read2.contents).toStrictEqual(read1.contents)
      expect(read2._meta?.['mcp-cache/status']).toBe('hit')
      expect((await proxy.counts())['read_notes']).toBe(1)
    })

    // 2025-11-25 servers push list_changed unprompted; 2026-07-28 servers only on a
    // subscriptions/listen stream, so there the list stays cached for its ttlMs, as the spec allows.
    it(era === 'legacy' ? 'drops the cached tool list before list_changed arrives: a client that re-lists on it gets the new list' : 'keeps the tool list for its ttlMs when no change notification comes', async () => {
      await proxy.client.listTools(undefined, fresh)
      expect((await proxy.client.listTools(undefined, fresh))._meta?.['mcp-cache/status']).toBe('hit')
      if (era === 'legacy') {
        const relisted = new Promise<Awaited<ReturnType<typeof proxy.client.listTools>>>((resolve, reject) => {
          proxy.client.setNotificationHandler('notifications/tools/list_changed', () => {
            proxy.client.listTools(undefined, fresh).then(resolve, reject)
          })
        })
        await proxy.call('add_tool')
        const after = await relisted
        expect(after.tools.map((tool) => tool.name)).toContain('extra')
        expect(after._meta?.['mcp-cache/status']).toBe('miss')
      } else {
        await proxy.call('add_tool')
        const after = await proxy.client.listTools(undefined, fresh)
        expect(after.tools.map((tool) => tool.name)).not.toContain('extra')
        expect(after._meta?.['mcp-cache/status']).toBe('hit')
      }
    })

    it('passes prompts through unchanged', async () => {
      const prompt = await proxy.client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } })
      expect(prompt.messages[0]?.content).toStrictEqual({ type: 'text', text: 'Say hi to Ada' })
    })
  })
}

describe('proxy and resources/updated (2025-11-25 subscriptions)', () => {
  it('drops a cached read before the notification arrives: a client that re-reads on it gets the new text', async () => {
    // touch_notes changes nothing cached by its rule: only the notification can drop the read.
    const proxy = await connectThroughProxy({ config: { tools: { touch_notes: { invalidates: [] } } } })
    const fresh = { cacheMode: 'refresh' } as const
    await proxy.client.subscribeResource({ uri: 'notes://main' })
    const text = async () => ((await proxy.client.readResource({ uri: 'notes://main' }, fresh)).contents[0] as { text: string }).text
    expect(await text()).toBe('notes v1, read 1')
    expect(await text()).toBe('notes v1, read 1')
    const reread = new Promise<string>((resolve, reject) => {
      proxy.client.setNotificationHandler('notifications/resources/updated', () => {
        text().then(resolve, reject)
      })
    })
    await proxy.call('touch_notes')
    expect(await reread).toBe('notes v2, read 2')
    await proxy.close()
  })
})
