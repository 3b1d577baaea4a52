import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as RateLimiter from "../src/RateLimiter.js"
import * as WorkQueue from "../src/WorkQueue.js"

const keyArb = fc.constantFrom("a", "b", "c", "d", "e")
const priorityArb = fc.constantFrom<WorkQueue.Priority>("Normal", "Low")
let runs = 0
const freshName = (prefix: string) => `${prefix}-${++runs}`

// ---------------------------------------------------------------------------------------------
// 1. Exact model: add / get / done from one fiber. Checks de-duplication, FIFO within a
//    priority, Normal before Low, priority upgrade, dirty-while-processing, len.
// ---------------------------------------------------------------------------------------------

type ExactOp =
  | { readonly op: "add"; readonly key: string; readonly priority: WorkQueue.Priority }
  | { readonly op: "get" }
  | { readonly op: "done"; readonly pick: number }

const exactOpArb: fc.Arbitrary<ExactOp> = fc.oneof(
  fc.record({ op: fc.constant("add" as const), key: keyArb, priority: priorityArb }),
  fc.record({ op: fc.constant("get" as const) }),
  fc.record({ op: fc.constant("done" as const), pick: fc.nat() })
)

class ExactModel {
  readonly lanes: { Normal: Array<string>; Low: Array<string> } = { Normal: [], Low: [] }
  readonly dirty = new Map<string, WorkQueue.Priority>()
  readonly processing: Array<string> = []

  add(key: string, priority: WorkQueue.Priority): void {
    const pending = this.dirty.get(key)
    if (pending !== undefined) {
      if (pending === "Low" && priority === "Normal") {
        this.dirty.set(key, "Normal")
        const i = this.lanes.Low.indexOf(key)
        if (i >= 0) {
          this.lanes.Low.splice(i, 1)
          this.lanes.Normal.push(key)
        }
      }
      return
    }
    this.dirty.set(key, priority)
    if (!this.processing.includes(key)) this.lanes[priority].push(key)
  }

  get(): string | undefined {
    const key = this.lanes.Normal.shift() ?? this.lanes.Low.shift()
    if (key === undefined) return undefined
    this.dirty.delete(key)
    this.processing.push(key)
    return key
  }

  done(key: string): void {
    this.processing.splice(this.processing.indexOf(key), 1)
    const pending = this.dirty.get(key)
    if (pending !== undefined) this.lanes[pending].push(key)
  }

  get len(): number {
    return this.lanes.Normal.length + this.lanes.Low.length
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Concurrent: N workers, random delays, rate-limited adds and clock advances.
// ---------------------------------------------------------------------------------------------

type ConcurrentOp =
  | { readonly op: "add"; readonly key: string; readonly yields: number }
  | { readonly op: "addAfter"; readonly key: string; readonly ms: number; readonly yields: number }
  | { readonly op: "addRateLimited"; readonly key: string; readonly yields: number }
  | { readonly op: "forget"; readonly key: string; readonly yields: number }
  | { readonly op: "advance"; readonly ms: number; readonly yields: number }

const yieldsArb = fc.integer({ min: 0, max: 6 })
const concurrentOpArb: fc.Arbitrary<ConcurrentOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("add" as const), key: keyArb, yields: yieldsArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("addAfter" as const),
      key: keyArb,
      ms: fc.integer({ min: 0, max: 80 }),
      yields: yieldsArb
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("addRateLimited" as const), key: keyArb, yields: yieldsArb })
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("forget" as const), key: keyArb, yields: yieldsArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("advance" as const),
      ms: fc.integer({ min: 0, max: 40 }),
      yields: yieldsArb
    })
  }
)

interface Trigger {
  readonly key: string
  readonly seq: number
  readonly readyAt: number
  used: boolean
}
interface Start {
  readonly key: string
  readonly seq: number
  readonly time: number
}

const yieldTimes = (n: number) => Effect.repeatN(Effect.yieldNow(), Math.max(0, n - 1))

describe("WorkQueue properties", () => {
  it.scoped.prop(
    "matches an exact model of dedup, FIFO, priorities and dirty-while-processing",
    [fc.array(exactOpArb, { maxLength: 120 })],
    ([ops]) =>
      Effect.gen(function* () {
        const queue = yield* WorkQueue.make({
          name: freshName("exact"),
          rateLimiter: RateLimiter.exponential(),
          metrics: false
        })
        const model = new ExactModel()
        for (const op of ops) {
          switch (op.op) {
            case "add":
              yield* queue.add(op.key, op.priority)
              model.add(op.key, op.priority)
              break
            case "get": {
              const expected = model.get()
              if (expected === undefined) {
                expect(yield* queue.len).toBe(0)
              } else {
                expect(yield* queue.get).toEqual(Option.some(expected))
              }
              break
            }
            case "done": {
              if (model.processing.length === 0) break
              const key = model.processing[op.pick % model.processing.length]
              yield* queue.done(key)
              model.done(key)
              break
            }
          }
          expect(yield* queue.len).toBe(model.len)
          expect(yield* queue.processing).toBe(model.processing.length)
        }
      }),
    { fastCheck: { numRuns: 100 } }
  )

  it.scoped.prop(
    "with concurrent workers: never concurrent per key, never lost, never before its ready time",
    [
      fc.array(concurrentOpArb, { maxLength: 60 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 8 })
    ],
    ([ops, workerCount, workDurations]) =>
      Effect.gen(function* () {
        const queue = yield* WorkQueue.make({
          name: freshName("concurrent"),
          rateLimiter: RateLimiter.exponential(),
          metrics: false
        })
        let seq = 0
        const triggers: Array<Trigger> = []
        const starts: Array<Start> = []
        const active = new Set<string>()
        const concurrent: Array<string> = []
        const failures = new Map<string, number>()
        let durationIndex = 0

        const handler = (key: string) =>
          Effect.gen(function* () {
            const time = yield* Clock.currentTimeMillis
            if (active.has(key)) concurrent.push(key)
            active.add(key)
            starts.push({ key, seq: ++seq, time })
            const ms = workDurations[durationIndex++ % workDurations.length]
            yield* ms > 0 ? Effect.sleep(Duration.millis(ms)) : Effect.yieldNow()
            active.delete(key)
          })
        const workers = yield* Effect.forkAll(
          Array.from({ length: workerCount }, () => WorkQueue.runWorker(queue, handler))
        )

        for (const op of ops) {
          const now = yield* Clock.currentTimeMillis
          switch (op.op) {
            case "add":
              triggers.push({ key: op.key, seq: ++seq, readyAt: now, used: false })
              yield* queue.add(op.key)
              break
            case "addAfter":
              triggers.push({ key: op.key, seq: ++seq, readyAt: now + op.ms, used: false })
              yield* queue.addAfter(op.key, Duration.millis(op.ms))
              break
            case "addRateLimited": {
              const n = failures.get(op.key) ?? 0
              expect(yield* queue.numRequeues(op.key)).toBe(n)
              failures.set(op.key, n + 1)
              triggers.push({ key: op.key, seq: ++seq, readyAt: now + Math.min(5 * 2 ** n, 1_000_000), used: false })
              yield* queue.addRateLimited(op.key)
              break
            }
            case "forget":
              failures.delete(op.key)
              yield* queue.forget(op.key)
              break
            case "advance":
              yield* TestClock.adjust(Duration.millis(op.ms))
              break
          }
          if (op.yields > 0) yield* yieldTimes(op.yields)
        }

        // Let everything due run to completion.
        for (let i = 0; i < 100; i++) {
          yield* TestClock.adjust("100 seconds")
          yield* yieldTimes(30)
          const idle = (yield* queue.len) === 0 && (yield* queue.processing) === 0 && (yield* queue.delayed) === 0
          if (idle) break
        }
        expect(yield* queue.len).toBe(0)
        expect(yield* queue.processing).toBe(0)
        expect(yield* queue.delayed).toBe(0)
        yield* queue.shutdown
        yield* Fiber.join(workers)

        // never the same key in two workers at once
        expect(concurrent).toEqual([])

        // never lost: every key's last trigger is followed by a processing start
        const lastTrigger = new Map<string, number>()
        for (const t of triggers) lastTrigger.set(t.key, t.seq)
        for (const [key, triggerSeq] of lastTrigger) {
          expect(
            starts.some((s) => s.key === key && s.seq > triggerSeq),
            `key ${key} triggered at #${triggerSeq} was not processed afterwards`
          ).toBe(true)
        }

        // never early, and no more processing than requests: each start consumes a distinct
        // trigger that was requested before it and was ready by then
        for (const start of starts) {
          const trigger = triggers.find(
            (t) => !t.used && t.key === start.key && t.seq < start.seq && t.readyAt <= start.time
          )
          expect(trigger, `start of ${start.key} at ${start.time} (#${start.seq}) has no ready trigger`).toBeDefined()
          if (trigger !== undefined) trigger.used = true
        }
      }),
    { fastCheck: { numRuns: 60 }, timeout: 120_000 }
  )
})
