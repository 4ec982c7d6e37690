import { readFileSync } from 'node:fs'

/** This package's version, from its package.json (shown by --version and on spans' resource). */
export const packageVersion: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
