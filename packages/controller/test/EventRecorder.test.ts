/**
 * The event recorder against the in-memory apiserver: events.k8s.io/v1 Events, series for
 * repeats within 6 minutes, the spam filter, the bounded queue (drops counted, record never
 * blocks), the core/v1 fallback, write retries.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as TestClock from "effect/TestClock"
import type { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as EventRecorder from "../src/EventRecorder.js"

const cm = (name: string, namespace = "default"): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, uid: `uid-${name}` }
})

const provide = <A, E>(
  effect: Effect.Effect<A, E, EventRecorder.EventRecorder | ApiServer | KubeApi>,
  options?: Partial<EventRecorder.Options>
) =>
  Effect.provide(
    effect,
    EventRecorder.EventRecorder.layer({
      reportingController: "example.com/test-operator",
      reportingInstance: "test-1",
      ...options
    }).pipe(Layer.provideMerge(TestKube.layer()))
  )

const settle = Effect.gen(function* () {
  for (let i = 0; i < 100; i++) yield* Effect.yieldNow()
})

const events = Effect.flatMap(ApiServer, (server) => server.list(Kinds.Event, "default"))
const coreEvents = Effect.flatMap(ApiServer, (server) => server.list(Kinds.CoreEvent, "default"))

const field = (o: KubeObject | undefined, path: ReadonlyArray<string>): unknown => {
  let cur: unknown = o
  for (const p of path) {
    if (typeof cur !== "object" || cur === null || !(p in cur)) return undefined
    cur = Object.getOwnPropertyDescriptor(cur, p)?.value
  }
  return cur
}

describe("EventRecorder", () => {
  it.effect("writes an events.k8s.io/v1 Event about the object, with the reporting controller and instance", () =>
    provide(
      Effect.gen(function* () {
        const recorder = yield* EventRecorder.EventRecorder
        // The TestClock starts at the epoch; periodic timers make far jumps slow, so stay near it.
        yield* TestClock.adjust("123 millis")
        yield* recorder.record(cm("web"), {
          type: "Warning",
          reason: "ImagePullFailed",
          action: "Reconcile",
          note: "image nginx:nope not found"
        })
        yield* recorder.flush
        const [event, ...rest] = yield* events
        expect(rest).toEqual([])
        expect(event).toMatchObject({
          apiVersion: "events.k8s.io/v1",
          kind: "Event",
          metadata: { namespace: "default" },
          reportingController: "example.com/test-operator",
          reportingInstance: "test-1",
          type: "Warning",
          reason: "ImagePullFailed",
          action: "Reconcile",
          note: "image nginx:nope not found",
          regarding: { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "web", uid: "uid-web" }
        })
        expect(field(event, ["eventTime"])).toBe("1970-01-01T00:00:00.123000Z")
        expect(event.metadata.name).toMatch(/^web\.[0-9a-f]+$/)
        expect(yield* recorder.stats).toMatchObject({ accepted: 1, processed: 1, created: 1, api: "events.k8s.io/v1" })
      })
    )
  )

  it.effect(
    "repeats within 6 minutes of the last one update the Event's series; a later repeat starts a new Event",
    () =>
      provide(
        Effect.gen(function* () {
          const recorder = yield* EventRecorder.EventRecorder
          const repeat = recorder.record(cm("web"), { type: "Normal", reason: "Synced", action: "Reconcile" })
          yield* repeat
          yield* TestClock.adjust("5 minutes")
          yield* repeat
          yield* TestClock.adjust("5 minutes") // 10 minutes after the first, 5 after the last: same series
          yield* repeat
          yield* recorder.flush
          const series = yield* events
          expect(series.length).toBe(1)
          expect(field(series[0], ["series"])).toEqual({ count: 3, lastObservedTime: "1970-01-01T00:10:00.000000Z" })

          // a different reason is another event
          yield* recorder.record(cm("web"), { type: "Normal", reason: "Scaled", action: "Reconcile" })
          yield* TestClock.adjust("7 minutes")
          yield* repeat
          yield* recorder.flush
          const all = yield* events
          expect(all.length).toBe(3)
          expect(
            all.filter((e) => field(e, ["reason"]) === "Synced").map((e) => field(e, ["series", "count"]))
          ).toEqual(expect.arrayContaining([3, undefined]))
          expect(yield* recorder.stats).toMatchObject({ created: 3, seriesUpdates: 2 })
        })
      )
  )

  it.effect("the spam filter lets 25 events per object through, then one per 5 minutes; other objects unaffected", () =>
    provide(
      Effect.gen(function* () {
        const recorder = yield* EventRecorder.EventRecorder
        for (let i = 0; i < 30; i++) {
          yield* recorder.record(cm("noisy"), { type: "Normal", reason: `Reason${i}`, action: "Reconcile" })
        }
        yield* recorder.record(cm("quiet"), { type: "Normal", reason: "Reason0", action: "Reconcile" })
        yield* recorder.flush
        const regarding = (name: string) => (yield_: ReadonlyArray<KubeObject>) =>
          yield_.filter((e) => field(e, ["regarding", "name"]) === name).length
        expect(regarding("noisy")(yield* events)).toBe(25)
        expect(regarding("quiet")(yield* events)).toBe(1)
        expect((yield* recorder.stats).filtered).toBe(5)
        const filtered = yield* Metric.value(
          Metric.taggedWithLabels(EventRecorder.metrics.spamFiltered, [
            MetricLabel.make("reporting_controller", "example.com/test-operator")
          ])
        )
        expect(filtered.count).toBe(5)

        yield* TestClock.adjust("4 minutes")
        yield* recorder.record(cm("noisy"), { type: "Normal", reason: "Later", action: "Reconcile" })
        yield* TestClock.adjust("1 minute")
        yield* recorder.record(cm("noisy"), { type: "Normal", reason: "Later2", action: "Reconcile" })
        yield* recorder.flush
        expect(regarding("noisy")(yield* events)).toBe(26)
      })
    )
  )

  it.effect("record never blocks: with the writer stuck, a full queue drops events and counts them", () =>
    provide(
      Effect.gen(function* () {
        const recorder = yield* EventRecorder.EventRecorder
        const server = yield* ApiServer
        yield* server.faults.latency("1 hour")
        // Every record returns at once even though no write can complete.
        for (let i = 0; i < 20; i++) {
          yield* recorder.record(cm(`o${i}`), { type: "Normal", reason: "Created", action: "Reconcile" })
          yield* settle
        }
        const stats = yield* recorder.stats
        // one taken by the stuck writer, five queued, the rest dropped
        expect(stats).toMatchObject({ accepted: 6, dropped: 14, processed: 0 })
        const dropped = yield* Metric.value(
          Metric.taggedWithLabels(EventRecorder.metrics.dropped, [
            MetricLabel.make("reporting_controller", "example.com/test-operator")
          ])
        )
        expect(dropped.count).toBe(14)
        yield* server.faults.latency(Duration.zero)
        const flushing = yield* Effect.fork(recorder.flush)
        yield* settle
        yield* TestClock.adjust("1 hour")
        yield* Fiber.join(flushing)
        expect((yield* events).length).toBe(6)
      }),
      { queueSize: 5 }
    )
  )

  it.effect("falls back to core/v1 Events when events.k8s.io is not served, and stays there", () =>
    provide(
      Effect.gen(function* () {
        const recorder = yield* EventRecorder.EventRecorder
        const server = yield* ApiServer
        let eventsApiCalls = 0
        yield* server.faults.failNext(1_000, {
          code: 404,
          match: (request) => {
            const hit = request.path.startsWith("/apis/events.k8s.io/")
            if (hit) eventsApiCalls++
            return hit
          }
        })
        yield* recorder.record(cm("web"), { type: "Warning", reason: "Failed", action: "Reconcile", note: "boom" })
        yield* TestClock.adjust("1 minute")
        yield* recorder.record(cm("web"), { type: "Warning", reason: "Failed", action: "Reconcile", note: "boom" })
        yield* recorder.record(cm("other"), { type: "Normal", reason: "Created", action: "Reconcile" })
        yield* recorder.flush
        expect(eventsApiCalls).toBe(1)
        expect((yield* recorder.stats).api).toBe("v1")
        const core = yield* coreEvents
        expect(core.length).toBe(2)
        const failed = core.find((e) => field(e, ["reason"]) === "Failed")
        expect(failed).toMatchObject({
          involvedObject: { kind: "ConfigMap", name: "web", namespace: "default", uid: "uid-web" },
          message: "boom",
          type: "Warning",
          source: { component: "example.com/test-operator" },
          reportingComponent: "example.com/test-operator",
          reportingInstance: "test-1",
          count: 2,
          firstTimestamp: "1970-01-01T00:00:00Z",
          lastTimestamp: "1970-01-01T00:01:00Z"
        })
      })
    )
  )

  it.effect(
    "retries a retryable write failure; a write that keeps failing is counted and the next event goes through",
    () =>
      provide(
        Effect.gen(function* () {
          const recorder = yield* EventRecorder.EventRecorder
          const server = yield* ApiServer
          yield* server.faults.failNext(1, { code: 503, match: (request) => request.method === "POST" })
          yield* recorder.record(cm("retried"), { type: "Normal", reason: "Created", action: "Reconcile" })
          const flushing = yield* Effect.fork(recorder.flush)
          yield* settle
          yield* TestClock.adjust("500 millis")
          yield* Fiber.join(flushing)
          expect((yield* events).length).toBe(1)

          yield* server.faults.failNext(100, {
            code: 500,
            match: (request) => request.method === "POST" && request.path.endsWith("/events")
          })
          yield* recorder.record(cm("doomed"), { type: "Normal", reason: "Created", action: "Reconcile" })
          const failing = yield* Effect.fork(recorder.flush)
          for (let i = 0; i < 10; i++) {
            yield* settle
            yield* TestClock.adjust("5 seconds")
          }
          yield* Fiber.join(failing)
          expect((yield* recorder.stats).failed).toBe(1)
          yield* server.faults.reset
          yield* recorder.record(cm("after"), { type: "Normal", reason: "Created", action: "Reconcile" })
          yield* recorder.flush
          expect((yield* events).map((e) => field(e, ["regarding", "name"])).sort()).toEqual(["after", "retried"])
        })
      )
  )

  it.effect(
    "forStatus adapts the recorder to the status helpers; EventRecorder.record without a recorder is a no-op",
    () =>
      provide(
        Effect.gen(function* () {
          const recorder = yield* EventRecorder.EventRecorder
          yield* recorder.forStatus(cm("web"), { type: "Warning", reason: "ReconcileError", message: "it broke" })
          yield* recorder.flush
          const [event] = yield* events
          expect(event).toMatchObject({ reason: "ReconcileError", action: "Reconcile", note: "it broke" })
          // Without a recorder in context, EventRecorder.record does nothing (and does not fail).
          expect(
            Effect.runSync(Effect.exit(EventRecorder.record(cm("web"), { type: "Normal", reason: "X", action: "Y" })))
          ).toEqual(Effect.runSync(Effect.exit(Effect.void)))
          // With one, it records through it.
          yield* EventRecorder.record(cm("web2"), { type: "Normal", reason: "Viaservice", action: "Reconcile" })
          yield* recorder.flush
          expect((yield* events).map((e) => field(e, ["reason"])).sort()).toEqual(["ReconcileError", "Viaservice"])
        })
      )
  )
})
