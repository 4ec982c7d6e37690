import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { CacheOptions } from '../cache/options.js'
import { ConfigError } from '../errors.js'
import { validateOptions } from './schema.js'

/** Reads a YAML (`.yaml`, `.yml`) or JSON file into plain data; errors say what to fix. */
export function readConfigFile(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`config file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): check the path`)
  }
  const json = extname(path) === '.json'
  try {
    return json ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`)
  }
}

/** Reads cache options from a YAML or JSON file (optionally under a `cache:` key) and validates them. */
export function optionsFromFile(path: string): CacheOptions {
  const parsed = readConfigFile(path)
  const cache = (parsed as { cache?: unknown } | null)?.cache ?? parsed ?? {}
  return validateOptions(cache as CacheOptions, `config file ${path}`)
}
