/**
 * P4 dispatch: `WorkQueue` (default rate limiter, metrics on) drained by `concurrency` workers
 * (`WorkQueue.runWorker`) running a no-op reconcile.
 * - throughput: `keys` distinct keys added at once, `rounds` times (each round after the last
 *   drained): reconciles/s.
 * - latency: events at a steady `rate`/s for `seconds` (keys round-robin, added in 1 ms ticks);
 *   event → reconcile start latency p50/p99 (the queue dedups, so a key re-added while queued
 *   keeps its first timestamp, as the reconcile covers both).
 */
import * as WorkQueue from "@effect-kube/controller/WorkQueue"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { ConfigEnv, isRecordValue } from "../lib/peer.js"

const raw: unknown = JSON.parse(process.env[ConfigEnv] ?? "{}")
const num = (k: string, d: number): number => (isRecordValue(raw) && typeof raw[k] === "number" ? raw[k] : d)
const concurrency = num("concurrency", 1)
const keyCount = num("keys", 10_000)
const rounds = num("rounds", 10)
const rate = num("rate", 5_000)
const seconds = num("seconds", 2)
const keys = Array.from({ length: keyCount }, (_, i) => `bench-${i % 20}/cm-${i}`)

const quantile = (sorted: ReadonlyArray<number>, q: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]

const throughput = Effect.gen(function* () {
  const queue = yield* WorkQueue.make({ name: `bench-throughput-${concurrency}` })
  let done = 0
  let target = 0
  let signal = yield* Deferred.make<void>()
  const reconcile = (_key: string) =>
    Effect.suspend(() => {
      done++
      return done === target ? Deferred.succeed(signal, undefined) : Effect.void
    })
  for (let w = 0; w < concurrency; w++) yield* Effect.forkScoped(WorkQueue.runWorker(queue, reconcile))
  const start = performance.now()
  for (let r = 0; r < rounds; r++) {
    signal = yield* Deferred.make<void>()
    target += keyCount
    for (const key of keys) queue.unsafeAdd(key)
    yield* Deferred.await(signal)
  }
  const ms = performance.now() - start
  return (rounds * keyCount * 1000) / ms
}).pipe(Effect.scoped)

const latency = Effect.gen(function* () {
  const queue = yield* WorkQueue.make({ name: `bench-latency-${concurrency}` })
  const enqueued = new Map<string, number>()
  const samples: Array<number> = []
  const total = Math.round(rate * seconds)
  let reconciled = 0
  const finished = yield* Deferred.make<void>()
  const reconcile = (key: string) =>
    Effect.suspend(() => {
      const t = enqueued.get(key)
      if (t !== undefined) {
        samples.push(performance.now() - t)
        enqueued.delete(key)
      }
      reconciled++
      return samples.length >= total || (sent >= total && enqueued.size === 0)
        ? Deferred.succeed(finished, undefined)
        : Effect.void
    })
  let sent = 0
  for (let w = 0; w < concurrency; w++) yield* Effect.forkScoped(WorkQueue.runWorker(queue, reconcile))
  const start = performance.now()
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000))
    while (sent < due) {
      const key = keys[sent % keys.length]
      if (!enqueued.has(key)) enqueued.set(key, performance.now())
      queue.unsafeAdd(key)
      sent++
    }
    yield* Effect.sleep("1 millis")
  }
  yield* Deferred.await(finished)
  samples.sort((a, b) => a - b)
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), samples: samples.length, reconciled }
}).pipe(Effect.scoped)

const main = Effect.gen(function* () {
  const perSecond = yield* throughput
  const lat = yield* latency
  process.stdout.write(
    `${JSON.stringify({ ms: 0, count: lat.samples, heapBytes: 0, rssBytes: 0, perSecond, p50: lat.p50, p99: lat.p99 })}\n`
  )
}).pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.Warning)))

Effect.runPromise(main).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`dispatch peer failed: ${String(error)}\n`)
    process.exit(1)
  }
)
