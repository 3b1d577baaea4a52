import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as FC from "effect/FastCheck"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import type { ListOptions, ObjectList, WatchOptions } from "@effect-kube/client/Api"
import type { KubeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import type { WatchEvent } from "@effect-kube/core/WatchEvent"
import * as Store from "@effect-kube/store/Store"
import * as Reflector from "../src/Reflector.js"
import type { WatcherEvent } from "../src/Watcher.js"
import { cm, gone, makeFakeApi, modified, page, settle, status, watchFails, watchStays } from "./fakeApi.js"

const describeChange = (c: Store.Change<KubeObject>): string =>
  c._tag === "Deleted"
    ? `Deleted:${c.object.metadata.name}${c.finalStateUnknown ? "?" : ""}`
    : `${c._tag}:${c.object.metadata.name}@${c.object.metadata.resourceVersion}${c.isInitialList ? "*" : ""}`

const contents = (store: Store.Store<KubeObject>): Record<string, string | undefined> =>
  Object.fromEntries(store.list().map((o) => [o.metadata.name ?? "", o.metadata.resourceVersion]))

describe("applyEvents", () => {
  it("maps each event to its writer call and returns the changes in order", () => {
    const writer = Store.makeWriter<KubeObject>()
    const first = Reflector.applyEvents(writer, [
      { _tag: "Init" },
      { _tag: "InitApply", object: cm("a", "1") },
      { _tag: "InitApply", object: cm("b", "2") },
      { _tag: "InitDone", resourceVersion: "10" }
    ])
    expect(first.map(describeChange)).toEqual(["Added:a@1*", "Added:b@2*"])
    expect(writer.store.isSynced()).toBe(true)
    expect(writer.store.resourceVersion()).toBe("10")

    const live = Reflector.applyEvents(writer, [
      { _tag: "Apply", object: cm("c", "11") },
      { _tag: "Apply", object: cm("a", "12") },
      { _tag: "Delete", object: cm("b", "13") },
      { _tag: "Delete", object: cm("zz", "14") }
    ])
    expect(live.map(describeChange)).toEqual(["Added:c@11", "Updated:a@12", "Deleted:b"])

    const relist = Reflector.applyEvents(writer, [
      { _tag: "Init" },
      { _tag: "InitApply", object: cm("a", "12") },
      { _tag: "InitApply", object: cm("d", "19") },
      { _tag: "InitDone", resourceVersion: "20" }
    ])
    expect(relist.map(describeChange)).toEqual(["Updated:a@12", "Added:d@19", "Deleted:c?"])
    expect(contents(writer.store)).toEqual({ a: "12", d: "19" })
  })

  it("readers never see a half-applied relist", () => {
    const writer = Store.makeWriter<KubeObject>()
    Reflector.applyEvents(writer, [
      { _tag: "Init" },
      { _tag: "InitApply", object: cm("a", "1") },
      { _tag: "InitDone", resourceVersion: "1" }
    ])
    const changes = Reflector.applyEvents(writer, [{ _tag: "Init" }, { _tag: "InitApply", object: cm("b", "5") }])
    expect(changes).toEqual([])
    expect(contents(writer.store)).toEqual({ a: "1" })
    Reflector.applyEvents(writer, [{ _tag: "InitDone", resourceVersion: "5" }])
    expect(contents(writer.store)).toEqual({ b: "5" })
  })
})

describe("reflect", () => {
  it.effect("applies a stream chunk by chunk, keeping order across chunk boundaries", () =>
    Effect.gen(function* () {
      const writer = Store.makeWriter<KubeObject>()
      const chunk = (...events: ReadonlyArray<WatcherEvent<KubeObject>>) => Chunk.fromIterable(events)
      const events = [
        chunk({ _tag: "Init" }, { _tag: "InitApply", object: cm("a", "1") }),
        chunk({ _tag: "InitDone", resourceVersion: "3" }, { _tag: "Apply", object: cm("a", "4") }),
        chunk(),
        chunk({ _tag: "Delete", object: cm("a", "5") })
      ]
      const changes = yield* Stream.fromChunks(...events).pipe(Reflector.reflect(writer), Stream.runCollect)
      expect(Chunk.toReadonlyArray(changes).map(describeChange)).toEqual(["Added:a@1*", "Updated:a@4", "Deleted:a"])
      expect(writer.store.size()).toBe(0)
    })
  )

  it.scoped("reflector: watcher into a store, through a 410 relist", () =>
    Effect.gen(function* () {
      const fake = makeFakeApi()
      fake.onList(page([cm("a", "1"), cm("b", "2")], { rv: "10" }), page([cm("b", "2"), cm("c", "15")], { rv: "20" }))
      fake.onWatch(watchFails(gone(), modified(cm("a", "11"))), watchStays())
      const writer = Store.makeWriter<KubeObject>()
      const seen: Array<string> = []
      yield* Reflector.reflector(writer, fake.api).pipe(
        Stream.runForEach((c) => Effect.sync(() => seen.push(describeChange(c)))),
        Effect.forkScoped
      )
      yield* writer.store.synced
      yield* settle
      expect(seen).toEqual(["Added:a@1*", "Added:b@2*", "Updated:a@11", "Updated:b@2", "Added:c@15", "Deleted:a?"])
      expect(contents(writer.store)).toEqual({ b: "2", c: "15" })
      expect(writer.store.resourceVersion()).toBe("20")
    })
  )
})

// --- Model-based: a tiny apiserver with a history, random watch closes, 410s and 500s ----------

type Op = { readonly type: "put" | "del"; readonly name: string }
type Disruption = { readonly after: number; readonly kind: "close" | "gone" | "fail" }

/** RVs start above 0 so "0" keeps its special meaning. */
const Base = 100

const makeModelServer = (ops: ReadonlyArray<Op>, disruptions: ReadonlyArray<Disruption>) => {
  const history: Array<WatchEvent<KubeObject>> = []
  const states: Array<ReadonlyMap<string, KubeObject>> = [new Map()]
  for (const op of ops) {
    const current = new Map(states[states.length - 1])
    const rv = String(Base + history.length + 1)
    if (op.type === "put") {
      const object = cm(op.name, rv)
      history.push({ type: current.has(op.name) ? "MODIFIED" : "ADDED", object })
      current.set(op.name, object)
    } else {
      if (!current.has(op.name)) continue
      history.push({ type: "DELETED", object: cm(op.name, rv) })
      current.delete(op.name)
    }
    states.push(current)
  }
  const server = { now: 0, compactedBelow: 0, next: 0 }
  const itemsAt = (k: number) =>
    [...states[k].values()].sort((x, y) => (x.metadata.name ?? "").localeCompare(y.metadata.name ?? ""))
  const list = (options: ListOptions): Effect.Effect<ObjectList<KubeObject>, KubeError> => {
    const limit = options.limit ?? 500
    let snapshot: number
    let offset: number
    if (options.continue !== undefined) {
      const [k, o] = options.continue.split(":").map(Number)
      if (k < server.compactedBelow) return Effect.fail(gone())
      snapshot = k
      offset = o
    } else {
      // The world moves on while we list.
      server.now = Math.min(history.length, server.now + 1)
      snapshot = server.now
      offset = 0
    }
    const items = itemsAt(snapshot)
    const end = offset + limit
    return Effect.succeed({
      metadata: {
        resourceVersion: String(Base + snapshot),
        continue: end < items.length ? `${snapshot}:${end}` : undefined
      },
      items: items.slice(offset, end)
    })
  }
  const watch = (options: WatchOptions): Stream.Stream<WatchEvent<KubeObject>, KubeError> => {
    const from = Number(options.resourceVersion) - Base
    if (from < server.compactedBelow) return Stream.fail(gone())
    const disruption = disruptions[server.next++]
    if (disruption === undefined) {
      server.now = history.length
      return Stream.concat(Stream.fromIterable(history.slice(from)), Stream.never)
    }
    const end = Math.min(history.length, Math.max(server.now, from) + disruption.after)
    server.now = Math.max(server.now, end)
    const delivered = Stream.fromIterable(history.slice(from, end))
    switch (disruption.kind) {
      case "close":
        return delivered
      case "gone":
        server.compactedBelow = end
        return Stream.concat(delivered, Stream.fail(gone()))
      case "fail":
        return Stream.concat(delivered, Stream.fail(status(500)))
    }
  }
  return { list, watch, final: () => itemsAt(history.length), history }
}

describe("reflector: convergence (model-based)", () => {
  it.scoped.prop(
    "the store converges to the server's state through watch closes, 410s and 500s, with no event delivered twice",
    {
      ops: FC.array(
        FC.record({
          type: FC.constantFrom<"put" | "del">("put", "del"),
          name: FC.constantFrom("a", "b", "c", "d", "e")
        }),
        { maxLength: 40 }
      ),
      disruptions: FC.array(
        FC.record({ after: FC.nat({ max: 6 }), kind: FC.constantFrom<Disruption["kind"]>("close", "gone", "fail") }),
        { maxLength: 10 }
      ),
      pageSize: FC.integer({ min: 1, max: 4 })
    },
    ({ ops, disruptions, pageSize }) =>
      Effect.gen(function* () {
        const model = makeModelServer(ops, disruptions)
        const fake = makeFakeApi()
        for (let i = 0; i < 100; i++) fake.onList(model.list)
        for (let i = 0; i < 100; i++) fake.onWatch(model.watch)
        const writer = Store.makeWriter<KubeObject>()
        const liveRvs: Array<number> = []
        yield* Reflector.reflector(writer, fake.api, { pageSize }).pipe(
          Stream.runForEach((c) =>
            Effect.sync(() => {
              const real =
                c._tag === "Deleted"
                  ? !c.finalStateUnknown
                  : !c.isInitialList && (c._tag === "Added" || !Store.isResync(c))
              if (real) liveRvs.push(Number(c.object.metadata.resourceVersion))
            })
          ),
          Effect.forkScoped
        )
        // ≤ 10 failures back off ≤ 3 minutes in total
        for (let i = 0; i < 4; i++) {
          yield* TestClock.adjust("1 minute")
          yield* settle
        }
        expect(writer.store.isSynced()).toBe(true)
        expect(contents(writer.store)).toEqual(
          Object.fromEntries(model.final().map((o) => [o.metadata.name, o.metadata.resourceVersion]))
        )
        // A relist replays objects (same RV) and may deliver deletions it inferred; every real
        // change is seen at most once, in resourceVersion order.
        const sorted = [...liveRvs].sort((x, y) => x - y)
        expect(liveRvs).toEqual(sorted)
        expect(new Set(liveRvs).size).toBe(liveRvs.length)
      }).pipe(Effect.withRandom(Random.make("convergence"))),
    { fastCheck: { numRuns: 60 } }
  )
})
