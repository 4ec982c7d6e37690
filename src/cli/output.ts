/** How CLI commands print: human lines, or one JSON document with `--json`. */
export interface Output {
  readonly json: boolean
  /** A line for people (suppressed with --json). */
  line(text: string): void
  /** The machine-readable result (printed only with --json). */
  result(value: unknown): void
}

/** Output for a command run with or without `--json`. */
export function output(json: boolean | undefined): Output {
  return {
    json: json === true,
    line: (text) => {
      if (json !== true) console.log(text)
    },
    result: (value) => {
      if (json === true) console.log(JSON.stringify(value, null, 2))
    },
  }
}
