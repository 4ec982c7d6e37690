/** Secrets in every shape they reach a log line, an error or an answer: each one is removed. */
import { describe, expect, it } from 'vitest'
import { createDefaultLogger } from '../../src/log/logger.js'
import { redactSecrets, redactorFor, secretsOfUrl, upstreamDisplayName } from '../../src/log/redact.js'

/** [text with the secret S3CR3T-VALUE in it, what must remain readable]. */
const SECRET = 'S3CR3T-VALUE'
const FORMS: ReadonlyArray<readonly [string, string]> = [
  // URL user info
  [`redis://default:${SECRET}@cache.internal:6379/0`, 'redis://default:***@cache.internal:6379/0'],
  [`rediss://:${SECRET}@cache:6380`, 'rediss://:***@cache:6380'],
  [`redis://${SECRET}@cache:6379`, 'redis://***@cache:6379'],
  [`redis://:p@ss${SECRET}@h:6379`, 'redis://:***@h:6379'], // a raw @ in the password
  [`redis://app:Sup3r/Se?cr#et${SECRET}@host:6379`, 'redis://app:***@host:6379'],
  [`https://user:${SECRET}@mcp.example.com/mcp`, 'https://user:***@mcp.example.com/mcp'],
  // query parameters
  [`http://h/mcp?access_token=${SECRET}&page=2`, 'http://h/mcp?access_token=***&page=2'],
  [`http://h/mcp?auth_token=${SECRET}`, 'auth_token=***'],
  [`http://h/cb?client_secret=${SECRET}`, 'client_secret=***'],
  [`http://h/x?key=${SECRET}`, 'key=***'],
  [`https://blob.example.net/c/b?sv=2024&sig=${SECRET}`, 'sv=2024&sig=***'],
  [`http://h/x?sessionToken=${SECRET}`, 'sessionToken=***'],
  [`http://h/x?refresh_token=${SECRET}`, 'refresh_token=***'],
  [`https://s3/b?X-Amz-Signature=${SECRET}&X-Amz-Credential=${SECRET}`, 'X-Amz-Signature=***&X-Amz-Credential=***'],
  [`http://h/x?apikey=${SECRET}`, 'apikey=***'],
  // headers, as printed or echoed
  [`Authorization: Bearer ${SECRET}`, 'Authorization: ***'],
  [`{"authorization":"Basic ${SECRET}"}`, '{"authorization":"***"}'],
  [`authorization=DPoP ${SECRET}`, 'authorization=***'],
  [`sent Bearer ${SECRET}xyz to the upstream`, 'sent Bearer *** to the upstream'],
  [`Cookie: session=${SECRET}`, 'Cookie: ***'],
  [`sent bearer ${SECRET} along`, 'sent bearer *** along'],
  [`postgres://user:${'p'.repeat(300)}${SECRET}@db:5432`, 'postgres://user:***@db:5432'], // a long password
  [`{\\"password\\":\\"${SECRET}\\"}`, '{\\"password\\":\\"***\\"}'], // escaped JSON
  [`"password":"correct horse ${SECRET} staple"`, '"password":"***"'], // a quoted value with spaces
  [`{"token":"abc,${SECRET}","next":1}`, '{"token":"***","next":1}'],
  [`Cookie: theme=dark; sessionid=${SECRET}`, 'Cookie: ***'], // a whole cookie header
  [`Authorization: Bot ${SECRET}`, 'Authorization: ***'], // any scheme
  [`PGPASSWORD=${SECRET} psql`, 'PGPASSWORD=*** psql'],
  [`password1=${SECRET}&tokens=${SECRET}`, 'password1=***&tokens=***'],
  [`redirect=https%3A%2F%2Fuser%3A${SECRET}%40host%2Fcb`, 'https%3A%2F%2Fuser%3A***%40host'],
  [`WWW-Authenticate failed for Digest username="u", response="${SECRET}"`, 'for Digest ***'],
  // config dumps and error messages
  [`password=${SECRET} retry`, 'password=*** retry'],
  [`upstream url=https://h/mcp?token=${SECRET} failed`, 'url=https://h/mcp?token=*** failed'], // a pair inside another's value
  [`{"password": "${SECRET}"}`, '{"password": "***"}'],
  [`token: ${SECRET}`, 'token: ***'],
  [`WRONGPASS for redis.password=${SECRET}`, 'redis.password=***'],
  [`api-key=${SECRET}`, 'api-key=***'],
]

describe('redactSecrets', () => {
  it.each(FORMS)('removes the secret from %s', (text, kept) => {
    const redacted = redactSecrets(text)
    expect(redacted).not.toContain(SECRET)
    expect(redacted).toContain(kept)
  })

  it('leaves text without secrets alone', () => {
    for (const text of ['redis://localhost:6379/0', 'exited with code 1', '{"code":-32000,"message":"x"}', 'keyHash=abc', 'https://registry.npmjs.org/@scope%2fpkg', 'https://registry.npmjs.org:443/@scope/pkg', 'http://h:8080/mcp?email=bob@x.com', 'GET /keys?count=100&cursor=0', 'author: Jane, monkey: banana, bypass: 3', 'Unrecognized key: "id"']) {
      expect(redactSecrets(text)).toBe(text)
    }
  })
})

describe('the redactor of an upstream URL', () => {
  const url = `http://svc:${SECRET}pw@10.0.0.5:8080/mcp?format=json&access_token=${SECRET}a`
  const redact = redactorFor(secretsOfUrl(url))

  it('removes the URL, its password and secret-named query values wherever they appear, even in no recognisable shape', () => {
    for (const text of [`could not reach ${url}`, `echo: /mcp?format=json&access_token=${SECRET}a`, `token ${SECRET}a was refused`, `pw was ${SECRET}pw`]) {
      expect(redact(text)).not.toContain(SECRET)
    }
    expect(redact('content-type: application/json')).toBe('content-type: application/json') // other query values are no secrets
  })

  it('removes the Basic credentials made of its user info, should the upstream echo them', () => {
    expect(redactorFor(secretsOfUrl(`https://svc:${SECRET}@h/mcp`))(`got authorization ${Buffer.from(`svc:${SECRET}`).toString('base64')}`)).not.toMatch(/c3Zj/)
  })

  it('removes a secret that straddles the 16 KB cut', () => {
    const text = `${'x'.repeat(16_380)} password=${SECRET} ${'y'.repeat(100)}`
    expect(redactSecrets(text)).not.toContain(SECRET.slice(0, 3))
    expect(redactSecrets(text)).toContain('more characters cut')
  })

  it('takes a raw % in a password as it is', () => {
    expect(redactorFor(secretsOfUrl(`https://u:50%off${SECRET}@h/mcp`))(`pw 50%off${SECRET}`)).not.toContain(SECRET)
  })

  it('names the upstream by origin, program or configured name, never by path, query or credentials', () => {
    expect(upstreamDisplayName(url)).toBe('http://10.0.0.5:8080')
    expect(upstreamDisplayName('stdio:/usr/bin/node /srv/server.js --api-key sk-123')).toBe('stdio:node')
    expect(upstreamDisplayName(url, 'billing')).toBe('billing')
  })
})

describe('the default logger', () => {
  it('redacts every string of a line: message, fields and errors', () => {
    const lines: string[] = []
    const logger = createDefaultLogger('debug', redactorFor([`${SECRET}-known`]), { write: (line: string) => void lines.push(line) })
    logger.warn({ url: `redis://u:${SECRET}@h`, detail: `token=${SECRET}`, err: new Error(`Authorization: Bearer ${SECRET}`) }, `connect redis://:${SECRET}@h failed`)
    logger.info(`saw ${SECRET}-known in a reply`)
    logger.error(new Error(`password=${SECRET}`))
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(line).not.toContain(SECRET)
    expect(lines.join('')).toContain('Authorization: ***')
  })
})
