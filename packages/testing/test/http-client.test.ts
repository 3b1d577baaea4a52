import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Fiber from "effect/Fiber"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Patch from "@effect-kube/core/Patch"
import { ApiServer } from "../src/ApiServer.js"
import * as MockHttpServer from "../src/MockHttpServer.js"
import { send } from "./httpClient.js"

const cm = (name: string, rv: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", resourceVersion: rv },
  data: { k: name }
})
const notFound = (name: string) => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: `configmaps "${name}" not found`,
  reason: "NotFound",
  details: { name, kind: "configmaps" },
  code: 404
})

/** Just enough of an apiserver to drive the live client through the HTTP front. */
const backend: MockHttpServer.Backend = {
  handle: (request) =>
    Effect.succeed(
      request.path === "/api/v1/namespaces/default/configmaps/a"
        ? { status: 200, headers: {}, body: cm("a", "7") }
        : request.path === "/api/v1/namespaces/default/configmaps"
          ? {
              status: 200,
              headers: {},
              body: {
                apiVersion: "v1",
                kind: "ConfigMapList",
                metadata: { resourceVersion: "9" },
                items: [cm("a", "7"), cm("b", "8")]
              }
            }
          : { status: 404, headers: {}, body: notFound(request.path.split("/").pop() ?? "") }
    ),
  watch: (request) =>
    Stream.make(
      { type: "ADDED", object: cm("a", "7") },
      { type: "BOOKMARK", object: { apiVersion: "v1", kind: "ConfigMap", metadata: { resourceVersion: "10" } } },
      { type: "MODIFIED", object: cm("a", "11") },
      ...(request.query?.resourceVersion === "1"
        ? [
            {
              type: "ERROR",
              object: {
                kind: "Status",
                apiVersion: "v1",
                metadata: {},
                status: "Failure",
                message: "too old resource version: 1 (5)",
                reason: "Expired",
                code: 410
              }
            }
          ]
        : [])
    )
}

const clientOver = (server: MockHttpServer.Service, token?: string) =>
  Effect.gen(function* () {
    const path = join(tmpdir(), `effect-kube-client-${process.pid}-${Math.random().toString(36).slice(2)}`, "config")
    const yaml =
      token === undefined ? server.kubeconfigYaml() : server.kubeconfigYaml().replace(/token: .*/, `token: ${token}`)
    yield* Effect.promise(async () => {
      const fs = await import("node:fs/promises")
      await fs.mkdir(join(path, ".."), { recursive: true })
      await fs.writeFile(path, yaml)
    })
    return KubeApi.layerFromKubeConfig({ kubeconfig: path })
  })

describe("the live KubeApi over MockHttpServer (TLS, token from a kubeconfig)", () => {
  it.scopedLive("get, list, not found and a watch with bookmarks and an ERROR frame", () =>
    Effect.gen(function* () {
      const server = yield* MockHttpServer.make(backend)
      const live = yield* clientOver(server)
      yield* Effect.gen(function* () {
        const kube = yield* KubeApi
        const cms = kube.resource(Kinds.ConfigMap, { namespace: "default" })
        const a = yield* cms.get("a")
        expect(a.data).toEqual({ k: "a" })
        const list = yield* cms.list()
        expect(list.items.map((i) => i.metadata.name)).toEqual(["a", "b"])
        expect(list.metadata.resourceVersion).toBe("9")
        const missing = yield* Effect.flip(cms.get("zzz"))
        expect(missing._tag).toBe("NotFound")
        expect(missing.message).toBe('configmaps "zzz" not found')
        const events = yield* cms.watch({ resourceVersion: "5" }).pipe(Stream.runCollect)
        expect(Chunk.toArray(events).map((e) => `${e.type}:${e.object.metadata.resourceVersion}`)).toEqual([
          "ADDED:7",
          "BOOKMARK:10",
          "MODIFIED:11"
        ])
        const gone = yield* Effect.flip(cms.watch({ resourceVersion: "1" }).pipe(Stream.runDrain))
        expect(gone._tag).toBe("Gone")
      }).pipe(Effect.provide(live))
    })
  )

  it.scopedLive("a wrong token is a typed Unauthorized", () =>
    Effect.gen(function* () {
      const server = yield* MockHttpServer.make(backend)
      const live = yield* clientOver(server, "not-the-token")
      const error = yield* KubeApi.pipe(
        Effect.flatMap((kube) => kube.resource(Kinds.ConfigMap, { namespace: "default" }).get("a")),
        Effect.provide(live),
        Effect.flip
      )
      expect(error._tag).toBe("Unauthorized")
    })
  )

  it.scopedLive("the layer composes: server layer feeding a client", () =>
    Effect.gen(function* () {
      const server = yield* MockHttpServer.MockHttpServer
      const live = yield* clientOver(server)
      const names = yield* KubeApi.pipe(
        Effect.flatMap((kube) => kube.resource(Kinds.ConfigMap, { namespace: "default" }).list()),
        Effect.map((l) => l.items.map((i) => i.metadata.name)),
        Effect.provide(live)
      )
      expect(names).toEqual(["a", "b"])
    }).pipe(Effect.provide(Layer.fresh(MockHttpServer.layerFrom(backend))))
  )
})

describe("the live KubeApi over MockHttpServer serving the in-memory ApiServer", () => {
  const Stack = MockHttpServer.layer().pipe(Layer.provideMerge(ApiServer.layer()))

  it.scopedLive("CRUD, patches, server-side apply conflicts and a watch, all over HTTPS", () =>
    Effect.gen(function* () {
      const server = yield* MockHttpServer.MockHttpServer
      const live = yield* clientOver(server)
      yield* Effect.gen(function* () {
        const kube = yield* KubeApi
        const cms = kube.resource(Kinds.ConfigMap, { namespace: "default" })
        const created = yield* cms.create({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "a", labels: { app: "x" } },
          data: { k: "v" }
        })
        expect(created.metadata.uid).toBeDefined()
        const list = yield* cms.list()
        expect(list.items.map((i) => i.metadata.name)).toEqual(["a"])

        const watcher = yield* cms
          .watch({ resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: false })
          .pipe(Stream.take(3), Stream.runCollect, Effect.fork)

        const merged = yield* cms.patch("a", Patch.merge({ data: { j: "1" } }))
        expect(merged.data).toEqual({ k: "v", j: "1" })
        const strategic = yield* cms.patch("a", Patch.strategic({ metadata: { labels: { app: null, tier: "web" } } }))
        expect(strategic.metadata.labels).toEqual({ tier: "web" })
        const failedTest = yield* Effect.flip(
          cms.patch("a", Patch.json([{ op: "test", path: "/metadata/resourceVersion", value: "0" }]))
        )
        expect(failedTest._tag).toBe("Invalid")
        expect(failedTest.message).toBe("the server rejected our request due to an error in our request")
        yield* cms.delete("a")

        const events = yield* Fiber.join(watcher)
        expect(Chunk.toArray(events).map((e) => e.type)).toEqual(["MODIFIED", "MODIFIED", "DELETED"])

        yield* cms.apply(
          { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { k: "1" } },
          { fieldManager: "one" }
        )
        const conflict = yield* Effect.flip(
          cms.apply(
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { k: "2" } },
            { fieldManager: "two" }
          )
        )
        expect(conflict._tag).toBe("Conflict")
        expect(conflict.message).toBe('Apply failed with 1 conflict: conflict with "one": .data.k')
        const forced = yield* cms.apply(
          { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { k: "2" } },
          { fieldManager: "two", force: true }
        )
        expect(forced.data).toEqual({ k: "2" })
      }).pipe(Effect.provide(live))
    }).pipe(Effect.provide(Layer.fresh(Stack)))
  )
  it.scopedLive("the catch-all 404 goes out as plain text; KubeApi reports it as on kube-apiserver", () =>
    Effect.gen(function* () {
      const server = yield* MockHttpServer.MockHttpServer
      const raw = yield* send(server.url, {
        path: "/apis/nothing.example.com/v1/things",
        headers: { authorization: `Bearer ${Redacted.value(server.token)}` },
        ca: server.caPem
      })
      expect([raw.status, raw.headers["content-type"], raw.text]).toEqual([
        404,
        "text/plain; charset=utf-8",
        "404 page not found\n"
      ])
      const watched = yield* send(server.url, {
        path: "/apis/nothing.example.com/v1/things?watch=1",
        headers: { authorization: `Bearer ${Redacted.value(server.token)}` },
        ca: server.caPem
      })
      expect([watched.status, watched.text]).toEqual([404, "404 page not found\n"])
      const live = yield* clientOver(server)
      const missing = yield* Effect.flip(
        Effect.flatMap(KubeApi, (kube) =>
          kube.request({ method: "GET", path: "/apis/nothing.example.com/v1/things" })
        ).pipe(Effect.provide(live))
      )
      expect([missing._tag, missing.message]).toEqual(["NotFound", "404 page not found\n"])
    }).pipe(Effect.provide(Layer.fresh(Stack)))
  )
})
