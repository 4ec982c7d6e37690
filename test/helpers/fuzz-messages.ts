/**
 * Generated client traffic for the gateway fuzz suite: JSON-RPC messages of
 * random shape, built as JSON *text* rather than values, so that they can hold
 * what no value can be stringified to (100,000 levels of nesting would overflow
 * `JSON.stringify`'s stack), what JSON allows but values lose (duplicate keys,
 * `1e400`, `-0`, 30-digit integers, escaped lone surrogates) and what is not
 * JSON at all (bytes that are not UTF-8, noise, bodies around the size limit).
 */
import fc from 'fast-check'
import { MODERN_META } from './raw-http.js'

/** The gateway's default `maxMessageBytes`: 4 MiB. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024
/** The gateway's default `maxParamsDepth`; the message object is one level above its params. */
export const MAX_PARAMS_DEPTH = 64

/** One generated client message as it goes on the wire. */
export interface WireMessage {
  /** What the generator meant: JSON text, a JSON message with bytes that are not UTF-8, noise, or a body sized around the limit. */
  readonly kind: 'json' | 'invalid-utf8' | 'noise' | 'big'
  /** The bytes to send. Only `noise` may hold a newline. */
  readonly bytes: Buffer
}

/** Options of the message arbitraries. */
export interface MessageOptions {
  /**
   * Put the 2026-07-28 `_meta` envelope in most requests, as a stateless client
   * must (without it the SDK refuses the request before the gateway sees it).
   * @default false
   */
  readonly modernMeta?: boolean
}

const LONE_SURROGATES = ['\ud800', '\udfff', 'a\ud800b', '\udc00\ud800', '\ud800\ud800']
const TRICKY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '_meta', 'id', 'jsonrpc', 'method', 'params', 'result', 'error', 'progressToken', '', 'mcp-cache/status', 'mcp-cache/cacheMode', 'mcp-cache/maxAgeMs']
/** Numbers as JSON text: what a double cannot hold, what parses to Infinity, and the edges of safe integers. */
const NUMBER_TEXTS = ['0', '-0', '1', '-1', '1.5', '-1.5', '1e308', '-1e308', '1.7976931348623157e308', '1e400', '-1e400', '5e-324', '1e-400', '9007199254740993', '-9007199254740993', '123456789012345678901234567890', '0.1e1', '1E+2', '2147483648']
/** Methods a client sends, server-side methods it should not, and notifications. */
const METHODS = [
  'tools/call',
  'tools/list',
  'resources/read',
  'resources/list',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/get',
  'prompts/list',
  'initialize',
  'ping',
  'completion/complete',
  'logging/setLevel',
  'notifications/cancelled',
  'notifications/initialized',
  'notifications/progress',
  'notifications/roots/list_changed',
  'sampling/createMessage',
  'roots/list',
]
/** A JSON string literal of at most 16 ASCII characters, for names and ids that should stay readable. */
const shortString = fc.string({ unit: 'grapheme-ascii', maxLength: 16 }).map((text) => JSON.stringify(text))

/** A JSON string literal: any text, any code point, lone surrogates, keys that are special in JavaScript. */
const stringText: fc.Arbitrary<string> = fc
  .oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 24 }), fc.constantFrom(...LONE_SURROGATES, ...TRICKY_KEYS))
  .map((text) => JSON.stringify(text))

/** A JSON number literal, including ones no double holds exactly. */
const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom(...NUMBER_TEXTS),
)

const scalarText = fc.oneof({ arbitrary: stringText, weight: 3 }, { arbitrary: numberText, weight: 2 }, { arbitrary: fc.constantFrom('true', 'false', 'null'), weight: 1 })

/** Nesting depths: shallow, around the limit, and far past it (up to 100,000). */
const nestingDepth: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 70 }), weight: 4 },
  { arbitrary: fc.constantFrom(MAX_PARAMS_DEPTH - 2, MAX_PARAMS_DEPTH - 1, MAX_PARAMS_DEPTH, MAX_PARAMS_DEPTH + 1, MAX_PARAMS_DEPTH + 2), weight: 2 },
  { arbitrary: fc.integer({ min: 100, max: 100_000 }), weight: 2 },
  { arbitrary: fc.constant(100_000), weight: 1 },
)

/** JSON text of a value nested `levels` deep: arrays, objects, or both alternating (with `__proto__` keys). */
function nestedText(levels: number, shape: 'array' | 'object' | 'mixed'): string {
  if (shape === 'array') return `${'['.repeat(levels)}${']'.repeat(levels)}`
  if (shape === 'object') return `${'{"a":'.repeat(levels)}0${'}'.repeat(levels)}`
  const pairs = Math.floor(levels / 2)
  const odd = levels % 2 === 1 ? 1 : 0
  return `${'['.repeat(odd)}${'[{"__proto__":'.repeat(pairs)}null${'}]'.repeat(pairs)}${']'.repeat(odd)}`
}

const deepText = fc.tuple(nestingDepth, fc.constantFrom('array' as const, 'object' as const, 'mixed' as const)).map(([levels, shape]) => nestedText(levels, shape))

const keyText = fc.oneof({ arbitrary: fc.constantFrom(...TRICKY_KEYS).map((key) => JSON.stringify(key)), weight: 1 }, { arbitrary: stringText, weight: 2 })

/** `{"k":v,...}` from key and value texts; keys may repeat, which JSON text allows. */
function objectText(entries: ReadonlyArray<readonly [string, string]>): string {
  return `{${entries.map(([key, value]) => `${key}:${value}`).join(',')}}`
}

/** Fields of a message or params object, each present or not. */
function fieldsText(fields: ReadonlyArray<readonly [string, fc.Arbitrary<string>, 'required' | 'optional']>): fc.Arbitrary<string> {
  return fc
    .tuple(...fields.map(([key, value, presence]) => (presence === 'required' ? value.map((text) => [JSON.stringify(key), text] as const) : fc.option(value.map((text) => [JSON.stringify(key), text] as const), { nil: undefined, freq: 2 }))))
    .map((entries) => objectText(entries.filter((entry) => entry !== undefined)))
}

/** Any JSON value as text: scalars, arrays, objects with tricky keys, and deep nesting. */
export const valueText: fc.Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: scalarText, weight: 8 },
    { arbitrary: tie('array'), weight: 2 },
    { arbitrary: tie('object'), weight: 3 },
    { arbitrary: deepText, weight: 1 },
  ),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(keyText, tie('value')), { maxLength: 4 }).map(objectText),
})).value

/** A request id as text: integers, strings, fractions, huge numbers, null, objects, arrays. */
const idText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.integer({ min: -5, max: 1000 }).map(String), weight: 4 },
  { arbitrary: shortString, weight: 2 },
  { arbitrary: stringText, weight: 1 },
  { arbitrary: numberText, weight: 2 },
  { arbitrary: fc.constant('null'), weight: 1 },
  { arbitrary: valueText, weight: 1 },
)

/** A progress token of any JSON type (the spec allows a string or a number). */
const progressTokenText = fc.oneof({ arbitrary: fc.integer().map(String), weight: 3 }, { arbitrary: shortString, weight: 3 }, { arbitrary: numberText, weight: 1 }, { arbitrary: valueText, weight: 1 })

const MODERN_ENTRIES: ReadonlyArray<readonly [string, string]> = Object.entries(MODERN_META).map(([key, value]) => [JSON.stringify(key), JSON.stringify(value)] as const)

/** `params._meta`: the 2026-07-28 envelope, objects with progress tokens of any type, or not an object at all. */
function metaText(modern: boolean): fc.Arbitrary<string> {
  const envelope = fc
    .tuple(fc.option(progressTokenText, { nil: undefined }), fc.array(fc.tuple(keyText, valueText), { maxLength: 2 }))
    .map(([token, extra]) => objectText([...MODERN_ENTRIES, ...(token === undefined ? [] : [['"progressToken"', token] as const]), ...extra]))
  const withToken = progressTokenText.map((token) => objectText([['"progressToken"', token]]))
  return modern
    ? fc.oneof({ arbitrary: envelope, weight: 8 }, { arbitrary: withToken, weight: 1 }, { arbitrary: valueText, weight: 1 })
    : fc.oneof({ arbitrary: withToken, weight: 4 }, { arbitrary: envelope, weight: 1 }, { arbitrary: stringText, weight: 1 }, { arbitrary: valueText, weight: 1 })
}

/** Arguments the fixture's tools accept (so calls get past validation), as text. */
const TOOL_ARGUMENTS: Readonly<Record<string, fc.Arbitrary<string>>> = {
  lookup_code: fieldsText([['code', stringText, 'required']]),
  get_record: fieldsText([['id', fc.oneof(fc.constant('"r1"'), stringText), 'required'], ['verbose', fc.constantFrom('true', 'false'), 'optional']]),
  update_record: fieldsText([['id', shortString, 'required'], ['text', stringText, 'required']]),
  slow_get_record: fieldsText([['id', shortString, 'required']]),
  slow_lookup: fieldsText([['q', stringText, 'required']]),
  whoami: fieldsText([['n', numberText, 'required']]),
  record_caller: fieldsText([['n', numberText, 'required']]),
  wait_50: fieldsText([['q', stringText, 'required']]),
  fail_lookup: fc.constant('{}'),
  send_email: fieldsText([['to', stringText, 'required']]),
  add_tool: fc.constant('{}'),
  touch_notes: fc.constant('{}'),
  // Bounded: a gigabyte answer would test the fixture, not the gateway.
  big_text: fieldsText([['bytes', fc.integer({ min: 0, max: 200_000 }).map(String), 'required']]),
  fail_write: fc.constant('{}'),
  live_quote: fieldsText([['symbol', stringText, 'required']]),
  upstream_counts: fc.constant('{}'),
}
const TOOL_NAMES = Object.keys(TOOL_ARGUMENTS)

/** A fixture tool's arguments, or any value for another name (own keys only: fast-check also names tools `constructor`). */
function argumentsFor(name: string): fc.Arbitrary<string> {
  return Object.hasOwn(TOOL_ARGUMENTS, name) ? (TOOL_ARGUMENTS[name] as fc.Arbitrary<string>) : valueText
}

/** The params of a `method`: shaped as that method expects most of the time, anything at all otherwise. */
function paramsText(method: string, modern: boolean): fc.Arbitrary<string> {
  const meta: [string, fc.Arbitrary<string>, 'optional' | 'required'] = ['_meta', metaText(modern), modern ? 'required' : 'optional']
  let shaped: fc.Arbitrary<string>
  switch (method) {
    case 'tools/call':
      shaped = fc
        .oneof({ arbitrary: fc.constantFrom(...TOOL_NAMES), weight: 6 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 })
        .chain((name) => fieldsText([['name', fc.constant(JSON.stringify(name)), 'required'], ['arguments', fc.oneof({ arbitrary: argumentsFor(name), weight: 4 }, { arbitrary: valueText, weight: 1 }), 'optional'], meta]))
      break
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      shaped = fieldsText([['uri', fc.oneof(fc.constant('"notes://main"'), stringText, valueText), 'required'], meta])
      break
    case 'prompts/get':
      shaped = fieldsText([['name', fc.oneof(fc.constant('"greet"'), stringText), 'required'], ['arguments', fc.oneof(fieldsText([['name', stringText, 'required']]), valueText), 'optional'], meta])
      break
    case 'notifications/cancelled':
      shaped = fieldsText([['requestId', idText, 'required'], ['reason', stringText, 'optional']])
      break
    case 'initialize':
      shaped = fieldsText([
        ['protocolVersion', fc.oneof(fc.constantFrom('"2025-11-25"', '"2026-07-28"', '"2025-06-18"', '"2024-11-05"'), stringText), 'required'],
        ['capabilities', fc.oneof(fc.constant('{}'), valueText), 'required'],
        ['clientInfo', fc.oneof(fc.constant('{"name":"fuzz","version":"1.0.0"}'), valueText), 'required'],
      ])
      break
    default:
      shaped = fc.tuple(fc.array(fc.tuple(keyText, valueText), { maxLength: 3 }), fc.option(metaText(modern), { nil: undefined })).map(([entries, metaValue]) => objectText([...entries, ...(metaValue === undefined ? [] : [['"_meta"', metaValue] as const])]))
  }
  return fc.oneof({ arbitrary: shaped, weight: 6 }, { arbitrary: valueText, weight: 1 })
}

/** A method and its params, as the texts of the two fields. */
function methodAndParams(modern: boolean): fc.Arbitrary<{ method: string; params: string | undefined }> {
  // Tool calls are what the gateway caches, so most of its logic is behind them.
  const method = fc.oneof({ arbitrary: fc.constant('tools/call'), weight: 10 }, { arbitrary: fc.constantFrom('resources/read', 'prompts/get'), weight: 3 }, { arbitrary: fc.constantFrom(...METHODS), weight: 8 })
  const known = method.chain((method) => fc.option(paramsText(method, modern), { nil: undefined, freq: 8 }).map((params) => ({ method: JSON.stringify(method), params })))
  const unknown = fc.tuple(fc.oneof(stringText, valueText), fc.option(valueText, { nil: undefined })).map(([method, params]) => ({ method, params }))
  return fc.oneof({ arbitrary: known, weight: 8 }, { arbitrary: unknown, weight: 1 })
}

const jsonrpcText = fc.option(fc.oneof({ arbitrary: fc.constant('"2.0"'), weight: 12 }, { arbitrary: scalarText, weight: 1 }), { nil: undefined, freq: 20 })
const errorText = fc.oneof(fieldsText([['code', numberText, 'required'], ['message', stringText, 'required'], ['data', valueText, 'optional']]), valueText)
/** Fields a message should not have; mostly none, so that most requests stay well-formed enough to reach the gateway's logic. */
const extraFields = fc.oneof({ arbitrary: fc.constant([]), weight: 5 }, { arbitrary: fc.array(fc.tuple(keyText, valueText), { minLength: 1, maxLength: 2 }), weight: 1 })

/** Entries in their natural order most of the time, shuffled otherwise (a server must not care). */
function ordered(entries: ReadonlyArray<readonly [string, string]>): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: fc.constant(objectText(entries)), weight: 3 }, { arbitrary: fc.shuffledSubarray([...entries], { minLength: entries.length, maxLength: entries.length }).map(objectText), weight: 1 })
}

/** One JSON-RPC message as text: request, notification (with or without an id), client-sent response, or any JSON value. */
function messageText(options: MessageOptions = {}): fc.Arbitrary<string> {
  const modern = options.modernMeta === true
  const entry = (key: string, text: string | undefined): Array<readonly [string, string]> => (text === undefined ? [] : [[JSON.stringify(key), text] as const])
  const request = fc.tuple(jsonrpcText, idText, methodAndParams(modern), extraFields).chain(([jsonrpc, id, { method, params }, extra]) => ordered([...entry('jsonrpc', jsonrpc), ...entry('id', id), ...entry('method', method), ...entry('params', params), ...extra]))
  const notification = fc.tuple(jsonrpcText, methodAndParams(modern), extraFields).chain(([jsonrpc, { method, params }, extra]) => ordered([...entry('jsonrpc', jsonrpc), ...entry('method', method), ...entry('params', params), ...extra]))
  const response = fc
    .tuple(jsonrpcText, idText, fc.option(valueText, { nil: undefined }), fc.option(errorText, { nil: undefined }))
    .chain(([jsonrpc, id, result, error]) => ordered([...entry('jsonrpc', jsonrpc), ...entry('id', id), ...entry('result', result ?? (error === undefined ? '{}' : undefined)), ...entry('error', error)]))
  return fc.oneof({ arbitrary: request, weight: 12 }, { arbitrary: notification, weight: 3 }, { arbitrary: response, weight: 2 }, { arbitrary: valueText, weight: 1 })
}

/** A JSON array of messages, sometimes with one of them twice (a duplicate id). */
function batchText(options: MessageOptions = {}): fc.Arbitrary<string> {
  return fc.tuple(fc.array(messageText(options), { maxLength: 4 }), fc.boolean()).map(([messages, duplicate]) => `[${[...messages, ...(duplicate && messages[0] !== undefined ? [messages[0]] : [])].join(',')}]`)
}

/** Bytes that are not UTF-8: stray continuation bytes, overlong forms, encoded surrogates, truncated sequences, code points past U+10FFFF. */
const invalidUtf8 = fc.oneof(
  fc.constantFrom([0xff], [0xfe], [0x80], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xc3], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]).map((bytes) => Buffer.from(bytes)),
  fc.uint8Array({ min: 0x80, max: 0xff, minLength: 1, maxLength: 12 }).map((bytes) => Buffer.from(bytes)),
)

/** A `tools/call` of lookup_code whose code string holds bytes that are not UTF-8 (they read as U+FFFD). */
function invalidUtf8Message(modern: boolean): fc.Arbitrary<Buffer> {
  const meta = modern ? `,"_meta":${JSON.stringify(MODERN_META)}` : ''
  return fc.tuple(idText, invalidUtf8, fc.string({ unit: 'grapheme-ascii', maxLength: 8 })).map(([id, bad, plain]) => {
    const prefix = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"lookup_code"${meta},"arguments":{"code":${JSON.stringify(plain).slice(0, -1)}`
    return Buffer.concat([Buffer.from(prefix), bad, Buffer.from('"}}}')])
  })
}

/** Anything at all: random bytes, random text, truncated JSON. */
const noise = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ maxLength: 64 }).map((text) => Buffer.from(text)),
  fc.tuple(messageText(), fc.nat()).map(([text, cut]) => Buffer.from(text.slice(0, cut % (text.length + 1)))),
)

/** What a big message is. */
export interface BigMessage extends WireMessage {
  readonly kind: 'big'
  /** Its id: a large random integer, unlike the ids of other generated messages, so its answer can be told apart. */
  readonly id: number
}

/**
 * A request of exactly `MAX_MESSAGE_BYTES + delta` bytes: a ping, a tool call or
 * a resource read padded with one long string. Only a few of these are made
 * (each costs 4 MiB on the wire, and a tool call's result as much again).
 */
function bigMessage(options: MessageOptions = {}): fc.Arbitrary<BigMessage> {
  const meta = options.modernMeta === true ? `"_meta":${JSON.stringify(MODERN_META)},` : ''
  const delta = fc.oneof(fc.constantFrom(0, 1, -1), fc.integer({ min: -64, max: 64 }))
  return fc.tuple(delta, fc.constantFrom('ping', 'tools/call', 'resources/read'), fc.integer({ min: 10_000_000, max: 2 ** 31 })).map(([over, method, id]) => {
    const [open, close] =
      method === 'tools/call' ? [`{${meta}"name":"lookup_code","arguments":{"code":"`, '"}}'] : method === 'resources/read' ? [`{${meta}"uri":"notes://`, '"}'] : [`{${meta}"pad":"`, '"}']
    const prefix = `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${open}`
    const suffix = `${close}}`
    const fill = MAX_MESSAGE_BYTES + over - Buffer.byteLength(prefix) - Buffer.byteLength(suffix)
    return describe({ kind: 'big', id, bytes: Buffer.from(`${prefix}${'x'.repeat(fill)}${suffix}`) })
  })
}

/**
 * One wire message: mostly JSON messages, then batches, bytes that are not
 * UTF-8, noise, and (rarely) a body just under or over the size limit.
 */
export function wireMessage(options: MessageOptions = {}): fc.Arbitrary<WireMessage> {
  const modern = options.modernMeta === true
  const json = (text: fc.Arbitrary<string>) => text.map((value) => describe({ kind: 'json', bytes: Buffer.from(value) }))
  return fc.oneof(
    { arbitrary: json(messageText(options)), weight: 240 },
    { arbitrary: json(batchText(options)), weight: 24 },
    { arbitrary: json(valueText), weight: 12 },
    { arbitrary: invalidUtf8Message(modern).map((bytes) => describe({ kind: 'invalid-utf8', bytes })), weight: 16 },
    { arbitrary: noise.map((bytes) => describe({ kind: 'noise', bytes })), weight: 16 },
    // About one in 300: each is 4 MiB on the wire.
    { arbitrary: bigMessage(options), weight: 1 },
  )
}

/** Gives a message a short printable form, so a counterexample of 4 MiB or 100,000 brackets still reads in a report. */
function describe<T extends WireMessage>(message: T): T {
  return Object.assign(message, { [fc.toStringMethod]: () => `${message.kind}(${message.bytes.length} B): ${compact(message.bytes.toString('utf8'))}` })
}

/**
 * Text with each run of one short pattern (up to 14 characters, 8 times or
 * more) written once with its count (`⟨[×100000⟩`), cut to `limit` characters.
 * A loop rather than a regular expression: a backreference repeated 100,000
 * times overflows the regular expression engine's stack.
 */
export function compact(text: string, limit = 600): string {
  let out = ''
  let at = 0
  while (at < text.length && out.length < limit) {
    let folded = false
    for (let unit = 1; unit <= 14 && !folded && at + unit <= text.length; unit++) {
      const piece = text.slice(at, at + unit)
      let count = 1
      while (text.startsWith(piece, at + count * unit)) count++
      if (count >= 8) {
        out += `⟨${piece}×${count}⟩`
        at += count * unit
        folded = true
      }
    }
    if (!folded) out += text[at++]
  }
  return at < text.length ? `${out}…` : out
}
