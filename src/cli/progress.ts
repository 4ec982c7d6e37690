import { SingleBar } from 'cli-progress'

/** A progress bar on stderr (drawn only on a terminal, so logs and pipes stay clean). */
export function progressBar(label: string, total: number, unit = 'entries'): SingleBar {
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
  })
  bar.start(Math.max(1, total), 0)
  return bar
}
