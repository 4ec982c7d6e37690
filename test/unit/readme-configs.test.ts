/** The config examples in README.md are valid configs: a newcomer who copies one gets a gateway, not an error. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { parseGatewayConfig } from '../../src/mcp/gateway-config.js'

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')
const gatewayConfigs = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] as string).filter((text) => /^(defaults|tools|auth):/m.test(text))

describe('README gateway config examples', () => {
  it('finds the examples (the general one, invalidation rules, the JWT and tenant one)', () => {
    expect(gatewayConfigs.length).toBeGreaterThanOrEqual(3)
    expect(gatewayConfigs.some((text) => text.includes('tenantClaim'))).toBe(true)
  })

  it.each(gatewayConfigs.map((text, index) => [index, text]))('example %i is a valid gateway config', (_index, text) => {
    expect(() => parseGatewayConfig(parse(text), 'README example')).not.toThrow()
  })
})
