import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ApiServer } from "../src/ApiServer.js"
import { body, call, cmPath, configMap, createCm, frame, frames, type Json } from "./apiserver-fixtures.js"

const withServer = <A, E>(effect: Effect.Effect<A, E, ApiServer>, options?: Parameters<typeof ApiServer.layer>[0]) =>
  Effect.provide(effect, ApiServer.layer(options))

const summary = (fs: ReadonlyArray<unknown>): Array<string> =>
  fs.map((u) => {
    const f: Json = frame(u)
    const type = String(f.type)
    return type === "BOOKMARK"
      ? `BOOKMARK ${f.object.metadata.resourceVersion}${f.object.metadata.annotations ? " end" : ""}`
      : type === "ERROR"
        ? `ERROR ${f.object.code}`
        : `${f.type} ${f.object.metadata.name}`
  })

describe("ApiServer watch", () => {
  it.scoped("from a resourceVersion replays the history after it, then streams live events", () =>
    withServer(
      Effect.gen(function* () {
        const a = body(yield* createCm("a"))
        yield* call({ method: "PUT", path: cmPath("default", "a"), body: configMap("a", { k: "2" }) })
        yield* createCm("b")
        const fiber = yield* Effect.fork(
          frames(
            {
              method: "GET",
              path: cmPath(),
              query: { watch: "true", resourceVersion: String(a.metadata.resourceVersion) }
            },
            3
          )
        )
        yield* Effect.yieldNow()
        yield* call({ method: "DELETE", path: cmPath("default", "a") })
        const fs = yield* Fiber.join(fiber)
        expect(summary(fs)).toEqual(["MODIFIED a", "ADDED b", "DELETED a"])
        const deleted: Json = frame(fs[2])
        expect(deleted.object.data).toEqual({ k: "2" })
      })
    )
  )

  it.scoped("DELETED carries the final object with a new resourceVersion", () =>
    withServer(
      Effect.gen(function* () {
        const a = body(yield* createCm("a"))
        const fiber = yield* Effect.fork(
          frames(
            {
              method: "GET",
              path: cmPath(),
              query: { watch: "1", resourceVersion: String(a.metadata.resourceVersion) }
            },
            1
          )
        )
        yield* Effect.yieldNow()
        yield* call({ method: "DELETE", path: cmPath("default", "a") })
        const [deleted] = (yield* Fiber.join(fiber)).map(frame)
        expect(deleted.type).toBe("DELETED")
        expect(deleted.object.metadata.name).toBe("a")
        expect(Number(deleted.object.metadata.resourceVersion)).toBe(Number(a.metadata.resourceVersion) + 1)
        const server = yield* ApiServer
        expect(yield* server.resourceVersion).toBe(deleted.object.metadata.resourceVersion)
      })
    )
  )

  it.scoped("a resourceVersion older than the history gets one ERROR 410 frame, then the stream ends", () =>
    withServer(
      Effect.gen(function* () {
        const a = body(yield* createCm("a"))
        for (let i = 0; i < 3; i++)
          yield* call({ method: "PUT", path: cmPath("default", "a"), body: configMap("a", { k: String(i) }) })
        const server = yield* ApiServer
        const all = yield* server
          .watch({
            method: "GET",
            path: cmPath(),
            query: { watch: "true", resourceVersion: String(a.metadata.resourceVersion) }
          })
          .pipe(Stream.runCollect)
        const fs = Chunk.toArray(all).map(frame)
        expect(fs.length).toBe(1)
        expect(fs[0].type).toBe("ERROR")
        expect(fs[0].object).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `too old resource version: ${a.metadata.resourceVersion} (${Number(a.metadata.resourceVersion) + 1})`,
          reason: "Expired",
          code: 410
        })
      }),
      { watchHistory: 2 }
    )
  )

  it.scoped("without a resourceVersion: the current state as ADDED, then the initial-events-end bookmark", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("b")
        yield* createCm("a")
        const server = yield* ApiServer
        const rv = yield* server.resourceVersion
        const fs = yield* frames(
          { method: "GET", path: cmPath(), query: { watch: "true", allowWatchBookmarks: "true" } },
          3
        )
        expect(summary(fs)).toEqual(["ADDED a", "ADDED b", `BOOKMARK ${rv} end`])
        expect(frame(fs[2]).object).toEqual({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { resourceVersion: rv, annotations: { "k8s.io/initial-events-end": "true" } }
        })
        const noBookmarks = yield* frames({ method: "GET", path: cmPath(), query: { watch: "true" } }, 2)
        expect(summary(noBookmarks)).toEqual(["ADDED a", "ADDED b"])
      })
    )
  )

  it.scoped("sendInitialEvents=true with NotOlderThan is a streaming list; without it 422", () =>
    withServer(
      Effect.gen(function* () {
        const a = body(yield* createCm("a"))
        yield* createCm("b")
        const fs = yield* frames(
          {
            method: "GET",
            path: cmPath(),
            query: {
              watch: "true",
              sendInitialEvents: "true",
              resourceVersionMatch: "NotOlderThan",
              resourceVersion: String(a.metadata.resourceVersion),
              allowWatchBookmarks: "true"
            }
          },
          3
        )
        expect(summary(fs).slice(0, 2)).toEqual(["ADDED a", "ADDED b"])
        expect(frame(fs[2]).object.metadata.annotations).toEqual({ "k8s.io/initial-events-end": "true" })
        const server = yield* ApiServer
        const refused = yield* server
          .watch({ method: "GET", path: cmPath(), query: { watch: "true", sendInitialEvents: "true" } })
          .pipe(Stream.runCollect, Effect.exit)
        expect(Exit.isFailure(refused)).toBe(true)
        if (Exit.isFailure(refused)) {
          const error = refused.cause._tag === "Fail" ? refused.cause.error : undefined
          expect(error?._tag).toBe("Invalid")
          expect(error?.message).toBe(
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'
          )
        }
      })
    )
  )

  it.scoped("label selectors apply to transitions: entering is ADDED, leaving is DELETED", () =>
    withServer(
      Effect.gen(function* () {
        const a = body(yield* createCm("a", "default", {}, { labels: { app: "x" } }))
        const fiber = yield* Effect.fork(
          frames(
            {
              method: "GET",
              path: cmPath(),
              query: { watch: "true", labelSelector: "app=y", resourceVersion: String(a.metadata.resourceVersion) }
            },
            3
          )
        )
        yield* Effect.yieldNow()
        const put = (labels: Record<string, string>, data: Record<string, string>) =>
          call({ method: "PUT", path: cmPath("default", "a"), body: configMap("a", data, { labels }) })
        yield* put({ app: "y" }, { k: "1" })
        yield* put({ app: "y" }, { k: "2" })
        yield* put({ app: "z" }, { k: "3" })
        const fs = (yield* Fiber.join(fiber)).map(frame)
        expect(fs.map((f) => f.type)).toEqual(["ADDED", "MODIFIED", "DELETED"])
        // The DELETED of a selector exit carries the last matching state with the event's RV.
        expect(fs[2].object.metadata.labels).toEqual({ app: "y" })
        expect(fs[2].object.data).toEqual({ k: "2" })
        expect(Number(fs[2].object.metadata.resourceVersion)).toBeGreaterThan(
          Number(fs[1].object.metadata.resourceVersion)
        )
      })
    )
  )

  it.scoped("namespaced watches only see their namespace", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "other" } } })
        const server = yield* ApiServer
        const rv = yield* server.resourceVersion
        const fiber = yield* Effect.fork(
          frames({ method: "GET", path: cmPath("other"), query: { watch: "true", resourceVersion: rv } }, 1)
        )
        yield* Effect.yieldNow()
        yield* createCm("in-default")
        yield* createCm("in-other", "other")
        expect(summary(yield* Fiber.join(fiber))).toEqual(["ADDED in-other"])
      })
    )
  )

  it.scoped("BOOKMARKs arrive every bookmarkInterval (TestClock) with the current resourceVersion", () =>
    withServer(
      Effect.gen(function* () {
        const server = yield* ApiServer
        const rv = yield* server.resourceVersion
        const fiber = yield* Effect.fork(
          frames(
            {
              method: "GET",
              path: cmPath(),
              query: { watch: "true", resourceVersion: rv, allowWatchBookmarks: "true" }
            },
            2
          )
        )
        yield* TestClock.adjust("10 seconds")
        const created = body(yield* createCm("a"))
        yield* TestClock.adjust("10 seconds")
        const fs = yield* Fiber.join(fiber)
        expect(summary(fs)).toEqual(["ADDED a", `BOOKMARK ${created.metadata.resourceVersion}`])
      }),
      { bookmarkInterval: "15 seconds" }
    )
  )

  it.scoped("timeoutSeconds ends the stream, with a bookmark 2 s before the deadline", () =>
    withServer(
      Effect.gen(function* () {
        const server = yield* ApiServer
        const rv = yield* server.resourceVersion
        const fiber = yield* Effect.fork(
          server
            .watch({
              method: "GET",
              path: cmPath(),
              query: { watch: "true", resourceVersion: rv, allowWatchBookmarks: "true", timeoutSeconds: "30" }
            })
            .pipe(Stream.runCollect)
        )
        yield* TestClock.adjust("27 seconds")
        expect(fiber.unsafePoll()).toBeNull()
        yield* TestClock.adjust("1 second")
        expect(fiber.unsafePoll()).toBeNull()
        yield* TestClock.adjust("2 seconds")
        const fs = Chunk.toArray(yield* Fiber.join(fiber))
        expect(summary(fs)).toEqual([`BOOKMARK ${rv}`])
      })
    )
  )

  it.scoped("metadata-only watches stream PartialObjectMetadata", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a")
        const [f] = (yield* frames(
          {
            method: "GET",
            path: cmPath(),
            query: { watch: "true" },
            accept: "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
          },
          1
        )).map(frame)
        expect(f.object.kind).toBe("PartialObjectMetadata")
        expect(f.object.metadata.name).toBe("a")
        expect(f.object.data).toBeUndefined()
      })
    )
  )

  it.scoped("a slow watcher never blocks writers (unbounded per-watcher buffer)", () =>
    withServer(
      Effect.gen(function* () {
        const server = yield* ApiServer
        const rv = yield* server.resourceVersion
        const fiber = yield* Effect.fork(
          server
            .watch({ method: "GET", path: cmPath(), query: { watch: "true", resourceVersion: rv } })
            .pipe(Stream.take(200), Stream.runCollect)
        )
        yield* Effect.yieldNow()
        for (let i = 0; i < 200; i++) yield* createCm(`cm-${i}`)
        const fs = Chunk.toArray(yield* Fiber.join(fiber))
        expect(fs.length).toBe(200)
        expect(frame(fs[199]).object.metadata.name).toBe("cm-199")
      })
    )
  )

  it.scoped("watching an unknown resource fails the stream with NotFound", () =>
    withServer(
      Effect.gen(function* () {
        const server = yield* ApiServer
        const exit = yield* server
          .watch({ method: "GET", path: "/api/v1/gizmos", query: { watch: "true" } })
          .pipe(Stream.runCollect, Effect.exit)
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit) && exit.cause._tag === "Fail") expect(exit.cause.error._tag).toBe("NotFound")
      })
    )
  )
})
