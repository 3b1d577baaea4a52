/**
 * `pnpm bench`: the effect-kube benchmark suite. Starts the servers, runs every peer in its own
 * process, alternated run by run against the same server, prints a markdown table and writes
 * `results/latest.json`. `BENCH_QUICK=1`: 10k objects / 100k events, 2 runs (CI smoke).
 */
import * as KubeApiServer from "@effect-kube/testing/KubeApiServer"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { execFileSync, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, freemem, homedir, loadavg, release, tmpdir, totalmem } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { jsonBytes, Namespaces } from "./lib/fixtures.js"
import { ConfigEnv, isRecordValue, type PeerConfig, type PeerResult } from "./lib/peer.js"
import { firehoseBytes, seedReal, startFirehose, startMock, type Target } from "./lib/servers.js"
import { type Figure, figure, fmt } from "./lib/stats.js"

const quick = process.env.BENCH_QUICK === "1"
const distDir = dirname(fileURLToPath(import.meta.url))
const benchDir = resolve(distDir, "..")
const runs = quick ? 2 : 5
const p1Sizes = quick ? [10_000] : [10_000, 100_000]
const p5Big = quick ? undefined : 1_000_000
const p2Events = quick ? 100_000 : 1_000_000
const skipReal = process.env.BENCH_SKIP_REAL === "1"
const peerTimeoutMs = 10 * 60_000
/** `BENCH_ONLY=P1,P2`: run only these benches (P1 includes P3/P5; P4; P2; real = P1 on the real apiserver). */
const only = (process.env.BENCH_ONLY ?? "").split(",").filter((s) => s !== "")
const selected = (name: string): boolean => only.length === 0 || only.includes(name)
/** `BENCH_CPU_PROF=<dir>`: Node peers run with `--cpu-prof` writing there. */
const cpuProfDir = process.env.BENCH_CPU_PROF

type PeerName = "effect-kube" | "client-node" | "client-go" | "raw"
interface Variant {
  readonly peer: PeerName
  readonly strip: boolean
  readonly retain?: boolean
}
const label = (v: Variant): string =>
  v.strip ? `${v.peer} (strip)` : v.retain === true ? `${v.peer} (retain)` : v.peer

const notes: Array<string> = []
const figures: Array<Figure> = []
const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}

// ---------------------------------------------------------------------------------------------
// peers

let clientGoBinary: string | undefined
const buildClientGo = (): void => {
  try {
    const out = execFileSync("bash", [join(benchDir, "client-go-peer", "build.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"]
    })
    clientGoBinary = out.trim().split("\n").at(-1)
  } catch (error) {
    const reason = isRecordValue(error) && error.status === 3 ? "go is not on PATH" : `build failed: ${String(error)}`
    notes.push(`client-go peer skipped: ${reason}`)
    log(`client-go peer skipped: ${reason}`)
  }
}

const parseResult = (stdout: string): PeerResult | undefined => {
  const line = stdout.trim().split("\n").at(-1)
  if (line === undefined || line === "") return undefined
  const raw: unknown = JSON.parse(line)
  if (!isRecordValue(raw) || typeof raw.ms !== "number" || typeof raw.count !== "number") return undefined
  return {
    ms: raw.ms,
    count: raw.count,
    heapBytes: typeof raw.heapBytes === "number" ? raw.heapBytes : 0,
    rssBytes: typeof raw.rssBytes === "number" ? raw.rssBytes : 0,
    ...(typeof raw.perSecond === "number" ? { perSecond: raw.perSecond } : {}),
    ...(typeof raw.p50 === "number" ? { p50: raw.p50 } : {}),
    ...(typeof raw.p99 === "number" ? { p99: raw.p99 } : {})
  }
}

type Extra = PeerResult & { readonly perSecond?: number; readonly p50?: number; readonly p99?: number }

const spawnPeer = (command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<Extra | undefined> =>
  new Promise((done) => {
    const child = spawn(command, [...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c
    })
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr = (stderr + c).slice(-4000)
    })
    const timer = setTimeout(() => {
      log(`peer ${args.at(-1) ?? command} timed out after ${peerTimeoutMs / 1000}s`)
      child.kill("SIGKILL")
    }, peerTimeoutMs)
    child.once("close", (code) => {
      clearTimeout(timer)
      const result = code === 0 ? parseResult(stdout) : undefined
      if (result === undefined)
        log(`peer ${args.at(-1) ?? command} failed (exit ${code}): ${stderr.trim().slice(-1500)}`)
      done(result)
    })
  })

const nodePeer = (script: string, config: string, heapMb: number): Promise<Extra | undefined> =>
  spawnPeer(
    process.execPath,
    [
      "--expose-gc",
      `--max-old-space-size=${heapMb}`,
      ...(cpuProfDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`]),
      join(distDir, "peers", script)
    ],
    { [ConfigEnv]: config }
  )

const runPeer = async (v: Variant, config: PeerConfig): Promise<Extra | undefined> => {
  const heapMb = config.expected >= 500_000 ? 12_288 : 4096
  const arg = JSON.stringify({ ...config, strip: v.strip, retain: v.retain === true })
  switch (v.peer) {
    case "effect-kube":
      return nodePeer("effect-kube.js", arg, heapMb)
    case "client-node":
      return nodePeer("client-node.js", arg, heapMb)
    case "raw":
      return nodePeer("raw.js", arg, heapMb)
    case "client-go":
      if (clientGoBinary === undefined) return undefined
      return spawnPeer(clientGoBinary, [`-kubeconfig=${config.kubeconfig}`, `-strip=${v.strip}`], {
        // Plain list+watch like the other peers (WatchListClient would stream the initial list).
        KUBE_FEATURE_WatchListClient: "false"
      })
  }
}

/**
 * Runs each variant `warmup + n` times, alternating the order every round, and records
 * the chosen metrics of the measured runs.
 */
const measure = async (
  bench: string,
  target: string,
  n: number,
  variants: ReadonlyArray<Variant>,
  config: PeerConfig,
  options: { readonly warmup: number; readonly runs: number; readonly memory: boolean; readonly events?: boolean }
): Promise<void> => {
  const results = new Map<string, Array<Extra>>()
  for (let round = 0; round < options.warmup + options.runs; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse()
    for (const v of order) {
      const result = await runPeer(v, config)
      if (result !== undefined && options.events !== true && result.count < config.expected) {
        log(`${label(v)} saw ${result.count} of ${config.expected}`)
      }
      const kept = round >= options.warmup && result !== undefined
      if (kept) results.set(label(v), [...(results.get(label(v)) ?? []), result])
      log(
        `${bench} ${target} n=${n} ${label(v)} ${round < options.warmup ? "warm-up" : `run ${round - options.warmup + 1}`}: ${result === undefined ? "failed" : `${result.ms.toFixed(0)} ms, heap ${(result.heapBytes / 1e6).toFixed(0)} MB`}`
      )
    }
  }
  for (const v of variants) {
    const rs = results.get(label(v)) ?? []
    if (rs.length === 0) continue
    const base = { bench, target, n, peer: label(v) }
    if (options.events === true) {
      figures.push(
        figure({ ...base, metric: "events_per_s", unit: "events/s", runs: rs.map((r) => (r.count * 1000) / r.ms) })
      )
    } else {
      figures.push(figure({ ...base, metric: "sync_ms", unit: "ms", runs: rs.map((r) => r.ms) }))
    }
    if (options.memory && rs.every((r) => r.heapBytes >= 0)) {
      figures.push(figure({ ...base, metric: "heap_per_object", unit: "B", runs: rs.map((r) => r.heapBytes / n) }))
      figures.push(figure({ ...base, metric: "rss_per_object", unit: "B", runs: rs.map((r) => r.rssBytes / n) }))
    }
  }
}

// ---------------------------------------------------------------------------------------------
// the suite

const p1Variants: ReadonlyArray<Variant> = [
  { peer: "effect-kube", strip: false },
  { peer: "client-node", strip: false },
  { peer: "client-go", strip: false },
  { peer: "raw", strip: false }
]
const p3Variants: ReadonlyArray<Variant> = [
  ...p1Variants,
  { peer: "raw", strip: false, retain: true },
  { peer: "effect-kube", strip: true },
  { peer: "client-node", strip: true },
  { peer: "client-go", strip: true }
]

const syncConfig = (t: Target, n: number): PeerConfig => ({
  mode: "sync",
  url: t.url,
  token: t.token,
  caPem: t.caPem,
  kubeconfig: t.kubeconfig,
  expected: n,
  strip: false
})

const onMock = Effect.gen(function* () {
  let n = 0
  const mock = yield* startMock(() => n)
  const dir = mkdtempSync(join(tmpdir(), "effect-kube-bench-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
  const kubeconfig = join(dir, "kubeconfig")
  yield* mock.writeKubeconfig(kubeconfig)
  const target: Target = {
    name: "mock",
    url: mock.url,
    token: Redacted.value(mock.token),
    caPem: mock.caPem ?? "",
    kubeconfig
  }
  const largest = p1Sizes[p1Sizes.length - 1]
  for (const [i, size] of p1Sizes.entries()) {
    n = size
    const variants = size === largest ? p3Variants : p1Variants
    yield* Effect.promise(() =>
      measure("P1", "mock", size, variants, syncConfig(target, size), {
        // Every run is a fresh process: the warm-up round warms the server, needed once per server.
        warmup: i === 0 ? 1 : 0,
        runs,
        memory: true
      })
    )
  }
  if (p5Big !== undefined) {
    n = p5Big
    notes.push(`P5 at ${p5Big} objects: 1 run per peer, no warm-up (time budget); treat as indicative.`)
    yield* Effect.promise(() =>
      measure("P5", "mock", p5Big, p1Variants, syncConfig(target, p5Big), { warmup: 0, runs: 1, memory: true })
    )
  }
}).pipe(Effect.scoped)

/**
 * The real apiserver binary, when it can be had without a cold build (which compiles
 * k8s.io/kubernetes for many minutes and would break the 20-minute budget): the
 * `EFFECT_KUBE_APISERVER_BIN` override, or the binary `test/kube-apiserver/build.sh` caches.
 * `BENCH_BUILD_APISERVER=1` allows the cold build.
 */
const apiserverOptions = (): { readonly binary?: string } | undefined => {
  const fromEnv = process.env.EFFECT_KUBE_APISERVER_BIN
  if (fromEnv !== undefined && fromEnv !== "") return { binary: fromEnv }
  const moduleDir = resolve(benchDir, "..", "kube-apiserver")
  const hash = createHash("sha256")
  for (const file of ["go.mod", "go.sum", "main.go", "build.sh"]) hash.update(readFileSync(join(moduleDir, file)))
  const cache = process.env.EFFECT_KUBE_CACHE ?? join(homedir(), ".cache", "effect-kube")
  const binary = join(cache, `kube-apiserver-${hash.digest("hex").slice(0, 16)}`)
  if (existsSync(binary)) return { binary }
  return process.env.BENCH_BUILD_APISERVER === "1" ? {} : undefined
}

const onReal = (options: { readonly binary?: string }) =>
  Effect.gen(function* () {
    const server = yield* KubeApiServer.start({ ...options, readyTimeout: "5 minutes", logs: "buffer" })
    const base = { url: server.url, token: Redacted.value(server.token), caPem: server.caPem }
    const target: Target = { name: "real", ...base, kubeconfig: server.kubeconfigPath }
    let seeded = 0
    for (const [i, size] of p1Sizes.entries()) {
      const t0 = performance.now()
      yield* Effect.promise(() => seedReal(base, seeded, size, Namespaces))
      log(`seeded the real apiserver to ${size} ConfigMaps in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
      seeded = size
      yield* Effect.promise(() =>
        measure("P1", "real", size, p1Variants, syncConfig(target, size), {
          warmup: i === 0 ? 1 : 0,
          runs,
          memory: false
        })
      )
    }
  }).pipe(Effect.scoped)

const onFirehose = Effect.gen(function* () {
  const t0 = performance.now()
  const events = firehoseBytes(p2Events, 10_000)
  log(
    `firehose: ${p2Events} events, ${(events.length / 1e6).toFixed(0)} MB pre-serialised in ${(performance.now() - t0).toFixed(0)} ms`
  )
  const server = yield* startFirehose(events)
  const dir = mkdtempSync(join(tmpdir(), "effect-kube-bench-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
  const kubeconfig = join(dir, "kubeconfig")
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "f",
          cluster: { server: server.url, "certificate-authority-data": Buffer.from(server.caPem).toString("base64") }
        }
      ],
      users: [{ name: "f", user: { token: "firehose" } }],
      contexts: [{ name: "f", context: { cluster: "f", user: "f" } }],
      "current-context": "f"
    })
  )
  const config: PeerConfig = {
    mode: "watch",
    url: server.url,
    token: "firehose",
    caPem: server.caPem,
    kubeconfig,
    expected: p2Events,
    strip: false
  }
  const variants: ReadonlyArray<Variant> = [
    { peer: "effect-kube", strip: false },
    { peer: "client-node", strip: false },
    { peer: "raw", strip: false }
  ]
  // No separate warm-up process: each run's first 10% of events is its warm-up (see eventClock).
  yield* Effect.promise(() =>
    measure("P2", "firehose", p2Events, variants, config, { warmup: 0, runs, memory: false, events: true })
  )
}).pipe(Effect.scoped)

const onDispatch = async (): Promise<void> => {
  for (const concurrency of [1, 8, 64]) {
    const perSecond: Array<number> = []
    const p50: Array<number> = []
    const p99: Array<number> = []
    for (let round = 0; round < 1 + runs; round++) {
      const r = await nodePeer(
        "dispatch.js",
        JSON.stringify({ concurrency, keys: 10_000, rounds: 10, rate: 5000, seconds: 2 }),
        2048
      )
      if (r === undefined || round === 0) continue
      if (r.perSecond !== undefined) perSecond.push(r.perSecond)
      if (r.p50 !== undefined) p50.push(r.p50)
      if (r.p99 !== undefined) p99.push(r.p99)
      log(
        `P4 c=${concurrency} run ${round}: ${fmt(r.perSecond ?? 0)} reconciles/s, p50 ${fmt(r.p50 ?? 0)} ms, p99 ${fmt(r.p99 ?? 0)} ms`
      )
    }
    const peer = `effect-kube c=${concurrency}`
    figures.push(
      figure({
        bench: "P4",
        target: "in-process",
        n: 10_000,
        peer,
        metric: "reconciles_per_s",
        unit: "1/s",
        runs: perSecond
      })
    )
    figures.push(
      figure({ bench: "P4", target: "in-process", n: 10_000, peer, metric: "latency_p50_ms", unit: "ms", runs: p50 })
    )
    figures.push(
      figure({ bench: "P4", target: "in-process", n: 10_000, peer, metric: "latency_p99_ms", unit: "ms", runs: p99 })
    )
  }
}

// ---------------------------------------------------------------------------------------------
// report

const find = (bench: string, target: string, n: number, peer: string, metric: string): number =>
  figures.find((f) => f.bench === bench && f.target === target && f.n === n && f.peer === peer && f.metric === metric)
    ?.median ?? Number.NaN

const packageVersion = (name: string): string => {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(benchDir, "node_modules", name, "package.json"), "utf8"))
    return isRecordValue(pkg) && typeof pkg.version === "string" ? pkg.version : "?"
  } catch {
    return "?"
  }
}

const goVersion = (): string => {
  try {
    return execFileSync("go", ["version"], { encoding: "utf8" }).trim()
  } catch {
    return "absent"
  }
}

const main = async (): Promise<void> => {
  const started = performance.now()
  const loadStart = loadavg()
  log(
    `mode: ${quick ? "QUICK (BENCH_QUICK=1)" : "full"}, ${runs} runs after 1 warm-up; load average ${loadStart.map((l) => l.toFixed(2)).join(" ")}`
  )
  buildClientGo()
  const sizes = p5Big === undefined ? p1Sizes : [...p1Sizes, p5Big]
  const bytes = Object.fromEntries(sizes.map((n) => [String(n), jsonBytes(n)]))

  if (selected("P1")) await Effect.runPromise(onMock)
  if (selected("P4")) await onDispatch()
  if (selected("P2")) await Effect.runPromise(onFirehose)
  const realOptions = skipReal || !selected("real") ? undefined : apiserverOptions()
  if (skipReal) notes.push("real kube-apiserver skipped (BENCH_SKIP_REAL=1)")
  else if (selected("real") && realOptions === undefined) {
    const reason =
      "real kube-apiserver skipped: its binary is not cached and a cold build takes many minutes; run test/kube-apiserver/build.sh once (or set BENCH_BUILD_APISERVER=1)"
    notes.push(reason)
    log(reason)
  } else if (selected("real")) {
    await Effect.runPromise(
      onReal(realOptions ?? {}).pipe(
        Effect.catchAll((error) =>
          Effect.sync(() => {
            notes.push(`real kube-apiserver skipped: ${error.reason}: ${error.message.slice(0, 300)}`)
            log(`real kube-apiserver skipped: ${error.message}`)
          })
        )
      )
    )
  }

  const big = p1Sizes[p1Sizes.length - 1]
  const jsonPerObject = (bytes[String(big)]?.full ?? Number.NaN) / big
  const ratios: Record<string, number> = {
    P1_vs_raw: find("P1", "mock", big, "effect-kube", "sync_ms") / find("P1", "mock", big, "raw", "sync_ms"),
    P1_vs_client_node:
      find("P1", "mock", big, "effect-kube", "sync_ms") / find("P1", "mock", big, "client-node", "sync_ms"),
    P1_vs_client_go:
      find("P1", "mock", big, "effect-kube", "sync_ms") / find("P1", "mock", big, "client-go", "sync_ms"),
    P1_real_vs_raw: find("P1", "real", big, "effect-kube", "sync_ms") / find("P1", "real", big, "raw", "sync_ms"),
    P1_real_vs_client_node:
      find("P1", "real", big, "effect-kube", "sync_ms") / find("P1", "real", big, "client-node", "sync_ms"),
    P1_real_vs_client_go:
      find("P1", "real", big, "effect-kube", "sync_ms") / find("P1", "real", big, "client-go", "sync_ms"),
    P2_vs_raw:
      find("P2", "firehose", p2Events, "effect-kube", "events_per_s") /
      find("P2", "firehose", p2Events, "raw", "events_per_s"),
    P2_vs_client_node:
      find("P2", "firehose", p2Events, "effect-kube", "events_per_s") /
      find("P2", "firehose", p2Events, "client-node", "events_per_s"),
    P3_bytes_per_json_byte: find("P1", "mock", big, "effect-kube", "heap_per_object") / jsonPerObject,
    P3_stripped_bytes_per_json_byte: find("P1", "mock", big, "effect-kube (strip)", "heap_per_object") / jsonPerObject,
    P3_vs_client_node:
      find("P1", "mock", big, "effect-kube", "heap_per_object") /
      find("P1", "mock", big, "client-node", "heap_per_object"),
    P3_vs_client_go:
      find("P1", "mock", big, "effect-kube", "heap_per_object") /
      find("P1", "mock", big, "client-go", "heap_per_object"),
    P4_reconciles_per_s: Math.max(
      ...[1, 8, 64].map((c) => find("P4", "in-process", 10_000, `effect-kube c=${c}`, "reconciles_per_s"))
    ),
    P4_p99_ms: find("P4", "in-process", 10_000, "effect-kube c=8", "latency_p99_ms")
  }
  if (p5Big !== undefined) {
    ratios.P5_1M_vs_raw =
      find("P5", "mock", p5Big, "effect-kube", "sync_ms") / find("P5", "mock", p5Big, "raw", "sync_ms")
    ratios.P5_1M_bytes_per_json_byte =
      find("P5", "mock", p5Big, "effect-kube", "heap_per_object") / ((bytes[String(p5Big)]?.full ?? Number.NaN) / p5Big)
  }
  const targets: Record<string, string> = {
    P1_vs_raw: "≤ 1.15",
    P1_vs_client_node: "≤ 0.33 (≥ 3× faster)",
    P2_vs_raw: "≥ 0.8",
    P3_bytes_per_json_byte: "≤ 2",
    P3_stripped_bytes_per_json_byte: "≤ 1",
    P3_vs_client_node: "≤ 1",
    P4_reconciles_per_s: "≥ 100000",
    P4_p99_ms: "≤ 2"
  }
  const loadEnd = loadavg()
  const busiest = Math.max(loadStart[0], loadEnd[0], loadEnd[1])
  if (busiest > cpus().length) {
    notes.push(
      `the machine was overloaded (load average up to ${busiest.toFixed(1)} on ${cpus().length} CPUs): single runs are noisy, trust medians and ratios over absolute times`
    )
  }
  const result = {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    durationSeconds: Math.round((performance.now() - started) / 1000),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "?",
      memoryBytes: totalmem(),
      freeMemoryBytes: freemem(),
      os: `${process.platform} ${release()}`,
      loadAverageStart: loadStart,
      loadAverageEnd: loadEnd
    },
    versions: {
      node: process.version,
      effect: packageVersion("effect"),
      "@kubernetes/client-node": packageVersion("@kubernetes/client-node"),
      undici: packageVersion("undici"),
      "client-go": clientGoBinary === undefined ? "skipped" : "v0.37.2",
      "kube-apiserver": "v1.37.2",
      go: goVersion()
    },
    config: { runs, warmup: 1, p1Sizes, p5Big, p2Events, pageSize: 500, jsonBytes: bytes },
    notes,
    figures,
    ratios,
    targets
  }
  mkdirSync(join(benchDir, "results"), { recursive: true })
  writeFileSync(join(benchDir, "results", "latest.json"), `${JSON.stringify(result, null, 2)}\n`)

  const lines: Array<string> = []
  lines.push(`## effect-kube benchmarks (${result.mode}, ${runs} runs after warm-up, ${result.durationSeconds} s)`)
  lines.push("")
  lines.push(
    `Machine: ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${process.version}; load average ${loadStart[0].toFixed(2)} → ${loadEnd[0].toFixed(2)} (shared machine: expect noise).`
  )
  lines.push("")
  lines.push("| bench | target | n | peer | metric | min | median | max | vs raw / vs JSON |")
  lines.push("|---|---|---:|---|---|---:|---:|---:|---:|")
  for (const f of figures) {
    const perObject = f.metric.endsWith("_per_object")
    const base = perObject
      ? (bytes[String(f.n)]?.full ?? Number.NaN) / f.n
      : f.bench === "P4"
        ? Number.NaN
        : find(f.bench, f.target, f.n, "raw", f.metric)
    const versus = Number.isFinite(base) ? `${(f.median / base).toFixed(2)}×${perObject ? " JSON" : ""}` : ""
    lines.push(
      `| ${f.bench} | ${f.target} | ${f.n.toLocaleString("en-US")} | ${f.peer} | ${f.metric} (${f.unit}) | ${fmt(f.min)} | ${fmt(f.median)} | ${fmt(f.max)} | ${versus} |`
    )
  }
  lines.push("")
  lines.push("| ratio (medians) | value | target |")
  lines.push("|---|---:|---|")
  for (const [k, v] of Object.entries(ratios)) lines.push(`| ${k} | ${fmt(v)} | ${targets[k] ?? ""} |`)
  if (notes.length > 0) {
    lines.push("")
    for (const note of notes) lines.push(`- ${note}`)
  }
  lines.push("")
  lines.push(
    `JSON bytes per object as served: ${sizes.map((n) => `${fmt((bytes[String(n)]?.full ?? Number.NaN) / n)} B (${fmt((bytes[String(n)]?.stripped ?? Number.NaN) / n)} B without managedFields) at ${n.toLocaleString("en-US")}`).join("; ")}.`
  )
  lines.push("Time ratios are ours/theirs (lower is better); P2 ratios are events/s (higher is better).")
  lines.push("Results: test/bench/results/latest.json")
  process.stdout.write(`${lines.join("\n")}\n`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  }
)
