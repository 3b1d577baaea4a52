import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as RateLimiter from "../RateLimiter.js"
import type { QueueMetrics } from "./workQueueMetrics.js"

/** Lane indexes: higher is served first. @internal */
export const LowLane = 0
/** @internal */
export const NormalLane = 1

// One record per key that is queued and/or being processed; deleted when neither.
class Entry<K> {
  /** Needs (another) processing: set by add, cleared when handed to a worker. */
  dirty = false
  processing = false
  /** Lane of the pending request; the highest requested since it became dirty. */
  priority = NormalLane
  /** Lane this entry currently sits in, or -1 (not ready: not dirty, or processing). */
  lane = -1
  /** Matches the lane slot that is live; older slots of this entry are stale. */
  ticket = 0
  addedAt = 0
  startedAt = 0
  constructor(
    readonly key: K,
    readonly id: string
  ) {}
}

// A FIFO of entries with lazy deletion: a slot is live only while its ticket is the entry's
// current ticket and the entry still sits in this lane. Moving an entry to another lane (a
// priority upgrade) is O(1) and leaves a stale slot behind, skipped on pop.
class Lane<K> {
  private entries: Array<Entry<K> | undefined> = []
  private tickets: Array<number> = []
  private head = 0

  constructor(readonly id: number) {}

  push(entry: Entry<K>, ticket: number): void {
    this.entries.push(entry)
    this.tickets.push(ticket)
  }

  pop(): Entry<K> | undefined {
    const entries = this.entries
    while (this.head < entries.length) {
      const i = this.head++
      const entry = entries[i]
      entries[i] = undefined
      if (entry !== undefined && entry.lane === this.id && entry.ticket === this.tickets[i]) {
        this.compact()
        return entry
      }
    }
    this.clear()
    return undefined
  }

  clear(): void {
    this.entries = []
    this.tickets = []
    this.head = 0
  }

  private compact(): void {
    // Amortised O(1): drop the consumed prefix once it dominates the arrays.
    if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head)
      this.tickets = this.tickets.slice(this.head)
      this.head = 0
    }
  }
}

interface Delayed<K> {
  readonly id: string
  readonly key: K
  readyAt: number
  priority: number
  index: number
}

// Binary min-heap on readyAt with positions tracked for decrease-key: one entry per key, the
// earliest requested time wins (client-go's delaying queue).
class DelayHeap<K> {
  private heap: Array<Delayed<K>> = []
  private byId = new Map<string, Delayed<K>>()

  get size(): number {
    return this.heap.length
  }

  peek(): Delayed<K> | undefined {
    return this.heap[0]
  }

  /** Inserts or moves earlier; returns the entry's resulting readyAt. */
  upsert(id: string, key: K, readyAt: number, priority: number): number {
    const existing = this.byId.get(id)
    if (existing !== undefined) {
      if (priority > existing.priority) existing.priority = priority
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt
        this.up(existing.index)
      }
      return existing.readyAt
    }
    const entry: Delayed<K> = { id, key, readyAt, priority, index: this.heap.length }
    this.heap.push(entry)
    this.byId.set(id, entry)
    this.up(entry.index)
    return readyAt
  }

  pop(): Delayed<K> | undefined {
    const heap = this.heap
    const top = heap[0]
    if (top === undefined) return undefined
    const last = heap.pop()
    if (last !== undefined && last !== top) {
      heap[0] = last
      last.index = 0
      this.down(0)
    }
    this.byId.delete(top.id)
    return top
  }

  clear(): void {
    this.heap = []
    this.byId.clear()
  }

  private up(i: number): void {
    const heap = this.heap
    const entry = heap[i]
    while (i > 0) {
      const parentIndex = (i - 1) >> 1
      const parent = heap[parentIndex]
      if (parent.readyAt <= entry.readyAt) break
      heap[i] = parent
      parent.index = i
      i = parentIndex
    }
    heap[i] = entry
    entry.index = i
  }

  private down(i: number): void {
    const heap = this.heap
    const n = heap.length
    const entry = heap[i]
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      const child = right < n && heap[right].readyAt < heap[left].readyAt ? right : left
      if (heap[child].readyAt >= entry.readyAt) break
      heap[i] = heap[child]
      heap[i].index = i
      i = child
    }
    heap[i] = entry
    entry.index = i
  }
}

interface Waiter<K> {
  resume: ((effect: Effect.Effect<Option.Option<K>>) => void) | undefined
  handed: Entry<K> | undefined
}

// JS timers treat longer delays as infinite; sleep in bounded chunks and re-check instead.
const maxSleepMillis = 24 * 60 * 60 * 1000

/**
 * The queue's state machine. Every method is synchronous and runs to completion without
 * yielding, which is what makes the Maps and flags consistent without locks: the Effect
 * wrappers in `WorkQueue.ts` only schedule these calls.
 *
 * @internal
 */
export class WorkQueueImpl<K> {
  private readonly items = new Map<string, Entry<K>>()
  private readonly lanes: ReadonlyArray<Lane<K>> = [new Lane(LowLane), new Lane(NormalLane)]
  private readyCount = 0
  private readonly inFlight = new Set<Entry<K>>()
  private ticketSeq = 0
  private waiters: Array<Waiter<K> | undefined> = []
  private waitersHead = 0
  private readonly delayed = new DelayHeap<K>()
  private timerDeadline = Number.POSITIVE_INFINITY
  private wakeTimerResume: (() => void) | undefined = undefined
  private wakeTimerPending = false
  private drainWaiters: Array<() => void> = []
  shuttingDown = false

  constructor(
    readonly keyOf: (key: K) => string,
    readonly clock: Clock.Clock,
    readonly limiter: RateLimiter.Limiter,
    readonly metrics: QueueMetrics
  ) {}

  get length(): number {
    return this.readyCount
  }

  get processingSize(): number {
    return this.inFlight.size
  }

  get delayedSize(): number {
    return this.delayed.size
  }

  add(key: K, priority: number): void {
    if (this.shuttingDown) return
    const id = this.keyOf(key)
    let entry = this.items.get(id)
    if (entry === undefined) {
      entry = new Entry(key, id)
      this.items.set(id, entry)
    } else if (entry.dirty) {
      // Already pending: a duplicate collapses, but a higher priority is honoured.
      if (priority > entry.priority) {
        entry.priority = priority
        if (entry.lane !== -1) this.enqueue(entry)
      }
      return
    }
    this.metrics.add()
    this.metrics.depthDelta(1)
    entry.dirty = true
    entry.priority = priority
    entry.addedAt = this.clock.unsafeCurrentTimeMillis()
    // Being processed: re-queued by done(), never handed to a second worker meanwhile.
    if (entry.processing) return
    this.enqueue(entry)
    this.pump()
  }

  addAfter(key: K, delayMillis: number, priority: number): void {
    // An infinite delay never becomes ready: nothing to schedule.
    if (this.shuttingDown || delayMillis === Number.POSITIVE_INFINITY) return
    this.metrics.retry()
    if (!(delayMillis > 0)) {
      this.add(key, priority)
      return
    }
    const readyAt = this.clock.unsafeCurrentTimeMillis() + delayMillis
    const effective = this.delayed.upsert(this.keyOf(key), key, readyAt, priority)
    if (effective < this.timerDeadline) this.wakeTimer()
  }

  addRateLimited(key: K, priority: number): void {
    if (this.shuttingDown) return
    const delay = this.limiter.when(this.keyOf(key), this.clock.unsafeCurrentTimeMillis())
    this.addAfter(key, delay, priority)
  }

  /** Takes the next ready key and marks it processing, or returns undefined. */
  tryTake(): Entry<K> | undefined {
    if (this.readyCount === 0 || this.shuttingDown) return undefined
    let entry = this.lanes[NormalLane].pop()
    if (entry === undefined) entry = this.lanes[LowLane].pop()
    if (entry === undefined) return undefined
    const now = this.clock.unsafeCurrentTimeMillis()
    entry.lane = -1
    this.readyCount--
    entry.dirty = false
    entry.processing = true
    entry.startedAt = now
    this.inFlight.add(entry)
    this.metrics.depthDelta(-1)
    this.metrics.queueLatency((now - entry.addedAt) / 1000)
    return entry
  }

  /** Suspends until a key is handed over (or the queue shuts down). */
  readonly wait: Effect.Effect<Option.Option<K>> = Effect.async<Option.Option<K>>((resume) => {
    if (this.shuttingDown) {
      resume(Effect.succeed(Option.none()))
      return
    }
    const entry = this.tryTake()
    if (entry !== undefined) {
      resume(Effect.succeed(Option.some(entry.key)))
      return
    }
    const waiter: Waiter<K> = { resume, handed: undefined }
    this.waiters.push(waiter)
    return Effect.sync(() => {
      // Interrupted: if a key was already handed to us, it goes back rather than being lost.
      waiter.resume = undefined
      const handed = waiter.handed
      if (handed !== undefined) {
        waiter.handed = undefined
        this.giveBack(handed)
      }
    })
  })

  done(key: K): void {
    const entry = this.items.get(this.keyOf(key))
    if (entry === undefined || !entry.processing) return
    entry.processing = false
    this.inFlight.delete(entry)
    this.metrics.workDuration((this.clock.unsafeCurrentTimeMillis() - entry.startedAt) / 1000)
    if (entry.dirty) {
      this.enqueue(entry)
      this.pump()
    } else {
      this.items.delete(entry.id)
    }
    if (this.shuttingDown && this.inFlight.size === 0) this.resumeDrainWaiters()
  }

  forget(key: K): void {
    this.limiter.forget(this.keyOf(key))
  }

  numRequeues(key: K): number {
    return this.limiter.numRequeues(this.keyOf(key))
  }

  shutdown(): void {
    if (this.shuttingDown) return
    this.shuttingDown = true
    // Queued-but-unstarted keys are dropped: reconciles are level-based and the next start
    // lists everything again. Keys in flight stay until their done().
    for (const entry of this.items.values()) {
      if (entry.dirty) {
        entry.dirty = false
        this.metrics.depthDelta(-1)
      }
      entry.lane = -1
      if (!entry.processing) this.items.delete(entry.id)
    }
    this.readyCount = 0
    for (const lane of this.lanes) lane.clear()
    this.delayed.clear()
    this.wakeTimer()
    const waiters = this.waiters
    const head = this.waitersHead
    this.waiters = []
    this.waitersHead = 0
    for (let i = head; i < waiters.length; i++) {
      const resume = waiters[i]?.resume
      if (resume !== undefined) resume(Effect.succeed(Option.none()))
    }
    if (this.inFlight.size === 0) this.resumeDrainWaiters()
  }

  /** Resolves once nothing is being processed (after shutdown). */
  readonly awaitDrained: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.inFlight.size === 0) {
      resume(Effect.void)
      return
    }
    const callback = () => resume(Effect.void)
    this.drainWaiters.push(callback)
    return Effect.sync(() => {
      this.drainWaiters = this.drainWaiters.filter((f) => f !== callback)
    })
  })

  updateUnfinishedWork(): void {
    const now = this.clock.unsafeCurrentTimeMillis()
    let total = 0
    let longest = 0
    for (const entry of this.inFlight) {
      const running = now - entry.startedAt
      total += running
      if (running > longest) longest = running
    }
    this.metrics.unfinished(total / 1000, longest / 1000)
  }

  /** The single timer fiber: moves due delayed keys into the queue, then sleeps until the next. */
  readonly timerLoop: Effect.Effect<void> = Effect.suspend(() => {
    if (this.shuttingDown) return Effect.void
    const now = this.clock.unsafeCurrentTimeMillis()
    for (let next = this.delayed.peek(); next !== undefined && next.readyAt <= now; next = this.delayed.peek()) {
      this.delayed.pop()
      this.add(next.key, next.priority)
    }
    const next = this.delayed.peek()
    let wait: Effect.Effect<void>
    if (next === undefined) {
      this.timerDeadline = Number.POSITIVE_INFINITY
      wait = this.awaitWake
    } else {
      this.timerDeadline = next.readyAt
      const millis = Math.min(next.readyAt - now, maxSleepMillis)
      wait = Effect.raceFirst(this.clock.sleep(Duration.millis(millis)), this.awaitWake)
    }
    return Effect.zipRight(wait, this.timerLoop)
  })

  private readonly awaitWake: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.wakeTimerPending || this.shuttingDown) {
      this.wakeTimerPending = false
      resume(Effect.void)
      return
    }
    this.wakeTimerResume = () => resume(Effect.void)
    return Effect.sync(() => {
      this.wakeTimerResume = undefined
    })
  })

  private wakeTimer(): void {
    const resume = this.wakeTimerResume
    if (resume !== undefined) {
      this.wakeTimerResume = undefined
      // Make the deadline current so further earlier adds before the timer runs don't re-wake.
      this.timerDeadline = Number.NEGATIVE_INFINITY
      resume()
    } else {
      // The timer is between waits (already computing its next deadline): make its next wait
      // return at once so it re-reads the heap.
      this.wakeTimerPending = true
    }
  }

  private enqueue(entry: Entry<K>): void {
    if (entry.lane === -1) this.readyCount++
    entry.lane = entry.priority
    entry.ticket = ++this.ticketSeq
    this.lanes[entry.priority].push(entry, entry.ticket)
  }

  // Hands ready keys straight to suspended getters, oldest getter first.
  private pump(): void {
    while (this.readyCount > 0 && this.waitersHead < this.waiters.length) {
      const waiter = this.waiters[this.waitersHead]
      this.waiters[this.waitersHead++] = undefined
      if (waiter === undefined || waiter.resume === undefined) continue
      const entry = this.tryTake()
      if (entry === undefined) break
      waiter.handed = entry
      const resume = waiter.resume
      waiter.resume = undefined
      resume(Exit.succeed(Option.some(entry.key)))
    }
    if (this.waitersHead === this.waiters.length) {
      this.waiters = []
      this.waitersHead = 0
    } else if (this.waitersHead >= 1024 && this.waitersHead * 2 >= this.waiters.length) {
      this.waiters = this.waiters.slice(this.waitersHead)
      this.waitersHead = 0
    }
  }

  // A key handed to a getter that was interrupted before it could use it.
  private giveBack(entry: Entry<K>): void {
    if (!entry.processing) return
    entry.processing = false
    this.inFlight.delete(entry)
    if (this.shuttingDown) {
      entry.dirty = false
      this.items.delete(entry.id)
      if (this.inFlight.size === 0) this.resumeDrainWaiters()
      return
    }
    if (!entry.dirty) {
      entry.dirty = true
      this.metrics.depthDelta(1)
    }
    this.enqueue(entry)
    this.pump()
  }

  private resumeDrainWaiters(): void {
    const callbacks = this.drainWaiters
    this.drainWaiters = []
    for (const callback of callbacks) callback()
  }
}
