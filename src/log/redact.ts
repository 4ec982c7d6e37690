/**
 * Removes credentials from text before it is printed or returned: URL user
 * info (`redis://user:secret@host` -> `redis://user:***@host`), secret-named
 * `name=value` pairs (query strings, headers, config dumps) and
 * `Authorization` schemes (`Bearer abc...` -> `Bearer ***`). Used on every URL,
 * config and error message we log or return, and by the logger on every line.
 *
 * The text may come from an attacker (an error that quotes a request), so
 * every pattern starts only where a run of its characters starts (a
 * lookbehind, not `\b`) and bounds what it scans: matching stays linear in the
 * text, and text past {@link MAX_REDACTED_LENGTH} is cut first.
 */

/** Longest text redacted and printed; the rest is cut (a 4 MB message is no better a log line than its start). */
const MAX_REDACTED_LENGTH = 16_384

/**
 * `scheme://user:password@`, where the password runs to the last `@` of the
 * URL's token (at most 1024 characters), so a raw `@`, `/`, `?` or `#` in it
 * (`redis://:p@ss@h`) is covered too, unless what follows the colon is a port
 * (`host:443/@scope/pkg`); or a lone credential `scheme://secret@`. Also
 * percent-encoded, as a URL inside another URL's query is (`https%3A%2F%2Fu%3Apw%40h`).
 */
const URL_USER_INFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/)(?:([^\s"'<>@/?#:]{0,256}):(?!\d{1,5}(?:[/?#\s"'<>]|$))[^\s"'<>]{0,1024}@|[^\s"'<>@/?#:]{1,256}@)/gi
const ENCODED_USER_INFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}%3A%2F%2F)([^\s"'<>@/?#:%]{0,256})%3A[^\s"'<>]{0,1024}%40/gi
/**
 * A name and a separator: `access_token=`, `"password": "`, `\"token\":\"`,
 * `Authorization: `. Only these are taken in a first pass (a secret-named one
 * gets a marker saying how its value is quoted), never the value, so that a
 * pair inside another pair's value (`url=https://h/?token=abc`) is still seen.
 */
const NAME_SEPARATOR = /(?<![\w.-])([\w.-]{1,128})(\\?["']?\s{0,8}[=:]\s{0,8}(\\?["'])?)/g
/** Stands for a secret value until the second pass removes it; no text we print holds these characters. */
const MARK = '\u0000\u0001'
/** Values after a marker, by how they are quoted: to the closing quote, to the end of the line (a whole header), or one token. */
const MARKED_VALUES: ReadonlyArray<readonly [string, RegExp]> = [
  ['"', new RegExp(`${MARK}"(?:[^"\\\\]|\\\\.){0,4096}`, 'g')],
  ['\\"', new RegExp(`${MARK}\\\\"[^"\\\\]{0,4096}`, 'g')],
  ["'", new RegExp(`${MARK}'[^'\\n]{0,4096}`, 'g')],
  ['line', new RegExp(`${MARK}line[^\\r\\n]{0,4096}`, 'g')],
  ['', new RegExp(`${MARK}(?:(?:Bearer|Basic|DPoP|Token|Negotiate)\\s+)?[^\\s"',;&<>]{0,4096}`, 'gi')],
]
/** The last word of a name (split at `_ . -` and camelCase, digits dropped) that makes its value a secret. */
const SECRET_WORDS = new Set(['password', 'passwd', 'passphrase', 'pass', 'pwd', 'secret', 'token', 'key', 'apikey', 'sig', 'signature', 'auth', 'authorization', 'credential', 'credentials', 'cookie'])
/** Words that end an all-capital name (`PGPASSWORD`), long enough not to end ordinary ones (`MONKEY`). */
const SECRET_SUFFIXES = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'signature', 'credential', 'credentials', 'cookie']
/** Headers whose whole value is a credential, whatever scheme or list it holds. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie'])
/** A credential after an auth scheme anywhere, e.g. a header quoted in a message; Digest's parameters run to the end of the line. */
const AUTH_SCHEME = /(?<![\w-])(Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/-]{8,}=*|(?<![\w-])(Digest)\s+[^\r\n]*/gi
/** How far past the cut text is redacted first, so a secret that straddles the cut loses its start too. */
const CUT_MARGIN = 4096

/** Returns `text` with URL credentials, secret-named values and auth-scheme credentials replaced by `***`. */
export function redactSecrets(text: string): string {
  return cut(redactPatterns(text.slice(0, MAX_REDACTED_LENGTH + CUT_MARGIN)), text.length)
}

function redactPatterns(text: string): string {
  let out = text
    .replace(URL_USER_INFO, (_, scheme: string, user: string | undefined) => (user === undefined ? `${scheme}***@` : `${scheme}${user}:***@`))
    .replace(ENCODED_USER_INFO, (_, scheme: string, user: string) => `${scheme}${user}%3A***%40`)
    .replace(NAME_SEPARATOR, (pair: string, name: string, separator: string, quote: string | undefined) => {
      if (!isSecretPair(name, separator)) return pair
      const how = quote ?? (CREDENTIAL_HEADERS.has(name.toLowerCase()) ? 'line' : '')
      return `${name}${separator.slice(0, separator.length - (quote?.length ?? 0))}${MARK}${how}`
    })
  for (const [how, value] of MARKED_VALUES) out = out.replace(value, how === 'line' || how === '' ? '***' : `${how}***`)
  return out.replace(AUTH_SCHEME, (_, scheme: string | undefined, digest: string | undefined) => `${scheme ?? digest} ***`)
}

/** `text` (redacted) cut at the limit, saying how much of the original was left out. */
function cut(text: string, originalLength: number): string {
  return originalLength > MAX_REDACTED_LENGTH ? `${text.slice(0, MAX_REDACTED_LENGTH)}... [${originalLength - MAX_REDACTED_LENGTH} more characters cut]` : text
}

/** A bare `key` is a secret in a query (`key=...`) but mostly a word in prose (`Unrecognized key: "id"`). */
function isSecretPair(name: string, separator: string): boolean {
  return name.toLowerCase() === 'key' ? separator.includes('=') : isSecretName(name)
}

/** True for a name whose value is a secret: `password`, `access_token`, `sessionToken`, `X-Amz-Signature`, `apiKey`, `PGPASSWORD`, `password2`. */
export function isSecretName(name: string): boolean {
  const words = name.replace(/\d+$/, '').split(/[_.-]|(?<=[a-z0-9])(?=[A-Z])/)
  const last = (words[words.length - 1] ?? '').toLowerCase()
  if (SECRET_WORDS.has(last) || (last.endsWith('s') && SECRET_WORDS.has(last.slice(0, -1)) && last !== 'keys')) return true
  return /^[A-Z0-9]+$/.test(words[words.length - 1] ?? '') && SECRET_SUFFIXES.some((suffix) => last.endsWith(suffix))
}

/** Redacts a URL string for display; a URL without credentials comes back unchanged. */
export function redactUrl(url: string): string {
  return redactSecrets(url)
}

/**
 * The parts of a URL that must never be shown: the whole URL, its query
 * string, its password and the values of its secret-named query parameters.
 * A redactor built with them ({@link redactorFor}) removes them wherever they
 * appear, even where no pattern would recognise them (an upstream's error
 * page echoing its URL).
 */
export function secretsOfUrl(url: string): string[] {
  if (!URL.canParse(url)) return [url]
  const parsed = new URL(url)
  const values = [url, parsed.href, parsed.search.slice(1), parsed.password, decoded(parsed.password), parsed.hash.slice(1)]
  // The Basic credentials the upstream is sent, should it echo its headers.
  if (parsed.username !== '' || parsed.password !== '') values.push(Buffer.from(`${decoded(parsed.username)}:${decoded(parsed.password)}`).toString('base64'))
  for (const [name, value] of parsed.searchParams) if (isSecretName(name)) values.push(value, encodeURIComponent(value))
  return values
}

/**
 * A function that removes `secrets` (exact strings, longest first; those
 * under 4 characters are too common to remove) and then every pattern
 * {@link redactSecrets} knows.
 */
export function redactorFor(secrets: readonly string[]): (text: string) => string {
  const known = [...new Set(secrets.filter((secret) => secret.length >= 4))].sort((a, b) => b.length - a.length)
  if (known.length === 0) return redactSecrets
  return (text) => {
    let out = text.slice(0, MAX_REDACTED_LENGTH + CUT_MARGIN)
    for (const secret of known) if (out.includes(secret)) out = out.replaceAll(secret, '***')
    return cut(redactPatterns(out), text.length)
  }
}

/**
 * What a client may see of an upstream: `name` when one is configured, else
 * the origin of an HTTP URL (no user info, path, query or fragment), or the
 * program of a stdio command (not its arguments, which may hold keys).
 */
export function upstreamDisplayName(identity: string, name?: string): string {
  if (name !== undefined && name.trim() !== '') return name.trim()
  if (identity.startsWith('stdio:')) {
    const program = identity.slice('stdio:'.length).trim().split(/\s+/, 1)[0] ?? ''
    return `stdio:${program.split(/[\\/]/).pop() || 'server'}`
  }
  return URL.canParse(identity) ? new URL(identity).origin : 'the upstream'
}

/** `decodeURIComponent`, or the text as it is when it holds a raw `%` that is no escape. */
export function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
