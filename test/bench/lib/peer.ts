/**
 * What every peer process shares: its configuration (JSON in `BENCH_PEER_CONFIG`), memory measurement after a
 * forced GC, and the single JSON result line on stdout.
 */

/** What a peer is asked to do. */
export interface PeerConfig {
  /** `sync`: initial list until synced (P1/P3/P5); `watch`: consume `expected` watch events (P2). */
  readonly mode: "sync" | "watch"
  readonly url: string
  readonly token: string
  readonly caPem: string
  readonly kubeconfig: string
  /** Objects (sync) or events (watch) expected. */
  readonly expected: number
  /** Drop managedFields before storing. */
  readonly strip: boolean
  /** Raw peer only: keep the parsed items (the floor of any cache: parse + retain, no index). */
  readonly retain?: boolean
}

/** The one line a peer prints. */
export interface PeerResult {
  readonly ms: number
  readonly count: number
  readonly heapBytes: number
  readonly rssBytes: number
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** Environment variable carrying the peer configuration (not argv: it holds a token). */
export const ConfigEnv = "BENCH_PEER_CONFIG"

/** Parses the peer configuration from {@link ConfigEnv}. */
export const readConfig = (): PeerConfig => {
  const raw: unknown = JSON.parse(process.env[ConfigEnv] ?? "{}")
  if (!isRecord(raw)) throw new Error("peer: config must be an object")
  const str = (k: string): string => (typeof raw[k] === "string" ? raw[k] : "")
  return {
    mode: raw.mode === "watch" ? "watch" : "sync",
    url: str("url"),
    token: str("token"),
    caPem: str("caPem"),
    kubeconfig: str("kubeconfig"),
    expected: typeof raw.expected === "number" ? raw.expected : 0,
    strip: raw.strip === true,
    retain: raw.retain === true
  }
}

const gc = (): void => {
  const collect: unknown = Reflect.get(globalThis, "gc")
  if (typeof collect === "function") {
    collect()
    collect()
  }
}

/** Heap and RSS after a full GC (needs `--expose-gc`). */
export const memory = (): { readonly heap: number; readonly rss: number } => {
  gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed + m.external + m.arrayBuffers, rss: m.rss }
}

/** Prints the result line and exits (peers hold sockets open; exiting is the cleanup). */
export const emit = (result: PeerResult): never => {
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
}

/** Narrows `unknown` to a plain record. */
export const isRecordValue = isRecord

/**
 * Watch-mode timing: events before `warmFraction` of `expected` are the in-run warm-up (JIT,
 * connection, heap growth); the rate is measured over the rest.
 */
export const warmFraction = 0.1

/** Counts watch events; `result()` is the rate window (events after the warm-up and their time). */
export const eventClock = (expected: number) => {
  const warm = Math.floor(expected * warmFraction)
  let count = 0
  let t0 = performance.now()
  let t1 = 0
  return {
    /** Records one event; true when the last expected event arrived. */
    tick: (): boolean => {
      count++
      if (count === warm) t0 = performance.now()
      if (count === expected) {
        t1 = performance.now()
        return true
      }
      return false
    },
    result: (): PeerResult => ({ ms: t1 - t0, count: expected - warm, heapBytes: -1, rssBytes: -1 })
  }
}
