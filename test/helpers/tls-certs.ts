/** A throwaway CA and a server certificate for 127.0.0.1, made with openssl for TLS tests. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Paths (and the CA's PEM) of a fresh CA and a server certificate signed by it. */
export interface TestCertificates {
  readonly dir: string
  readonly caFile: string
  readonly certFile: string
  readonly keyFile: string
  readonly caPem: Buffer
}

/** Makes a CA and a server certificate valid for `127.0.0.1` and `localhost`. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-cache-tls-'))
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=mcp-cache test CA', '-keyout', 'ca.key', '-out', 'ca.crt')
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr')
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1,DNS:localhost" > ext.cnf'], { cwd: dir })
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.crt')
  const caFile = join(dir, 'ca.crt')
  return { dir, caFile, certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), caPem: readFileSync(caFile) }
}
