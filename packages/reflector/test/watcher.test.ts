import { describe, expect, it } from "@effect/vitest"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as TestClock from "effect/TestClock"
import { DecodeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Watcher from "../src/Watcher.js"
import {
  added,
  bookmark,
  captureLogs,
  cm,
  deleted,
  type FakeApi,
  gone,
  listFails,
  makeFakeApi,
  modified,
  page,
  settle,
  status,
  watchEnds,
  watchFails,
  watchStays
} from "./fakeApi.js"

const compact = (events: ReadonlyArray<Watcher.WatcherEvent<KubeObject>>): Array<string> =>
  events.map((e) =>
    e._tag === "Init"
      ? "Init"
      : e._tag === "InitDone"
        ? `InitDone:${e.resourceVersion}`
        : e._tag === "InitApply"
          ? `InitApply:${e.object.metadata.name}`
          : `${e._tag}:${e.object.metadata.name}@${e.object.metadata.resourceVersion}`
  )

const start = (fake: FakeApi, options?: Watcher.WatcherOptions) =>
  Effect.gen(function* () {
    const handle = yield* Watcher.watcherWithStatus(fake.api, options)
    const events: Array<Watcher.WatcherEvent<KubeObject>> = []
    yield* handle.events.pipe(
      Stream.runForEach((e) => Effect.sync(() => events.push(e))),
      Effect.forkScoped
    )
    yield* settle
    return { ...handle, events, status: () => SubscriptionRef.get(handle.status) }
  })

/** Delays equal to the nominal backoff (equal jitter at its upper bound). */
const upperJitter = Effect.withRandom(Random.fixed([0.999999]))
/** Delays at half the nominal backoff (equal jitter at its lower bound). */
const lowerJitter = Effect.withRandom(Random.fixed([0]))

const diffs = (times: ReadonlyArray<number>): Array<number> => times.slice(1).map((t, i) => t - times[i])

const errorsCount = (verb: string, reason: string) =>
  Metric.value(
    Metric.tagged(
      Metric.tagged(Metric.tagged(Watcher.watchErrorsTotal, "kind", "ConfigMap"), "verb", verb),
      "reason",
      reason
    )
  ).pipe(Effect.map((s) => s.count))

describe("watcher: list", () => {
  it.scoped("paginates the initial list: Init, InitApply per item, InitDone(rv), then watches from the list RV", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(
        page([cm("a", "1"), cm("b", "2")], { continue: "c1", rv: "10" }),
        page([cm("c", "3")], { continue: "c2", rv: "10" }),
        page([cm("d", "4")], { rv: "10" })
      )
      fake.onWatch(watchStays(added(cm("e", "11")), modified(cm("a", "12")), deleted(cm("b", "13"))))
      const w = yield* start(fake)
      expect(compact(w.events)).toEqual([
        "Init",
        "InitApply:a",
        "InitApply:b",
        "InitApply:c",
        "InitApply:d",
        "InitDone:10",
        "Apply:e@11",
        "Apply:a@12",
        "Delete:b@13"
      ])
      expect(fake.lists()).toEqual([
        { namespace: "default", limit: 500, resourceVersion: undefined },
        { namespace: "default", limit: 500, continue: "c1" },
        { namespace: "default", limit: 500, continue: "c2" }
      ])
      const [watch] = fake.watches()
      expect(watch).toMatchObject({ namespace: "default", resourceVersion: "10", allowWatchBookmarks: true })
      expect(watch.sendInitialEvents).toBeUndefined()
      expect(watch.timeoutSeconds).toBeGreaterThanOrEqual(300)
      expect(watch.timeoutSeconds).toBeLessThanOrEqual(600)
      const s = yield* w.status()
      expect(s).toMatchObject({ phase: "Watching", synced: true, healthy: true, failures: 0, relists: 0 })
      expect(Option.isSome(s.lastSyncTime)).toBe(true)
    })
  )

  it.scoped("passes selectors and page size; listSemantic Any asks RV 0 on the first page only", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi({ allNamespaces: true })
      fake.onList(page([cm("a", "1")], { continue: "c1", rv: "7" }), page([], { rv: "7" }))
      yield* start(fake, {
        listSemantic: "Any",
        labelSelector: "app=web",
        fieldSelector: "metadata.name!=x",
        pageSize: 2
      })
      expect(fake.lists()).toEqual([
        { labelSelector: "app=web", fieldSelector: "metadata.name!=x", limit: 2, resourceVersion: "0" },
        { labelSelector: "app=web", fieldSelector: "metadata.name!=x", limit: 2, continue: "c1" }
      ])
      expect(fake.watches()[0]).toMatchObject({ labelSelector: "app=web", fieldSelector: "metadata.name!=x" })
      expect(fake.watches()[0].namespace).toBeUndefined()
    })
  )

  it.scoped("draws each watch's timeoutSeconds from Random in [min, 2 × min]", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "1" }))
      fake.onWatch(watchEnds(bookmark("2")), watchEnds(bookmark("3")), watchStays())
      yield* start(fake).pipe(Effect.withRandom(Random.fixed([0, 1e9, 450])))
      expect(fake.watches().map((w) => w.timeoutSeconds)).toEqual([300, 600, 450])
    })
  )

  it.scoped("a 410 on a continue page restarts the list with a consistent read", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(
        page([cm("a", "1")], { continue: "c1", rv: "10" }),
        listFails(gone()),
        page([cm("a", "1"), cm("b", "11")], { rv: "12" })
      )
      const w = yield* start(fake, { listSemantic: "Any" })
      expect(compact(w.events)).toEqual(["Init", "InitApply:a", "Init", "InitApply:a", "InitApply:b", "InitDone:12"])
      expect(fake.lists().map((o) => [o.resourceVersion, o.continue])).toEqual([
        ["0", undefined],
        [undefined, "c1"],
        [undefined, undefined]
      ])
      expect(fake.watches()[0].resourceVersion).toBe("12")
      const s = yield* w.status()
      expect(s.relists).toBe(0)
      expect(s.failures).toBe(1)
      expect(Option.map(s.lastError, (e) => e._tag)).toEqual(Option.some("Gone"))
    })
  )

  it.scoped("list failures back off and retry the list; nothing is emitted until a page arrives", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(
        listFails(status(500)),
        listFails(status(503)),
        listFails(status(400)),
        page([cm("a", "1")], { rv: "5" })
      )
      const w = yield* start(fake)
      expect(w.events).toEqual([])
      let s = yield* w.status()
      expect(s).toMatchObject({
        phase: "BackingOff",
        healthy: false,
        synced: false,
        failures: 1,
        consecutiveFailures: 1
      })
      yield* TestClock.adjust("1 minute")
      expect(fake.times("list")).toEqual([0, 800, 2400, 5600])
      expect(compact(w.events)).toEqual(["Init", "InitApply:a", "InitDone:5"])
      s = yield* w.status()
      expect(s).toMatchObject({ phase: "Watching", healthy: true, synced: true, failures: 3, consecutiveFailures: 0 })
      expect(Option.map(s.lastError, (e) => e._tag)).toEqual(Option.some("BadRequest"))
    }).pipe(upperJitter)
  )

  it.scoped("a list without a resourceVersion is a failure (nothing to watch from)", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([cm("a", "1")], {}), page([cm("a", "1")], { rv: "3" }))
      const w = yield* start(fake)
      yield* TestClock.adjust("1 second")
      // the page without an RV is rejected whole: none of its items are emitted
      expect(compact(w.events)).toEqual(["Init", "InitApply:a", "InitDone:3"])
      expect(fake.times("list")).toEqual([0, 800])
      expect(fake.watches()[0].resourceVersion).toBe("3")
    }).pipe(upperJitter)
  )
})

describe("watcher: watch", () => {
  it.scoped("a BOOKMARK emits nothing but the next watch resumes from its resourceVersion", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "10" }))
      fake.onWatch(watchEnds(added(cm("a", "11")), bookmark("15")), watchStays())
      const w = yield* start(fake)
      expect(compact(w.events)).toEqual(["Init", "InitDone:10", "Apply:a@11"])
      expect(fake.watches().map((o) => o.resourceVersion)).toEqual(["10", "15"])
      expect(fake.lists()).toHaveLength(1)
    })
  )

  it.scoped("a watch closed every few events resumes from the last RV at once: no relist, no duplicates", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([cm("a", "1")], { rv: "10" }))
      fake.onWatch(
        watchEnds(added(cm("b", "11")), modified(cm("a", "12"))),
        watchEnds(deleted(cm("b", "13")), added(cm("c", "14"))),
        watchEnds(modified(cm("c", "15"))),
        watchStays()
      )
      const w = yield* start(fake)
      expect(compact(w.events)).toEqual([
        "Init",
        "InitApply:a",
        "InitDone:10",
        "Apply:b@11",
        "Apply:a@12",
        "Delete:b@13",
        "Apply:c@14",
        "Apply:c@15"
      ])
      expect(fake.watches().map((o) => o.resourceVersion)).toEqual(["10", "12", "14", "15"])
      expect(fake.times("watch")).toEqual([0, 0, 0, 0])
      expect(fake.lists()).toHaveLength(1)
      expect((yield* w.status()).failures).toBe(0)
    })
  )

  it.scoped("a 410 on the watch relists (Init … InitDone) and watches from the new list RV", () =>
    Effect.gen(function* () {
      const before = yield* Metric.value(
        Metric.tagged(Metric.tagged(Watcher.relistsTotal, "kind", "ConfigMap"), "reason", "Gone")
      )
      const fake = makeFakeApi()
      fake.onList(page([cm("a", "1"), cm("b", "2")], { rv: "10" }), page([cm("a", "11"), cm("c", "19")], { rv: "20" }))
      fake.onWatch(watchFails(gone(), modified(cm("a", "11"))), watchStays())
      const w = yield* start(fake)
      expect(compact(w.events)).toEqual([
        "Init",
        "InitApply:a",
        "InitApply:b",
        "InitDone:10",
        "Apply:a@11",
        "Init",
        "InitApply:a",
        "InitApply:c",
        "InitDone:20"
      ])
      expect(fake.watches().map((o) => o.resourceVersion)).toEqual(["10", "20"])
      expect(fake.times("list")).toEqual([0, 0])
      const s = yield* w.status()
      expect(s).toMatchObject({ relists: 1, failures: 1, healthy: true, synced: true })
      const after = yield* Metric.value(
        Metric.tagged(Metric.tagged(Watcher.relistsTotal, "kind", "ConfigMap"), "reason", "Gone")
      )
      expect(after.count - before.count).toBe(1)
    })
  )

  it.scoped("a 410 storm backs off after the first immediate relist", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "1" }), page([], { rv: "2" }), page([], { rv: "3" }), page([], { rv: "4" }))
      fake.onWatch(watchFails(gone()), watchFails(gone()), watchFails(gone()), watchStays())
      yield* start(fake)
      yield* TestClock.adjust("10 seconds")
      expect(fake.times("list")).toEqual([0, 0, 800, 2400])
    }).pipe(upperJitter)
  )

  it.scoped("429 with Retry-After 7 s: no new attempt before 7 s, one at 7 s", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "10" }))
      fake.onWatch(watchFails(status(429, 7)), watchStays())
      const w = yield* start(fake)
      expect(fake.watches()).toHaveLength(1)
      yield* TestClock.adjust("6900 millis")
      yield* settle
      expect(fake.watches()).toHaveLength(1)
      yield* TestClock.adjust("100 millis")
      yield* settle
      expect(fake.watches()).toHaveLength(2)
      expect(fake.times("watch")).toEqual([0, 7000])
      expect(fake.watches()[1].resourceVersion).toBe("10")
      const s = yield* w.status()
      expect(Option.map(s.lastError, (e) => e._tag)).toEqual(Option.some("TooManyRequests"))
      expect(fake.lists()).toHaveLength(1)
    }).pipe(upperJitter)
  )

  it.scoped("5xx burst: delays 0.8 s, 1.6 s, 3.2 s … capped at 30 s (upper jitter bound)", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "10" }))
      for (let i = 0; i < 8; i++) fake.onWatch(watchFails(status(500)))
      fake.onWatch(watchStays())
      const w = yield* start(fake)
      yield* TestClock.adjust("5 minutes")
      expect(diffs(fake.times("watch"))).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000])
      expect(fake.watches().every((o) => o.resourceVersion === "10")).toBe(true)
      expect(fake.lists()).toHaveLength(1)
      expect((yield* w.status()).consecutiveFailures).toBe(8)
    }).pipe(upperJitter)
  )

  it.scoped("5xx burst: equal jitter never waits less than half the nominal delay", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "10" }))
      for (let i = 0; i < 8; i++) fake.onWatch(watchFails(status(503)))
      fake.onWatch(watchStays())
      yield* start(fake)
      yield* TestClock.adjust("5 minutes")
      expect(diffs(fake.times("watch"))).toEqual([400, 800, 1600, 3200, 6400, 12800, 15000, 15000])
    }).pipe(lowerJitter)
  )

  it.scoped("the backoff resets after a watch stayed up 2 minutes, not before", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "10" }))
      const upFor = (duration: Duration.DurationInput, rv: string) => () =>
        Stream.concat(
          Stream.make(added(cm("a", rv))),
          Stream.concat(Stream.drain(Stream.fromEffect(Effect.sleep(duration))), Stream.fail(status(500)))
        )
      fake.onWatch(
        watchFails(status(500)),
        watchFails(status(500)),
        watchFails(status(500)),
        upFor("1 minute", "11"),
        watchFails(status(500)),
        upFor("2 minutes", "12"),
        watchFails(status(500)),
        watchStays()
      )
      yield* start(fake)
      yield* TestClock.adjust("10 minutes")
      const t = fake.times("watch")
      // 0.8, 1.6, 3.2; up 1 min → 6.4 (no reset); 12.8; up 2 min → 0.8 (reset); 1.6
      expect(diffs(t)).toEqual([800, 1600, 3200, 60_000 + 6400, 12800, 120_000 + 800, 1600])
      expect(fake.watches().map((o) => o.resourceVersion)).toEqual(["10", "10", "10", "10", "11", "11", "12", "12"])
    }).pipe(upperJitter)
  )

  it.scoped("a very short watch (ends at once, no event) counts as a failure and backs off", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "10" }))
      fake.onWatch(watchEnds(), watchEnds(), watchStays())
      const w = yield* start(fake)
      yield* TestClock.adjust("10 seconds")
      expect(fake.times("watch")).toEqual([0, 800, 2400])
      const s = yield* w.status()
      expect(Option.map(s.lastError, (e) => e._tag)).toEqual(Option.some("TransportError"))
      expect(s.failures).toBe(2)
    }).pipe(upperJitter)
  )

  it.scoped("becomes healthy again when a re-established watch delivers an event", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "10" }))
      fake.onWatch(watchFails(status(500)), watchStays(bookmark("11")))
      const w = yield* start(fake)
      expect((yield* w.status()).healthy).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* settle
      const s = yield* w.status()
      expect(s).toMatchObject({ healthy: true, consecutiveFailures: 0, failures: 1, phase: "Watching" })
    }).pipe(upperJitter)
  )
})

describe("watcher: logging and metrics", () => {
  it.scoped("403 logs a warning naming kind, verb, namespace and the RBAC hint; the watcher keeps trying", () => {
    const capture = captureLogs()
    return Effect.gen(function* () {
      const before = yield* errorsCount("list", "Forbidden")
      const fake = makeFakeApi()
      fake.onList(listFails(status(403)), page([], { rv: "3" }))
      fake.onWatch(watchFails(status(403)), watchStays())
      const w = yield* start(fake)
      yield* TestClock.adjust("5 seconds")
      const warnings = capture.lines.filter((l) => l.level === "WARN" && l.message.includes("Forbidden"))
      expect(warnings).toHaveLength(2)
      expect(warnings[0].message).toContain("list ConfigMap in namespace default failed")
      expect(warnings[0].message).toContain(
        "check the RBAC: the service account needs list and watch on configmaps (core) in namespace default"
      )
      expect(warnings[0].annotations).toMatchObject({ kind: "ConfigMap", namespace: "default", verb: "list" })
      expect(warnings[1].message).toContain("watch ConfigMap in namespace default failed")
      expect(warnings[1].annotations).toMatchObject({ verb: "watch", reason: "Forbidden" })
      expect((yield* errorsCount("list", "Forbidden")) - before).toBe(1)
      expect((yield* w.status()).synced).toBe(true)
      expect(fake.watches()).toHaveLength(2)
    }).pipe(Effect.provide(capture.layer), upperJitter)
  })

  it.scoped("all-namespaces watchers say so in the RBAC hint", () => {
    const capture = captureLogs()
    return Effect.gen(function* () {
      const fake = makeFakeApi({ allNamespaces: true })
      fake.onList(listFails(status(403)))
      yield* start(fake)
      expect(
        capture.lines.some((l) => l.message.includes("list and watch on configmaps (core) in all namespaces"))
      ).toBe(true)
    }).pipe(Effect.provide(capture.layer))
  })

  it.scoped("401 warns with a credentials hint; a 404 on list hints at a missing CRD (logged as an error)", () => {
    const capture = captureLogs()
    return Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(listFails(status(401)), listFails(status(404)), page([], { rv: "1" }))
      const w = yield* start(fake)
      yield* TestClock.adjust("5 seconds")
      const unauthorized = capture.lines.find((l) => l.message.includes("Unauthorized"))
      expect(unauthorized?.level).toBe("WARN")
      expect(unauthorized?.message).toContain("check the credentials")
      const notFound = capture.lines.find((l) => l.message.includes("NotFound"))
      expect(notFound?.level).toBe("ERROR")
      expect(notFound?.message).toContain("the server does not serve configmaps: is the CRD installed?")
      expect((yield* w.status()).synced).toBe(true)
    }).pipe(Effect.provide(capture.layer), upperJitter)
  })

  it.scoped("every failure is logged and counted by verb and reason", () => {
    const capture = captureLogs()
    return Effect.gen(function* () {
      const before = yield* errorsCount("watch", "InternalError")
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "1" }))
      fake.onWatch(watchFails(status(500)), watchFails(status(500)), watchStays())
      yield* start(fake)
      yield* TestClock.adjust("5 seconds")
      expect((yield* errorsCount("watch", "InternalError")) - before).toBe(2)
      const lines = capture.lines.filter((l) => l.message.includes("InternalError"))
      expect(lines.map((l) => l.level)).toEqual(["WARN", "WARN"])
      expect(lines[0].message).toContain("re-watching from resourceVersion 1 in 800ms")
    }).pipe(Effect.provide(capture.layer), upperJitter)
  })
})

describe("watcher: malformed objects", () => {
  it.scoped("objects without a name are skipped, logged and counted; the RV still advances", () => {
    const capture = captureLogs()
    return Effect.gen(function* () {
      const before = yield* errorsCount("watch", "DecodeError")
      const nameless = (rv: string): KubeObject => ({ metadata: { namespace: "default", resourceVersion: rv } })
      const fake = makeFakeApi()
      fake.onList(page([cm("a", "1"), nameless("2")], { rv: "10" }))
      fake.onWatch(watchEnds(added(cm("b", "11")), added(nameless("12"))), watchStays())
      const w = yield* start(fake)
      expect(compact(w.events)).toEqual(["Init", "InitApply:a", "InitDone:10", "Apply:b@11"])
      expect(fake.watches().map((o) => o.resourceVersion)).toEqual(["10", "12"])
      expect((yield* errorsCount("watch", "DecodeError")) - before).toBe(1)
      const errors = capture.lines.filter((l) => l.level === "ERROR")
      expect(errors).toHaveLength(2)
      expect(errors[0].message).toContain("without metadata.name")
      expect(errors[0].message).toContain("resourceVersion 2")
    }).pipe(Effect.provide(capture.layer))
  })

  it.scoped("a DecodeError naming a resourceVersion skips that object and re-watches past it at once", () => {
    const capture = captureLogs()
    return Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([], { rv: "10" }))
      fake.onWatch(
        watchFails(
          new DecodeError({
            message: "ConfigMap does not match its schema",
            kind: "ConfigMap",
            key: "default/x",
            resourceVersion: "14"
          }),
          added(cm("a", "12"))
        ),
        watchStays(added(cm("b", "15")))
      )
      const w = yield* start(fake)
      expect(compact(w.events)).toEqual(["Init", "InitDone:10", "Apply:a@12", "Apply:b@15"])
      expect(fake.watches().map((o) => o.resourceVersion)).toEqual(["10", "14"])
      expect(fake.times("watch")).toEqual([0, 0])
      const error = capture.lines.find((l) => l.level === "ERROR")
      expect(error?.message).toContain("skipping default/x and re-watching from resourceVersion 14")
    }).pipe(Effect.provide(capture.layer))
  })
})

describe("watcher: relist trigger", () => {
  it.scoped("relist interrupts the watch and runs a consistent list", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([cm("a", "1")], { rv: "10" }), page([cm("a", "11"), cm("b", "19")], { rv: "20" }))
      fake.onWatch(watchStays(modified(cm("a", "11"))), watchStays())
      const w = yield* start(fake, { listSemantic: "Any" })
      expect(compact(w.events)).toEqual(["Init", "InitApply:a", "InitDone:10", "Apply:a@11"])
      yield* w.relist
      yield* settle
      expect(compact(w.events).slice(4)).toEqual(["Init", "InitApply:a", "InitApply:b", "InitDone:20"])
      expect(fake.lists().map((o) => o.resourceVersion)).toEqual(["0", undefined])
      expect(fake.watches().map((o) => o.resourceVersion)).toEqual(["10", "20"])
      expect((yield* w.status()).relists).toBe(1)
    })
  )

  it.scoped("a relist requested during a list runs once that list is done", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([cm("a", "1")], { continue: "c", rv: "10" }))
      const w = yield* start(fake)
      expect(fake.lists()).toHaveLength(2) // the second page hangs
      yield* w.relist
      yield* settle
      expect(fake.lists().map((o) => [o.resourceVersion, o.continue])).toEqual([
        [undefined, undefined],
        [undefined, "c"],
        [undefined, undefined]
      ])
      expect(compact(w.events)).toEqual(["Init", "InitApply:a"])
    })
  )
})

describe("watcher: streaming list", () => {
  it.scoped("initial events are InitApply until the initial-events-end bookmark; then the same stream is live", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onWatch(
        watchEnds(added(cm("a", "3")), added(cm("b", "7")), bookmark("9", true), added(cm("c", "10")), bookmark("12")),
        watchStays()
      )
      const w = yield* start(fake, { initialList: "StreamingList" })
      expect(compact(w.events)).toEqual(["Init", "InitApply:a", "InitApply:b", "InitDone:9", "Apply:c@10"])
      const [first, second] = fake.watches()
      expect(first).toMatchObject({
        sendInitialEvents: true,
        resourceVersionMatch: "NotOlderThan",
        allowWatchBookmarks: true
      })
      expect(first.resourceVersion).toBeUndefined()
      expect(second.resourceVersion).toBe("12")
      expect(second.sendInitialEvents).toBeUndefined()
      expect(fake.lists()).toHaveLength(0)
      expect(yield* w.status()).toMatchObject({ synced: true, healthy: true, initialList: "StreamingList" })
    })
  )

  it.scoped("an empty streaming list still frames Init/InitDone", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onWatch(watchStays(bookmark("5", true)))
      const w = yield* start(fake, { initialList: "StreamingList" })
      expect(compact(w.events)).toEqual(["Init", "InitDone:5"])
    })
  )

  it.scoped("a 410 on the live part streams the list again", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onWatch(watchFails(gone(), bookmark("5", true)), watchStays(added(cm("a", "8")), bookmark("9", true)))
      const w = yield* start(fake, { initialList: "StreamingList" })
      expect(compact(w.events)).toEqual(["Init", "InitDone:5", "Init", "InitApply:a", "InitDone:9"])
      expect(fake.watches().map((o) => o.sendInitialEvents)).toEqual([true, true])
      expect((yield* w.status()).relists).toBe(1)
    })
  )

  it.scoped("a server refusing sendInitialEvents (422) makes the watcher fall back to list+watch for good", () => {
    const capture = captureLogs()
    return Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onWatch(watchFails(status(422)), watchFails(gone()), watchStays())
      fake.onList(page([cm("a", "1")], { rv: "5" }), page([cm("a", "1")], { rv: "8" }))
      const w = yield* start(fake, { initialList: "StreamingList" })
      expect(compact(w.events)).toEqual(["Init", "InitApply:a", "InitDone:5", "Init", "InitApply:a", "InitDone:8"])
      expect(fake.watches().map((o) => [o.sendInitialEvents, o.resourceVersion])).toEqual([
        [true, undefined],
        [undefined, "5"],
        [undefined, "8"]
      ])
      expect(fake.lists()).toHaveLength(2)
      expect((yield* w.status()).initialList).toBe("ListWatch")
      expect(capture.lines.filter((l) => l.message.includes("falling back to list+watch"))).toHaveLength(1)
    }).pipe(Effect.provide(capture.layer))
  })

  it.scoped("a stream that ends before the initial-events-end bookmark falls back to list+watch", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onWatch(watchEnds(added(cm("a", "3"))), watchStays())
      fake.onList(page([cm("a", "3")], { rv: "5" }))
      const w = yield* start(fake, { initialList: "StreamingList" })
      expect(compact(w.events)).toEqual(["Init", "InitApply:a", "Init", "InitApply:a", "InitDone:5"])
      expect(fake.watches()[1]).toMatchObject({ resourceVersion: "5" })
      expect((yield* w.status()).initialList).toBe("ListWatch")
    })
  )

  it.scoped("retryable failures of the streaming list back off and retry it (no fallback)", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onWatch(watchFails(status(503), added(cm("a", "3"))), watchStays(added(cm("a", "3")), bookmark("6", true)))
      const w = yield* start(fake, { initialList: "StreamingList" })
      yield* TestClock.adjust("1 second")
      expect(compact(w.events)).toEqual(["Init", "InitApply:a", "Init", "InitApply:a", "InitDone:6"])
      expect(fake.watches().map((o) => o.sendInitialEvents)).toEqual([true, true])
      expect(fake.times("watch")).toEqual([0, 800])
      expect(fake.lists()).toHaveLength(0)
    }).pipe(upperJitter)
  )
})
