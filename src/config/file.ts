import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { CacheOptions } from '../cache/options.js'
import { ConfigError } from '../errors.js'
import { validateOptions } from './schema.js'

/** Reads cache options from a YAML (`.yaml`, `.yml`) or JSON file and validates them. */
export function optionsFromFile(path: string): CacheOptions {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`config file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): check the path`)
  }
  let parsed: unknown
  try {
    parsed = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`)
  }
  const cache = (parsed as { cache?: unknown } | null)?.cache ?? parsed ?? {}
  return validateOptions(cache as CacheOptions, `config file ${path}`)
}
