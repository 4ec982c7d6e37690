import { existsSync, readFileSync } from 'node:fs'

/**
 * This package's version (the CLI's --version, the tracer's version), from the nearest
 * package.json above this file: one level up from dist/ and src/, two from a bench build.
 */
function readVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    const url = new URL(relative, import.meta.url)
    if (existsSync(url)) return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
  }
  return '0.0.0'
}

export const packageVersion: string = readVersion()
