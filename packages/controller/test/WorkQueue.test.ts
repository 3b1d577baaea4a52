import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as RateLimiter from "../src/RateLimiter.js"
import * as WorkQueue from "../src/WorkQueue.js"

// Lets forked fibers (timer, workers) run to their next suspension point.
const settle = Effect.repeatN(Effect.yieldNow(), 20)

let counter = 0
const uniqueName = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`

const exponentialOnly = RateLimiter.exponential()

const takeNow = <K>(queue: WorkQueue.WorkQueue<K>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(queue.get)
    yield* settle
    const poll = yield* Fiber.poll(fiber)
    if (Option.isNone(poll)) {
      yield* Fiber.interrupt(fiber)
      return Option.none<K>()
    }
    return yield* Exit.match(poll.value, {
      onFailure: () => Effect.succeed(Option.none<K>()),
      onSuccess: (value) => Effect.succeed(value)
    })
  })

describe("WorkQueue", () => {
  it.scoped("collapses duplicate adds and hands keys out FIFO", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({ name: uniqueName("fifo"), rateLimiter: exponentialOnly, metrics: false })
      yield* queue.add("a")
      yield* queue.add("b")
      yield* queue.add("a")
      yield* queue.add("c")
      expect(yield* queue.len).toBe(3)
      expect(yield* queue.get).toEqual(Option.some("a"))
      expect(yield* queue.get).toEqual(Option.some("b"))
      expect(yield* queue.get).toEqual(Option.some("c"))
      expect(yield* queue.len).toBe(0)
      expect(yield* queue.processing).toBe(3)
    })
  )

  it.scoped("never hands out a key being processed; re-queues it on done if it was added meanwhile", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({ name: uniqueName("dirty"), rateLimiter: exponentialOnly, metrics: false })
      yield* queue.add("a")
      expect(yield* queue.get).toEqual(Option.some("a"))
      yield* queue.add("a")
      yield* queue.add("a")
      expect(yield* queue.len).toBe(0)
      expect(yield* takeNow(queue)).toEqual(Option.none())
      yield* queue.done("a")
      expect(yield* queue.len).toBe(1)
      expect(yield* queue.get).toEqual(Option.some("a"))
      yield* queue.done("a")
      expect(yield* queue.len).toBe(0)
      expect(yield* queue.processing).toBe(0)
    })
  )

  it.scoped("a waiting get is woken by an add", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({ name: uniqueName("wake"), rateLimiter: exponentialOnly, metrics: false })
      const fiber = yield* Effect.fork(queue.get)
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* queue.add("x")
      expect(yield* Fiber.join(fiber)).toEqual(Option.some("x"))
    })
  )

  it.scoped("an interrupted waiter does not lose the key", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({
        name: uniqueName("interrupt"),
        rateLimiter: exponentialOnly,
        metrics: false
      })
      const first = yield* Effect.fork(queue.get)
      yield* settle
      yield* Fiber.interrupt(first)
      yield* queue.add("k")
      expect(yield* queue.get).toEqual(Option.some("k"))
    })
  )

  it.scoped("a key handed to a waiter that is interrupted before it resumes goes back to the queue", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({
        name: uniqueName("handover"),
        rateLimiter: exponentialOnly,
        metrics: false
      })
      const fiber = yield* Effect.fork(queue.get)
      yield* settle
      // The interrupt is queued before the hand-over, so the fiber sees it first.
      yield* Effect.sync(() => {
        fiber.unsafeInterruptAsFork(FiberId.none)
        queue.unsafeAdd("k")
      })
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(yield* queue.processing).toBe(0)
      expect(yield* queue.len).toBe(1)
      expect(yield* queue.get).toEqual(Option.some("k"))
    })
  )

  it.scoped("serves Normal before Low, FIFO within each, and upgrades a Low key re-added as Normal", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({ name: uniqueName("prio"), rateLimiter: exponentialOnly, metrics: false })
      yield* queue.add("l1", "Low")
      yield* queue.add("l2", "Low")
      yield* queue.add("n1")
      yield* queue.add("l3", "Low")
      yield* queue.add("n2")
      yield* queue.add("l2", "Normal")
      yield* queue.add("n1", "Low")
      expect(yield* queue.len).toBe(5)
      const order: Array<string> = []
      for (let i = 0; i < 5; i++) order.push(Option.getOrThrow(yield* queue.get))
      expect(order).toEqual(["n1", "n2", "l2", "l1", "l3"])
    })
  )

  it.scoped("addAfter makes a key ready only after its delay; the earliest of several delays wins", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({ name: uniqueName("after"), rateLimiter: exponentialOnly, metrics: false })
      yield* queue.addAfter("a", "10 seconds")
      yield* queue.addAfter("a", "3 seconds")
      yield* queue.addAfter("a", "20 seconds")
      yield* queue.addAfter("b", "5 seconds")
      expect(yield* queue.delayed).toBe(2)
      yield* TestClock.adjust("2999 millis")
      yield* settle
      expect(yield* queue.len).toBe(0)
      yield* TestClock.adjust("1 millis")
      yield* settle
      expect(yield* queue.len).toBe(1)
      expect(yield* queue.get).toEqual(Option.some("a"))
      yield* TestClock.adjust("2 seconds")
      yield* settle
      expect(yield* queue.get).toEqual(Option.some("b"))
      yield* queue.done("a")
      yield* queue.done("b")
      // The 10 s and 20 s requests were absorbed by the 3 s one.
      yield* TestClock.adjust("1 minute")
      yield* settle
      expect(yield* queue.len).toBe(0)
      expect(yield* queue.delayed).toBe(0)
    })
  )

  it.scoped("an earlier addAfter wakes the timer sleeping for a later deadline", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({ name: uniqueName("earlier"), rateLimiter: exponentialOnly, metrics: false })
      yield* queue.addAfter("late", "1 hour")
      yield* settle
      yield* queue.addAfter("soon", "1 second")
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(yield* queue.get).toEqual(Option.some("soon"))
      expect(yield* queue.delayed).toBe(1)
    })
  )

  it.scoped("add of a key waiting for a delay queues it now; the delay then re-adds only if no longer pending", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({
        name: uniqueName("addwhiledelayed"),
        rateLimiter: exponentialOnly,
        metrics: false
      })
      yield* queue.addAfter("a", "5 seconds")
      yield* queue.add("a")
      expect(yield* queue.get).toEqual(Option.some("a"))
      yield* queue.done("a")
      yield* TestClock.adjust("5 seconds")
      yield* settle
      // processed already, so the delayed add queues it again (client-go semantics)
      expect(yield* queue.len).toBe(1)

      yield* queue.addAfter("b", "5 seconds")
      yield* queue.add("b")
      yield* TestClock.adjust("5 seconds")
      yield* settle
      // still pending when the delay fired: collapses
      expect(yield* queue.len).toBe(2)
    })
  )

  it.scoped("addRateLimited backs off 5 ms, 10 ms, 20 ms … per key and forget resets", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({
        name: uniqueName("ratelimited"),
        rateLimiter: exponentialOnly,
        metrics: false
      })
      const readyAfter = Effect.gen(function* () {
        yield* queue.addRateLimited("k")
        let waited = 0
        while ((yield* queue.len) === 0) {
          yield* TestClock.adjust("1 millis")
          yield* settle
          waited++
        }
        const key = yield* queue.get
        yield* queue.done(Option.getOrThrow(key))
        return waited
      })
      expect(yield* readyAfter).toBe(5)
      expect(yield* readyAfter).toBe(10)
      expect(yield* readyAfter).toBe(20)
      expect(yield* queue.numRequeues("k")).toBe(3)
      yield* queue.forget("k")
      expect(yield* queue.numRequeues("k")).toBe(0)
      expect(yield* readyAfter).toBe(5)
    })
  )

  it.scoped("generic keys use keyOf for identity", () =>
    Effect.gen(function* () {
      interface Ref {
        readonly namespace: string
        readonly name: string
      }
      const queue = yield* WorkQueue.make<Ref>({
        name: uniqueName("generic"),
        keyOf: (ref) => `${ref.namespace}/${ref.name}`,
        rateLimiter: exponentialOnly,
        metrics: false
      })
      yield* queue.add({ namespace: "a", name: "x" })
      yield* queue.add({ namespace: "a", name: "x" })
      yield* queue.add({ namespace: "b", name: "x" })
      expect(yield* queue.len).toBe(2)
      expect(yield* queue.get).toEqual(Option.some({ namespace: "a", name: "x" }))
    })
  )

  it.scoped("shutdown wakes waiters with None, drops queued and delayed keys and ignores new adds", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({
        name: uniqueName("shutdown"),
        rateLimiter: exponentialOnly,
        metrics: false
      })
      const waiter = yield* Effect.fork(queue.get)
      yield* settle
      yield* queue.addAfter("d", "1 second")
      yield* queue.add("q")
      expect(yield* Fiber.join(waiter)).toEqual(Option.some("q"))
      yield* queue.add("r")
      const waiter2 = yield* Effect.fork(Effect.zipRight(queue.get, queue.get))
      yield* settle
      yield* queue.shutdown
      expect(yield* Fiber.join(waiter2)).toEqual(Option.none())
      expect(yield* queue.isShuttingDown).toBe(true)
      yield* queue.add("new")
      yield* queue.addAfter("new2", "1 millis")
      yield* queue.addRateLimited("new3")
      yield* TestClock.adjust("1 minute")
      yield* settle
      expect(yield* queue.len).toBe(0)
      expect(yield* queue.delayed).toBe(0)
      expect(yield* queue.get).toEqual(Option.none())
    })
  )

  it.scoped("shutdownWithDrain waits for in-flight keys, and times out if they never finish", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({ name: uniqueName("drain"), rateLimiter: exponentialOnly, metrics: false })
      yield* queue.add("a")
      yield* queue.add("b")
      yield* queue.get
      yield* queue.get
      const drain = yield* Effect.fork(queue.shutdownWithDrain("10 seconds"))
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(drain))).toBe(true)
      yield* queue.done("a")
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(drain))).toBe(true)
      yield* queue.done("b")
      expect(yield* Fiber.join(drain)).toBe(true)

      const stuck = yield* WorkQueue.make({
        name: uniqueName("drain-stuck"),
        rateLimiter: exponentialOnly,
        metrics: false
      })
      yield* stuck.add("a")
      yield* stuck.get
      const drain2 = yield* Effect.fork(stuck.shutdownWithDrain("10 seconds"))
      yield* settle
      yield* TestClock.adjust("10 seconds")
      expect(yield* Fiber.join(drain2)).toBe(false)
    })
  )

  it.scoped("processNext pairs get with done even when the handler fails or is interrupted", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({ name: uniqueName("process"), rateLimiter: exponentialOnly, metrics: false })
      yield* queue.add("fails")
      const failed = yield* WorkQueue.processNext(queue, () => Effect.fail("boom"))
      expect(failed).toEqual(Option.some(Exit.fail("boom")))
      expect(yield* queue.processing).toBe(0)

      yield* queue.add("hangs")
      const started = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(
        WorkQueue.processNext(queue, () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never))
      )
      yield* Deferred.await(started)
      expect(yield* queue.processing).toBe(1)
      yield* Fiber.interrupt(fiber)
      expect(yield* queue.processing).toBe(0)
      // interrupted work is queued again rather than lost
      expect(yield* queue.len).toBe(1)
      expect(yield* queue.get).toEqual(Option.some("hangs"))
      yield* queue.done("hangs")

      // handed over and interrupted before the handler could start: still not lost
      const ran: Array<string> = []
      const worker = yield* Effect.fork(WorkQueue.processNext(queue, (key) => Effect.sync(() => ran.push(key))))
      yield* settle
      yield* Effect.sync(() => {
        queue.unsafeAdd("raced")
        worker.unsafeInterruptAsFork(FiberId.none)
      })
      yield* Fiber.await(worker)
      expect(yield* queue.processing).toBe(0)
      expect((yield* queue.len) + ran.length).toBe(1)
    })
  )

  it.scoped("runWorker processes until shutdown with N workers, one key at a time", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({ name: uniqueName("workers"), rateLimiter: exponentialOnly, metrics: false })
      const active = new Set<string>()
      const processed: Array<string> = []
      let violations = 0
      const handler = (key: string) =>
        Effect.gen(function* () {
          if (active.has(key)) violations++
          active.add(key)
          yield* Effect.sleep(Duration.millis(10))
          active.delete(key)
          processed.push(key)
        })
      const workers = yield* Effect.forkAll(Array.from({ length: 4 }, () => WorkQueue.runWorker(queue, handler)))
      for (let round = 0; round < 5; round++) {
        for (const key of ["a", "b", "c", "a", "b"]) yield* queue.add(key)
        yield* settle
        yield* TestClock.adjust("5 millis")
        yield* settle
      }
      yield* TestClock.adjust("1 second")
      yield* settle
      yield* queue.shutdown
      yield* Fiber.join(workers)
      expect(violations).toBe(0)
      expect(new Set(processed)).toEqual(new Set(["a", "b", "c"]))
    })
  )

  it.scoped("closing the scope shuts the queue down", () =>
    Effect.gen(function* () {
      const queue = yield* Effect.scoped(
        WorkQueue.make({ name: uniqueName("scope"), rateLimiter: exponentialOnly, metrics: false })
      )
      expect(yield* queue.isShuttingDown).toBe(true)
      expect(yield* queue.get).toEqual(Option.none())
    })
  )
})
