import { readFileSync } from 'node:fs'

/** This package's version, from its package.json (the CLI's --version, the tracer's version). */
export const packageVersion: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
