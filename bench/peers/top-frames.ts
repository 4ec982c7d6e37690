/**
 * Reads a `node --cpu-prof` profile and prints where the time went: the top
 * functions by self time, and self time summed per package or source folder.
 * The evidence behind "what limits it" in bench/RESULTS.md.
 *
 * Usage: node .bench-build/bench/peers/top-frames.js <file.cpuprofile> [top=25]
 * Profile one scenario and contender, e.g.:
 *   BENCH_ONLY=redis-hit BENCH_SIZES=1kb BENCH_CONTENDERS=mcp-redis BENCH_SLICE_MS=1000 \
 *     node --cpu-prof --cpu-prof-dir=/tmp/prof .bench-build/bench/peers/run.js
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}

interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

const [file, topText] = process.argv.slice(2)
if (file === undefined) throw new Error('usage: top-frames <file.cpuprofile> [top]')
const top = Number(topText ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfUs = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i] as number
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const total = [...selfUs.values()].reduce((sum, us) => sum + us, 0)

/** `node_modules/<package>`, `src/<folder>`, `node:internal`, or the bare name for VM states ((garbage collector), (idle)...). */
function owner(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)'
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (modules !== null) return modules[1] as string
  const src = /\.bench-build\/((?:src|bench)\/[^/]+)/.exec(url)
  if (src !== null) return src[1] as string
  return url.startsWith('node:') ? 'node:internal' : url
}

const functions = new Map<string, number>()
const owners = new Map<string, number>()
for (const [id, us] of selfUs) {
  const node = byId.get(id)
  if (node === undefined) continue
  const { functionName, url, lineNumber } = node.callFrame
  const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|\.bench-build)\//, '')}:${lineNumber + 1}`
  const name = `${functionName || '(anonymous)'}${where}`
  functions.set(name, (functions.get(name) ?? 0) + us)
  const who = owner(url, functionName)
  owners.set(who, (owners.get(who) ?? 0) + us)
}
const pct = (us: number): string => `${((us / total) * 100).toFixed(1).padStart(5)}%`
console.log(`${(total / 1e6).toFixed(2)} s sampled`)
console.log('\nself time by package / folder:')
for (const [who, us] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(us)}  ${who}`)
console.log(`\ntop ${top} functions by self time:`)
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${name}`)
