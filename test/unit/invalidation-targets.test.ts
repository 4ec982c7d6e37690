import { describe, expect, it } from 'vitest'
import { parseGatewayConfig } from '../../src/mcp/gateway-config.js'
import { InvalidationPlan, listGenerations, notificationGenerations } from '../../src/mcp/gateway/invalidation.js'
import { argumentGeneration, DATA_GENERATION, parseTarget, targetGenerations, toolGeneration } from '../../src/mcp/invalidation-targets.js'

describe('invalidation targets', () => {
  it('parses bare tools, bound arguments and renamed arguments', () => {
    expect(parseTarget('get_issue')).toStrictEqual({ tool: 'get_issue', bindings: [] })
    expect(parseTarget('get_issue{id}')).toStrictEqual({ tool: 'get_issue', bindings: [{ read: 'id', write: 'id' }] })
    expect(parseTarget('get_patient{dfn=patient_id}')).toStrictEqual({ tool: 'get_patient', bindings: [{ read: 'dfn', write: 'patient_id' }] })
    expect(parseTarget('get_page{ repo , path=file }')).toStrictEqual({ tool: 'get_page', bindings: [{ read: 'path', write: 'file' }, { read: 'repo', write: 'repo' }] })
  })

  it('refuses malformed targets with a message that shows the accepted forms', () => {
    for (const bad of ['{id}', 'get_issue{', 'get_issue{}', 'get_issue{a=b=c}', 'get_issue{id,id}', 'get_issue{id}x']) {
      expect(() => parseTarget(bad), bad).toThrow(/get_issue|binding|twice|target/)
    }
    expect(() => parseGatewayConfig({ tools: { update_issue: { invalidates: ['get_issue{id=}'] } } })).toThrow(/tools\.update_issue\.invalidates\.0.*\{read_name=write_name\}/s)
  })

  it('bumps the entries of the written values and of reads that lacked them; the whole tool when the write lacks one', () => {
    const target = parseTarget('get_issue{id}')
    expect(targetGenerations(target, { id: 7, text: 'x' })).toStrictEqual([argumentGeneration('get_issue', ['id'], [7]), argumentGeneration('get_issue', ['id'], undefined)])
    expect(targetGenerations(target, { text: 'x' })).toStrictEqual([toolGeneration('get_issue')])
    expect(targetGenerations(parseTarget('get_issue'), { id: 7 })).toStrictEqual([toolGeneration('get_issue')])
    // 7 and "7" name one record; 7 and 8 do not.
    expect(argumentGeneration('get_issue', ['id'], [7])).toBe(argumentGeneration('get_issue', ['id'], ['7']))
    expect(argumentGeneration('get_issue', ['id'], [7])).not.toBe(argumentGeneration('get_issue', ['id'], [8]))
  })
})

describe('invalidation plan', () => {
  const config = parseGatewayConfig({
    tools: {
      update_issue: { invalidates: ['get_issue{id}', 'list_issues{repo}'] },
      update_patient: { invalidates: ['get_patient{dfn=patient_id}'] },
      log_event: { invalidates: [] },
    },
  })
  const plan = new InvalidationPlan(config)

  it('keys a read with the data, tool and bound-argument generations', () => {
    expect(plan.readGenerations('get_issue', { id: 7 })).toStrictEqual([DATA_GENERATION, toolGeneration('get_issue'), argumentGeneration('get_issue', ['id'], [7])])
    expect(plan.readGenerations('get_issue', {})).toStrictEqual([DATA_GENERATION, toolGeneration('get_issue'), argumentGeneration('get_issue', ['id'], undefined)])
    expect(plan.readGenerations('lookup_code', { code: 'x' })).toStrictEqual([DATA_GENERATION, toolGeneration('lookup_code')])
  })

  it('drops what a rule names, nothing for a read or an empty rule, and all data for any other tool', () => {
    expect(plan.writeGenerations('update_patient', { patient_id: '42' }, false)).toStrictEqual(targetGenerations(parseTarget('get_patient{dfn=patient_id}'), { patient_id: '42' }))
    expect(plan.writeGenerations('update_patient', { patient_id: '42' }, false)).toContain(plan.readGenerations('get_patient', { dfn: 42 })[2])
    expect(plan.writeGenerations('log_event', {}, false)).toStrictEqual([])
    expect(plan.writeGenerations('lookup_code', {}, true)).toStrictEqual([])
    expect(plan.writeGenerations('write_file', {}, false)).toStrictEqual([DATA_GENERATION])
  })

  it('keys lists by their change notifications and resource data by writes', () => {
    expect(listGenerations('tools/list', {})).toStrictEqual(['list:tools/list'])
    expect(listGenerations('resources/list', {})).toStrictEqual([DATA_GENERATION, 'list:resources/list'])
    const read = listGenerations('resources/read', { uri: 'notes://main' })
    expect(read[0]).toBe(DATA_GENERATION)
    expect(notificationGenerations('notifications/resources/updated', { uri: 'notes://main' })).toStrictEqual([read[1]])
    expect(notificationGenerations('notifications/resources/list_changed', undefined)).toStrictEqual(['list:resources/list', 'list:resources/templates/list'])
    expect(notificationGenerations('notifications/progress', { progress: 1 })).toStrictEqual([])
  })
})
