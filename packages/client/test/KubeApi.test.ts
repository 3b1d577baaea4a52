import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { TransportError } from "@effect-kube/core/Errors"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"
import { KubeApi } from "../src/KubeApi.js"
import type { KubeRequest } from "../src/Transport.js"
import {
  ClusterWidget,
  ConfigMap,
  Deployment,
  fakeTransport,
  Namespace,
  ok,
  statusBody,
  Widget
} from "./fakeTransport.js"

const cm = (name: string, namespace?: string) => ({
  apiVersion: "v1" as const,
  kind: "ConfigMap" as const,
  metadata: namespace === undefined ? { name } : { name, namespace },
  data: { k: "v" }
})

/** The request's non-undefined query entries, in order. */
const query = (request: KubeRequest | undefined) =>
  Object.fromEntries(Object.entries(request?.query ?? {}).filter(([, v]) => v !== undefined))

/** Answers writes with their body (patches and bodiless calls with a fixed object). */
const echo = (request: KubeRequest) =>
  Effect.succeed(
    ok(
      request.method === "POST" || request.method === "PUT" || request.contentType === "application/apply-patch+yaml"
        ? request.body
        : { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "ns" } }
    )
  )

describe("KubeApi URLs", () => {
  it.effect("builds core, group, cluster-scoped, all-namespaces and status paths", () => {
    const fake = fakeTransport({
      respond: (request) =>
        Effect.succeed(
          request.path.endsWith("/namespaces/kube-system")
            ? ok({ metadata: { name: "kube-system" } })
            : request.path.includes("deployments")
              ? ok({ metadata: { name: "d" }, spec: { replicas: 1 } })
              : request.path.endsWith("configmaps") || request.path.endsWith("widgets")
                ? ok({ metadata: {}, items: [] })
                : ok({ metadata: { name: "x" } })
        )
    })
    return Effect.gen(function* () {
      const kube = yield* KubeApi
      yield* kube.resource(ConfigMap, { namespace: "ns" }).get("a")
      yield* kube.resource(Deployment).get("d", { namespace: "prod" })
      yield* kube.resource(Deployment, { namespace: "prod" }).status.get("d")
      yield* kube.resource(Namespace).get("kube-system")
      yield* kube.resource(ConfigMap).list()
      yield* kube.resource(Widget, { namespace: "team-a" }).list()
      yield* kube.resource(Widget, { namespace: "team-a" }).list({ namespace: "team-b" })
      yield* kube.resource(ClusterWidget, { namespace: "ignored" }).get("w")
      yield* kube.resource(ConfigMap, { namespace: "a b" }).get("we/ird?name")
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "GET /api/v1/namespaces/ns/configmaps/a",
        "GET /apis/apps/v1/namespaces/prod/deployments/d",
        "GET /apis/apps/v1/namespaces/prod/deployments/d/status",
        "GET /api/v1/namespaces/kube-system",
        "GET /api/v1/configmaps",
        "GET /apis/acme.io/v1alpha1/namespaces/team-a/widgets",
        "GET /apis/acme.io/v1alpha1/namespaces/team-b/widgets",
        "GET /apis/acme.io/v1/clusterwidgets/w",
        "GET /api/v1/namespaces/a%20b/configmaps/we%2Fird%3Fname"
      ])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("writes to option namespace > object namespace > Api namespace", () => {
    const fake = fakeTransport({ respond: echo })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap, { namespace: "api-ns" })
      yield* api.create(cm("a", "obj-ns"), { namespace: "opt-ns" })
      yield* api.create(cm("a", "obj-ns"))
      yield* api.create(cm("a"))
      yield* api.replace(cm("a", "obj-ns"))
      yield* api.apply(cm("a"), { fieldManager: "m" })
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "POST /api/v1/namespaces/opt-ns/configmaps",
        "POST /api/v1/namespaces/obj-ns/configmaps",
        "POST /api/v1/namespaces/api-ns/configmaps",
        "PUT /api/v1/namespaces/obj-ns/configmaps/a",
        "PATCH /api/v1/namespaces/api-ns/configmaps/a"
      ])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a namespaced object verb without any namespace fails with BadRequest and sends nothing", () => {
    const fake = fakeTransport({ respond: echo })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap)
      const errors = yield* Effect.all(
        [
          Effect.flip(api.get("a")),
          Effect.flip(api.create(cm("a"))),
          Effect.flip(api.replace(cm("a"))),
          Effect.flip(api.patch("a", Patch.merge({}))),
          Effect.flip(api.apply(cm("a"), { fieldManager: "m" })),
          Effect.flip(api.delete("a")),
          Effect.flip(api.deleteCollection()),
          Effect.flip(api.status.get("a"))
        ],
        { concurrency: 1 }
      )
      expect(errors.map((e) => e._tag)).toEqual(Array(8).fill("BadRequest"))
      expect(errors[0].message).toContain("ConfigMap")
      expect(errors[0].message).toContain("namespace")
      expect(fake.requests).toHaveLength(0)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("replace/apply of an object without a name fails without sending", () => {
    const fake = fakeTransport({ respond: echo })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap, { namespace: "ns" })
      const noName = { apiVersion: "v1" as const, kind: "ConfigMap" as const, metadata: { generateName: "x-" } }
      const e1 = yield* Effect.flip(api.replace(noName))
      const e2 = yield* Effect.flip(api.apply(noName, { fieldManager: "m" }))
      expect([e1._tag, e2._tag]).toEqual(["BadRequest", "BadRequest"])
      expect(fake.requests).toHaveLength(0)
      // create with generateName is fine: the server names it.
      yield* api.create(noName)
      expect(fake.requests.map((r) => r.path)).toEqual(["/api/v1/namespaces/ns/configmaps"])
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("KubeApi query strings, bodies, content types", () => {
  it.effect("list options become query parameters", () => {
    const fake = fakeTransport({ respond: () => Effect.succeed(ok({ metadata: {}, items: [] })) })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap)
      yield* api.list({
        namespace: "ns",
        labelSelector: "app=web,tier!=db",
        fieldSelector: "metadata.name=a",
        limit: 10,
        continue: "tok",
        resourceVersion: "0",
        resourceVersionMatch: "NotOlderThan",
        timeoutSeconds: 5
      })
      expect(query(fake.requests[0])).toEqual({
        labelSelector: "app=web,tier!=db",
        fieldSelector: "metadata.name=a",
        limit: "10",
        continue: "tok",
        resourceVersion: "0",
        resourceVersionMatch: "NotOlderThan",
        timeoutSeconds: "5"
      })
      expect(fake.requests[0].accept).toBeUndefined()
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("create/replace/patch send dryRun=All, fieldManager, fieldValidation and the patch content types", () => {
    const fake = fakeTransport({ respond: echo })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap, { namespace: "ns" })
      yield* api.create(cm("a"), { dryRun: true, fieldManager: "mgr", fieldValidation: "Strict" })
      yield* api.patch("a", Patch.merge({ data: { k: "v2" } }))
      yield* api.patch("a", Patch.json([{ op: "test", path: "/metadata/resourceVersion", value: "5" }]))
      yield* api.patch("a", Patch.strategic({ data: { x: "y" } }), { fieldManager: "mgr" })
      const [create, merge, json, strategic] = fake.requests
      expect(query(create)).toEqual({ dryRun: "All", fieldManager: "mgr", fieldValidation: "Strict" })
      expect(create.body).toEqual(cm("a"))
      expect(create.contentType).toBeUndefined()
      expect([merge.method, merge.contentType, merge.body]).toEqual([
        "PATCH",
        "application/merge-patch+json",
        { data: { k: "v2" } }
      ])
      expect([json.contentType, json.body]).toEqual([
        "application/json-patch+json",
        [{ op: "test", path: "/metadata/resourceVersion", value: "5" }]
      ])
      expect([strategic.contentType, query(strategic)]).toEqual([
        "application/strategic-merge-patch+json",
        { fieldManager: "mgr" }
      ])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("server-side apply: PATCH apply-patch+yaml, fieldManager, force, body carries apiVersion/kind", () => {
    const fake = fakeTransport({ respond: echo })
    return Effect.gen(function* () {
      const widgets = (yield* KubeApi).resource(Widget, { namespace: "ns" })
      yield* widgets.apply({ metadata: { name: "w" }, spec: { size: 3 } }, { fieldManager: "ctl", force: true })
      const deployments = (yield* KubeApi).resource(Deployment, { namespace: "ns" })
      yield* deployments.status.apply(
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { replicas: 1 }, status: {} },
        { fieldManager: "ctl", dryRun: true }
      )
      const [apply, statusApply] = fake.requests
      expect(apply.method).toBe("PATCH")
      expect(apply.path).toBe("/apis/acme.io/v1alpha1/namespaces/ns/widgets/w")
      expect(apply.contentType).toBe("application/apply-patch+yaml")
      expect(query(apply)).toEqual({ fieldManager: "ctl", force: "true" })
      expect(apply.body).toEqual({
        apiVersion: "acme.io/v1alpha1",
        kind: "Widget",
        metadata: { name: "w" },
        spec: { size: 3 }
      })
      expect(statusApply.path).toBe("/apis/apps/v1/namespaces/ns/deployments/d/status")
      expect(query(statusApply)).toEqual({ dryRun: "All", fieldManager: "ctl" })
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("delete sends a DeleteOptions body; deleteCollection adds selectors", () => {
    const fake = fakeTransport({
      respond: (r) =>
        Effect.succeed(
          r.path.endsWith("/a")
            ? ok({ kind: "Status", apiVersion: "v1", status: "Success", details: { name: "a" } })
            : r.path.endsWith("/b")
              ? ok({ metadata: { name: "b", deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["f"] } }, 202)
              : ok({ kind: "ConfigMapList", metadata: { resourceVersion: "9" }, items: [{ metadata: { name: "c" } }] })
        )
    })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap, { namespace: "ns" })
      const a = yield* api.delete("a", {
        propagationPolicy: "Foreground",
        preconditions: { uid: "u1", resourceVersion: "7" },
        gracePeriodSeconds: 0,
        dryRun: true
      })
      const b = yield* api.delete("b")
      const c = yield* api.deleteCollection({ labelSelector: "app=x", propagationPolicy: "Background" })
      const [da, db, dc] = fake.requests
      expect(da.method).toBe("DELETE")
      expect(da.body).toEqual({
        kind: "DeleteOptions",
        apiVersion: "v1",
        propagationPolicy: "Foreground",
        gracePeriodSeconds: 0,
        preconditions: { uid: "u1", resourceVersion: "7" },
        dryRun: ["All"]
      })
      expect(db.body).toEqual({ kind: "DeleteOptions", apiVersion: "v1" })
      expect([dc.method, dc.path, query(dc), dc.body]).toEqual([
        "DELETE",
        "/api/v1/namespaces/ns/configmaps",
        { labelSelector: "app=x" },
        { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" }
      ])
      expect(a._tag === "Status" && a.status.status).toBe("Success")
      expect(b._tag === "Object" && b.object.metadata.finalizers).toEqual(["f"])
      expect(c._tag === "Object" && c.object.items.map((i) => [i.kind, i.metadata.name])).toEqual([["ConfigMap", "c"]])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("metadata-only list and watch ask for PartialObjectMetadata", () => {
    const fake = fakeTransport({
      respond: () =>
        Effect.succeed(
          ok({
            kind: "PartialObjectMetadataList",
            apiVersion: "meta.k8s.io/v1",
            metadata: { resourceVersion: "3" },
            items: [{ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: { name: "a" } }]
          })
        ),
      watch: () =>
        Stream.make({
          type: "ADDED",
          object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: { name: "b" } }
        })
    })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(Deployment)
      const page = yield* api.metadata.list()
      const events = yield* Stream.runCollect(api.metadata.watch({ namespace: "ns" }))
      expect(fake.requests[0].accept).toBe(
        "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"
      )
      expect(fake.watches[0].accept).toBe(
        "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json"
      )
      expect(fake.watches[0].path).toBe("/apis/apps/v1/namespaces/ns/deployments")
      expect(page.items.map((i) => [i.kind, i.metadata.name])).toEqual([["PartialObjectMetadata", "a"]])
      expect(Chunk.toArray(events).map((e) => e.object.metadata.name)).toEqual(["b"])
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("KubeApi errors and decoding", () => {
  it.effect("non-2xx responses become typed errors (reason, code, Retry-After)", () => {
    const responses: Record<string, { status: number; headers: Record<string, string>; body: unknown }> = {
      a: { status: 404, headers: {}, body: statusBody(404, "NotFound") },
      b: { status: 409, headers: {}, body: statusBody(409, "Conflict") },
      c: { status: 429, headers: { "retry-after": "7" }, body: statusBody(429, "TooManyRequests") },
      d: {
        status: 422,
        headers: {},
        body: statusBody(422, "Invalid", "bad", {
          details: { causes: [{ field: "data.k", reason: "FieldValueInvalid" }] }
        })
      },
      e: { status: 503, headers: {}, body: "<html>upstream down</html>" },
      f: { status: 500, headers: {}, body: statusBody(500, "ServerTimeout") }
    }
    const fake = fakeTransport({
      respond: (r) => Effect.succeed(responses[r.path.slice(r.path.lastIndexOf("/") + 1)] ?? ok({}))
    })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap, { namespace: "ns" })
      const errors = yield* Effect.all(["a", "b", "c", "d", "e", "f"].map((n) => Effect.flip(api.get(n))))
      expect(errors.map((e) => e._tag)).toEqual([
        "NotFound",
        "Conflict",
        "TooManyRequests",
        "Invalid",
        "ServiceUnavailable",
        "ServerTimeout"
      ])
      const [, conflict, tooMany, invalid] = errors
      expect(conflict.retryable).toBe(true)
      expect(tooMany._tag === "TooManyRequests" && tooMany.retryAfterSeconds).toBe(7)
      expect(invalid._tag === "Invalid" && invalid.causes.map((c) => c.field)).toEqual(["data.k"])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("transport failures pass through as TransportError", () => {
    const fake = fakeTransport({
      respond: (r) => Effect.fail(new TransportError({ message: "ECONNRESET", method: r.method, url: r.path }))
    })
    return Effect.gen(function* () {
      const error = yield* Effect.flip((yield* KubeApi).resource(ConfigMap, { namespace: "ns" }).get("a"))
      expect([error._tag, error.retryable]).toEqual(["TransportError", true])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("responses are decoded with the kind's Schema; failures are DecodeErrors naming the kind", () => {
    const fake = fakeTransport({
      respond: (r) =>
        Effect.succeed(
          r.path.endsWith("/bad")
            ? ok({ metadata: { name: "bad" }, spec: { replicas: "three" } })
            : ok({ metadata: { name: "good" }, spec: { replicas: 3 }, extra: { kept: true } })
        )
    })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(Deployment, { namespace: "ns" })
      const good = yield* api.get("good")
      const bad = yield* Effect.flip(api.get("bad"))
      // Schema defaults apiVersion/kind and keeps unknown fields.
      expect(good).toEqual({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "good" },
        spec: { replicas: 3 },
        extra: { kept: true }
      })
      expect(bad._tag).toBe("DecodeError")
      expect(bad._tag === "DecodeError" && [bad.kind, bad.key]).toEqual(["Deployment", "bad"])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("untyped lists get apiVersion/kind filled on their items; a non-list body is a DecodeError", () => {
    let body: unknown = { metadata: { resourceVersion: "5" }, items: [{ metadata: { name: "a" } }] }
    const fake = fakeTransport({ respond: () => Effect.succeed(ok(body)) })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(Resource.untyped(ConfigMap))
      const page = yield* api.list()
      expect(page.metadata.resourceVersion).toBe("5")
      expect(page.items).toEqual([{ metadata: { name: "a" }, apiVersion: "v1", kind: "ConfigMap" }])
      body = { items: "nope" }
      const error = yield* Effect.flip(api.list())
      expect(error._tag).toBe("DecodeError")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("raw request maps non-2xx and returns the parsed body", () => {
    const fake = fakeTransport({
      respond: (r) =>
        Effect.succeed(
          r.path === "/version"
            ? ok({ gitVersion: "v1.34.0" })
            : { status: 403, headers: {}, body: statusBody(403, "Forbidden") }
        )
    })
    return Effect.gen(function* () {
      const kube = yield* KubeApi
      const version = yield* kube.request({ method: "GET", path: "/version" })
      const forbidden = yield* Effect.flip(kube.request({ method: "GET", path: "/apis/x" }))
      expect(version).toEqual({ gitVersion: "v1.34.0" })
      expect(forbidden._tag).toBe("Forbidden")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("Api.resource describes the kind", () => {
    const fake = fakeTransport({})
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(Deployment, { namespace: "ns" })
      expect([api.namespace, api.resource.kind, api.resource.plural, Resource.gvk(api.resource)]).toEqual([
        "ns",
        "Deployment",
        "deployments",
        "apps/v1/Deployment"
      ])
      expect((yield* KubeApi).resource(Namespace).namespace).toBeUndefined()
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("KubeApi pagination", () => {
  const pages: Record<string, { next?: string; names: Array<string> }> = {
    "": { next: "t1", names: ["a", "b"] },
    t1: { next: "t2", names: ["c"] },
    t2: { names: ["d", "e"] }
  }
  const pager = (r: KubeRequest) => {
    const page = pages[r.query?.continue ?? ""]
    return Effect.succeed(
      ok({
        metadata: { resourceVersion: "100", continue: page.next ?? "" },
        items: page.names.map((name) => ({ metadata: { name, namespace: "ns" } }))
      })
    )
  }

  it.effect("listPages follows continue with limit 500 and drops resourceVersion after the first page", () => {
    const fake = fakeTransport({ respond: pager })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap)
      const result = yield* Stream.runCollect(api.listPages({ resourceVersion: "0", labelSelector: "a=b" }))
      expect(Chunk.toArray(result).map((p) => p.items.map((i) => i.metadata.name))).toEqual([
        ["a", "b"],
        ["c"],
        ["d", "e"]
      ])
      expect(fake.requests.map(query)).toEqual([
        { labelSelector: "a=b", limit: "500", resourceVersion: "0" },
        { labelSelector: "a=b", limit: "500", continue: "t1" },
        { labelSelector: "a=b", limit: "500", continue: "t2" }
      ])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("listAll flattens every page and honours an explicit limit", () => {
    const fake = fakeTransport({ respond: pager })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap, { namespace: "ns" })
      const all = yield* Stream.runCollect(api.listAll({ limit: 2 }))
      expect(Chunk.toArray(all).map((o) => o.metadata.name)).toEqual(["a", "b", "c", "d", "e"])
      expect(fake.requests.map((r) => r.query?.limit)).toEqual(["2", "2", "2"])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a failing page fails the stream after the earlier pages", () => {
    const fake = fakeTransport({
      respond: (r) =>
        r.query?.continue === "t1"
          ? Effect.succeed({ status: 410, headers: {}, body: statusBody(410, "Expired") })
          : pager(r)
    })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap, { namespace: "ns" })
      const seen: Array<string> = []
      const exit = yield* Stream.runForEach(api.listAll(), (o) =>
        Effect.sync(() => seen.push(o.metadata.name ?? ""))
      ).pipe(Effect.exit)
      expect(seen).toEqual(["a", "b"])
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(Stream.runDrain(api.listAll()))
      expect(error._tag).toBe("Gone")
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("KubeApi watch", () => {
  const obj = (name: string, rv: string) => ({ metadata: { name, namespace: "ns", resourceVersion: rv } })

  it.effect("builds the watch request with bookmarks on by default", () => {
    const fake = fakeTransport({})
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap)
      yield* Stream.runDrain(api.watch())
      yield* Stream.runDrain(
        api.watch({
          namespace: "ns",
          resourceVersion: "42",
          labelSelector: "app=x",
          fieldSelector: "metadata.name=a",
          timeoutSeconds: 300,
          sendInitialEvents: true,
          resourceVersionMatch: "NotOlderThan",
          allowWatchBookmarks: false
        })
      )
      expect(fake.watches.map((r) => [r.method, r.path])).toEqual([
        ["GET", "/api/v1/configmaps"],
        ["GET", "/api/v1/namespaces/ns/configmaps"]
      ])
      expect(query(fake.watches[0])).toEqual({ watch: "true", allowWatchBookmarks: "true" })
      expect(query(fake.watches[1])).toEqual({
        watch: "true",
        labelSelector: "app=x",
        fieldSelector: "metadata.name=a",
        resourceVersion: "42",
        resourceVersionMatch: "NotOlderThan",
        timeoutSeconds: "300",
        sendInitialEvents: "true"
      })
      expect(fake.requests).toHaveLength(0)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("maps ADDED/MODIFIED/DELETED/BOOKMARK frames to typed events", () => {
    const fake = fakeTransport({
      watch: () =>
        Stream.fromIterable([
          { type: "ADDED", object: obj("a", "1") },
          { type: "MODIFIED", object: { ...obj("a", "2"), data: { k: "v" } } },
          { type: "BOOKMARK", object: { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: "3" } } },
          { type: "DELETED", object: obj("a", "4") }
        ]).pipe(Stream.rechunk(2))
    })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap)
      const events = Chunk.toArray(yield* Stream.runCollect(api.watch()))
      expect(events.map((e) => [e.type, e.object.metadata.resourceVersion])).toEqual([
        ["ADDED", "1"],
        ["MODIFIED", "2"],
        ["BOOKMARK", "3"],
        ["DELETED", "4"]
      ])
      // Typed decode ran (kind defaulted by the schema).
      expect(events[0].object.kind).toBe("ConfigMap")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("an ERROR frame fails the stream with its typed error after the earlier events (410 → Gone)", () => {
    const fake = fakeTransport({
      watch: () =>
        Stream.fromIterable([
          { type: "ADDED", object: obj("a", "1") },
          { type: "ERROR", object: statusBody(410, "Expired", "too old resource version: 1 (5)") },
          { type: "ADDED", object: obj("never", "9") }
        ])
    })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(ConfigMap)
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(api.watch(), (e) => Effect.sync(() => seen.push(`${e.type}:${e.object.metadata.name}`)))
      )
      expect(seen).toEqual(["ADDED:a"])
      expect(error._tag).toBe("Gone")
      expect(error.message).toBe("too old resource version: 1 (5)")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("an ERROR frame with another code maps by reason/code", () => {
    const fake = fakeTransport({
      watch: () => Stream.make({ type: "ERROR", object: { kind: "Status", code: 500, message: "boom" } })
    })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Stream.runDrain((yield* KubeApi).resource(ConfigMap).watch()))
      expect([error._tag, error.message]).toEqual(["InternalError", "boom"])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("unknown frame types, non-objects and undecodable objects are DecodeErrors", () => {
    const frames: Array<unknown> = [
      { type: "WHAT", object: obj("a", "1") },
      42,
      { type: "ADDED", object: { metadata: { name: "x" }, spec: { replicas: "nope" } } },
      { type: "BOOKMARK", object: null }
    ]
    let index = 0
    const fake = fakeTransport({ watch: () => Stream.make(frames[index++]) })
    return Effect.gen(function* () {
      const api = (yield* KubeApi).resource(Deployment)
      const errors = []
      for (let i = 0; i < frames.length; i++) errors.push(yield* Effect.flip(Stream.runDrain(api.watch())))
      expect(errors.map((e) => e._tag)).toEqual(["DecodeError", "DecodeError", "DecodeError", "DecodeError"])
      expect(errors[0].message).toContain('"WHAT"')
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("an upstream failure passes through", () => {
    const fake = fakeTransport({
      watch: () =>
        Stream.concat(
          Stream.make({ type: "ADDED", object: obj("a", "1") }),
          Stream.fail(new TransportError({ message: "reset" }))
        )
    })
    return Effect.gen(function* () {
      const exit = yield* Stream.runCollect((yield* KubeApi).resource(ConfigMap).watch()).pipe(Effect.flip)
      expect(exit._tag).toBe("TransportError")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("no frame for the idle timeout (default 5 min) fails with TransportError", () =>
    Effect.gen(function* () {
      const frames = yield* Queue.unbounded<unknown>()
      const fake = fakeTransport({ watch: () => Stream.fromQueue(frames) })
      const api = yield* Effect.provide(
        Effect.map(KubeApi, (k) => k.resource(ConfigMap)),
        fake.layer
      )
      const seen: Array<string> = []
      const fiber = yield* Effect.fork(
        Stream.runForEach(api.watch(), (e) => Effect.sync(() => seen.push(e.object.metadata.name ?? "")))
      )
      yield* TestClock.adjust("4 minutes")
      yield* Queue.offer(frames, { type: "ADDED", object: obj("a", "1") })
      yield* TestClock.adjust("4 minutes")
      // 8 minutes in total, but never 5 without a frame.
      expect(yield* Fiber.poll(fiber)).toEqual(Option.none())
      expect(seen).toEqual(["a"])
      yield* TestClock.adjust("61 seconds")
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(exit)
      expect(error._tag).toBe("TransportError")
      expect(error._tag === "TransportError" && error.url).toBe(
        "/api/v1/configmaps?watch=true&allowWatchBookmarks=true"
      )
    })
  )

  it.effect("a slow consumer does not trip the idle timeout while frames wait for it", () =>
    Effect.gen(function* () {
      const frames = Array.from({ length: 1000 }, (_, i) => ({ type: "ADDED", object: obj(`o${i}`, String(i + 1)) }))
      const fake = fakeTransport({ watch: () => Stream.concat(Stream.fromIterable(frames), Stream.never) })
      const api = yield* Effect.provide(
        Effect.map(KubeApi, (k) => k.resource(ConfigMap)),
        fake.layer
      )
      let seen = 0
      const fiber = yield* Effect.fork(
        Stream.runForEach(api.watch(), () =>
          // The first event blocks the consumer for twice the idle timeout.
          seen++ === 0 ? Effect.sleep("10 minutes") : Effect.void
        )
      )
      yield* TestClock.adjust("10 minutes")
      expect(seen).toBe(1000)
      expect(yield* Fiber.poll(fiber)).toEqual(Option.none())
      // Once caught up, the upstream silence counts from the last frame handed over.
      yield* TestClock.adjust("4 minutes")
      expect(yield* Fiber.poll(fiber)).toEqual(Option.none())
      yield* TestClock.adjust("61 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error._tag).toBe("TransportError")
    })
  )

  it.effect("the idle timeout follows timeoutSeconds + 30 s, or the explicit option", () =>
    Effect.gen(function* () {
      const fake = fakeTransport({ watch: () => Stream.never })
      const api = yield* Effect.provide(
        Effect.map(KubeApi, (k) => k.resource(ConfigMap)),
        fake.layer
      )
      const server = yield* Effect.fork(Stream.runDrain(api.watch({ timeoutSeconds: 60 })))
      const explicit = yield* Effect.fork(Stream.runDrain(api.watch({ timeoutSeconds: 60, idleTimeout: "10 seconds" })))
      yield* TestClock.adjust("11 seconds")
      expect(Option.isSome(yield* Fiber.poll(explicit))).toBe(true)
      expect(Option.isNone(yield* Fiber.poll(server))).toBe(true)
      yield* TestClock.adjust("78 seconds")
      expect(Option.isNone(yield* Fiber.poll(server))).toBe(true)
      yield* TestClock.adjust("2 seconds")
      const error = yield* Effect.flip(Fiber.join(server))
      expect(error._tag).toBe("TransportError")
    })
  )
})
