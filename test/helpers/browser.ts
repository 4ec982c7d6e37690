/** A real headless Chromium (Debian's `chromium`) driven by playwright-core. */
import { chromium, type Browser, type Page } from 'playwright-core'
import { CHROMIUM, findOnPath } from './ensure-installed.js'

/** Launches headless Chromium (CHROMIUM_PATH, else `chromium` on PATH); throws saying how to install it when missing. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env['CHROMIUM_PATH'] ?? findOnPath('chromium') ?? findOnPath('chromium-browser')
  if (executablePath === undefined) throw new Error(CHROMIUM.missing)
  // No sandbox: CI runs as root. No network beyond what the page asks for.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'] })
}

/** Collects what the page reports as broken: console errors (CSP violations among them) and uncaught exceptions. */
export function collectPageErrors(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`exception: ${error.message}`))
  return problems
}
