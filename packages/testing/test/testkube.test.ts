import { describe, expect, it } from "@effect/vitest"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { ApiServer } from "../src/ApiServer.js"
import * as TestKube from "../src/TestKube.js"
import { widgetCRD } from "./apiserver-fixtures.js"

const Widget = Resource.custom({
  group: "example.com",
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  spec: Schema.Struct({ size: Schema.Int, color: Schema.optional(Schema.String) }),
  status: Schema.Struct({ ready: Schema.optional(Schema.Boolean) })
})

describe("TestKube.layer", () => {
  it.scoped("KubeApi CRUD against the in-memory apiserver, typed errors included", () =>
    Effect.gen(function* () {
      const kube = yield* KubeApi
      const cms = kube.resource(Kinds.ConfigMap, { namespace: "default" })
      const created = yield* cms.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "a" },
        data: { k: "v" }
      })
      expect(created.metadata.resourceVersion).toBeDefined()
      const fetched = yield* cms.get("a")
      expect(fetched.data).toEqual({ k: "v" })
      const replaced = yield* cms.replace({ ...fetched, data: { k: "v2" } })
      expect(replaced.data).toEqual({ k: "v2" })
      const conflict = yield* Effect.flip(cms.replace({ ...fetched, data: { k: "stale" } }))
      expect(conflict._tag).toBe("Conflict")
      const missing = yield* Effect.flip(cms.get("nope"))
      expect(missing._tag).toBe("NotFound")
      expect(missing.message).toBe('configmaps "nope" not found')
      const invalid = yield* Effect.flip(
        cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Nope" } })
      )
      expect(invalid._tag).toBe("Invalid")
      if (invalid._tag === "Invalid") expect(invalid.causes[0]?.field).toBe("metadata.name")
      const deleted = yield* cms.delete("a")
      expect(deleted._tag).toBe("Status")
      const server = yield* ApiServer
      expect(yield* server.get(Kinds.ConfigMap, "a", "default")).toEqual(Option.none())
      expect(yield* server.requestCount({ verb: "create" })).toBe(2)
      expect(yield* server.requestCount({ verb: "update" })).toBe(2)
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.scoped("seeded objects, listAll pagination and label selectors through KubeApi", () =>
    Effect.gen(function* () {
      const kube = yield* KubeApi
      const cms = kube.resource(Kinds.ConfigMap)
      const all = yield* cms.listAll({ limit: 2, labelSelector: "seeded=yes" }).pipe(Stream.runCollect)
      expect(Chunk.toArray(all).map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
        "default/c0",
        "default/c1",
        "default/c2",
        "team/c3",
        "team/c4"
      ])
      const server = yield* ApiServer
      expect(yield* server.requestCount({ verb: "list" })).toBe(3)
    }).pipe(
      Effect.provide(
        TestKube.layer({
          objects: [0, 1, 2, 3, 4].map((i) => ({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: `c${i}`, namespace: i < 3 ? "default" : "team", labels: { seeded: "yes" } }
          }))
        })
      )
    )
  )

  it.scoped("watch through KubeApi: typed events, bookmarks, and 410 as a Gone error", () =>
    Effect.gen(function* () {
      const kube = yield* KubeApi
      const cms = kube.resource(Kinds.ConfigMap, { namespace: "default" })
      const first = yield* cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } })
      const fiber = yield* Effect.fork(
        cms.watch({ resourceVersion: first.metadata.resourceVersion }).pipe(Stream.take(2), Stream.runCollect)
      )
      yield* Effect.yieldNow()
      yield* cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b" } })
      yield* cms.delete("a")
      const events = Chunk.toArray(yield* Fiber.join(fiber))
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED b", "DELETED a"])
      const server = yield* ApiServer
      yield* server.faults.compact
      yield* cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } })
      const gone = yield* Effect.flip(
        cms.watch({ resourceVersion: first.metadata.resourceVersion }).pipe(Stream.runDrain)
      )
      expect(gone._tag).toBe("Gone")
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.scoped("custom kinds: CRD objects or `kinds`, status and apply through KubeApi", () =>
    Effect.gen(function* () {
      const kube = yield* KubeApi
      // Untyped: a new CRD comes back with `status.conditions: null`, as from kube-apiserver.
      const crds = kube.resource(Resource.untyped(Kinds.CustomResourceDefinition))
      yield* crds.create(widgetCRD())
      const widgets = kube.resource(Widget, { namespace: "default" })
      const created = yield* widgets.create({
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w" },
        spec: { size: 2 }
      })
      expect(created.spec).toEqual({ size: 2, color: "red" })
      const status = yield* widgets.status.patch("w", Patch.merge({ status: { ready: true } }))
      expect(status.status).toEqual({ ready: true })
      expect(status.metadata.generation).toBe(1)
      const applied = yield* widgets.apply(
        { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: 3 } },
        { fieldManager: "ctl", force: true }
      )
      expect(applied.spec.size).toBe(3)
      expect(applied.metadata.generation).toBe(2)
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.scoped("the transport is exposed for raw requests (discovery)", () =>
    Effect.gen(function* () {
      const kube = yield* KubeApi
      const version = yield* kube.request({ method: "GET", path: "/version" })
      expect(version).toMatchObject({ major: "1", minor: "37", gitVersion: "v1.37.0" })
      const groups = yield* kube.request({ method: "GET", path: "/apis" })
      expect(JSON.stringify(groups)).toContain('"apps/v1"')
    }).pipe(Effect.provide(TestKube.layer()))
  )
  it.scoped("the catch-all text 404 reaches KubeApi as it does over HTTP: NotFound with the text as message", () =>
    Effect.gen(function* () {
      const kube = yield* KubeApi
      const missing = yield* Effect.flip(kube.request({ method: "GET", path: "/apis/nothing.example.com/v1/things" }))
      expect([missing._tag, missing.message]).toEqual(["NotFound", "404 page not found\n"])
      const watch = yield* Effect.flip(
        Stream.runDrain(kube.resource(Widget, { namespace: "default" }).watch({ allowWatchBookmarks: false }))
      )
      expect([watch._tag, watch.message]).toEqual(["NotFound", "404 page not found\n"])
      // `handle` keeps the raw body, `request` hands out what a client transport sees.
      const server = yield* ApiServer
      const raw = yield* server.handle({ method: "GET", path: "/apis/nothing.example.com/v1/things" })
      expect(raw.body).toBe("404 page not found\n")
      const seen = yield* server.request({ method: "GET", path: "/apis/nothing.example.com/v1/things" })
      expect(seen.body).toEqual({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        code: 404,
        message: "404 page not found\n"
      })
    }).pipe(Effect.provide(TestKube.layer()))
  )
})
