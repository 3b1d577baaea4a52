import { describe, expect, it } from "@effect/vitest"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ApiServer } from "../src/ApiServer.js"
import * as TestKube from "../src/TestKube.js"
import { call, cmPath, configMap, createCm } from "./apiserver-fixtures.js"

describe("ApiServer faults", () => {
  it.scoped("closeWatches ends every open watch stream", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      const rv = yield* server.resourceVersion
      const fiber = yield* Effect.fork(
        server
          .watch({ method: "GET", path: cmPath(), query: { watch: "true", resourceVersion: rv } })
          .pipe(Stream.runCollect)
      )
      yield* Effect.yieldNow()
      yield* createCm("a")
      yield* Effect.yieldNow()
      yield* server.faults.closeWatches
      const frames = Chunk.toArray(yield* Fiber.join(fiber))
      expect(frames.length).toBe(1)
    }).pipe(Effect.provide(ApiServer.layer()))
  )

  it.scoped("compact makes every older resourceVersion 410 Expired", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* createCm("a")
      const rv = yield* server.resourceVersion
      yield* createCm("b")
      yield* server.faults.compact
      const frames = yield* server
        .watch({ method: "GET", path: cmPath(), query: { watch: "true", resourceVersion: rv } })
        .pipe(Stream.runCollect)
      expect(JSON.stringify(Chunk.toArray(frames))).toContain('"code":410')
      const current = yield* server.resourceVersion
      const ok = yield* Effect.fork(
        server
          .watch({ method: "GET", path: cmPath(), query: { watch: "true", resourceVersion: current } })
          .pipe(Stream.take(1), Stream.runCollect)
      )
      yield* Effect.yieldNow()
      yield* createCm("c")
      expect(Chunk.size(yield* Fiber.join(ok))).toBe(1)
    }).pipe(Effect.provide(ApiServer.layer()))
  )

  it.scoped("failNext injects 429 with Retry-After (typed TooManyRequests through KubeApi), then recovers", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      const kube = yield* KubeApi
      const cms = kube.resource(Kinds.ConfigMap, { namespace: "default" })
      yield* server.faults.failNext(2, { code: 429, retryAfterSeconds: 7, match: (r) => r.method === "GET" })
      const created = yield* cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } })
      expect(created.metadata.name).toBe("a")
      const e1 = yield* Effect.flip(cms.get("a"))
      expect(e1._tag).toBe("TooManyRequests")
      if (e1._tag === "TooManyRequests") expect(e1.retryAfterSeconds).toBe(7)
      const e2 = yield* Effect.flip(cms.list())
      expect(e2._tag).toBe("TooManyRequests")
      const ok = yield* cms.get("a")
      expect(ok.metadata.name).toBe("a")
      yield* server.faults.failNext(1, { code: 503 })
      const watch = yield* cms.watch().pipe(Stream.runDrain, Effect.flip)
      expect(watch._tag).toBe("ServiceUnavailable")
      yield* server.faults.failNext(1, { code: 500 })
      const internal = yield* Effect.flip(cms.get("a"))
      expect(internal._tag).toBe("InternalError")
      expect(yield* server.requestCount({ verb: "get" })).toBe(3)
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.scoped("latency delays every request on the Clock", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.faults.latency("5 seconds")
      const fiber = yield* Effect.fork(createCm("a"))
      yield* TestClock.adjust("4 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      const res = yield* Fiber.join(fiber)
      expect(res.status).toBe(201)
      yield* server.faults.reset
      expect((yield* createCm("b")).status).toBe(201)
    }).pipe(Effect.provide(ApiServer.layer()))
  )

  it.scoped("forceConflict fails the next n updates with 409", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* createCm("a")
      yield* server.faults.forceConflict(1)
      const first = yield* call({ method: "PUT", path: cmPath("default", "a"), body: configMap("a", { k: "1" }) })
      expect(first.status).toBe(409)
      const second = yield* call({ method: "PUT", path: cmPath("default", "a"), body: configMap("a", { k: "1" }) })
      expect(second.status).toBe(200)
    }).pipe(Effect.provide(ApiServer.layer()))
  )

  it.scoped("hangWatches: accepted watches stay silent, so the client's idle timeout fires", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      const kube = yield* KubeApi
      yield* server.faults.hangWatches()
      const cms = kube.resource(Kinds.ConfigMap, { namespace: "default" })
      const fiber = yield* Effect.fork(cms.watch({ idleTimeout: "30 seconds" }).pipe(Stream.runDrain, Effect.exit))
      yield* Effect.yieldNow()
      yield* cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } })
      yield* TestClock.adjust("31 seconds")
      const exit = yield* Fiber.join(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") expect(exit.cause.error._tag).toBe("TransportError")
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.scoped("requestCount counts per verb", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* createCm("a")
      yield* call({ method: "GET", path: cmPath("default", "a") })
      yield* call({ method: "GET", path: cmPath() })
      yield* call({ method: "DELETE", path: cmPath("default", "a") })
      yield* call({ method: "GET", path: "/api" })
      expect(yield* server.requestCount({ verb: "create" })).toBe(1)
      expect(yield* server.requestCount({ verb: "get" })).toBe(1)
      expect(yield* server.requestCount({ verb: "list" })).toBe(1)
      expect(yield* server.requestCount({ verb: "delete" })).toBe(1)
      expect(yield* server.requestCount({ verb: "discovery" })).toBe(1)
      expect(yield* server.requestCount()).toBe(5)
    }).pipe(Effect.provide(ApiServer.layer()))
  )
})
