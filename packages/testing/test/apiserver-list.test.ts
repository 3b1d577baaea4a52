import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ApiServer } from "../src/ApiServer.js"
import { body, call, cmPath, createCm, type Json } from "./apiserver-fixtures.js"

const withServer = <A, E>(effect: Effect.Effect<A, E, ApiServer>) => Effect.provide(effect, ApiServer.layer())

const names = (list: Json): Array<string> =>
  Array.from(
    { length: list.items.length },
    (_, i) => `${list.items[i].metadata.namespace}/${list.items[i].metadata.name}`
  )

const setup = Effect.gen(function* () {
  for (const ns of ["b-ns", "a-ns"]) {
    yield* call({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: ns } } })
  }
  yield* createCm("z", "a-ns", {}, { labels: { app: "web", tier: "front" } })
  yield* createCm("y", "b-ns", {}, { labels: { app: "web" } })
  yield* createCm("x", "a-ns", {}, { labels: { app: "db" } })
  yield* createCm("w", "default")
})

describe("ApiServer list", () => {
  it.scoped("sorts by namespace/name like etcd keys; the list RV is the current one; items omit kind", () =>
    withServer(
      Effect.gen(function* () {
        yield* setup
        const server = yield* ApiServer
        const res = yield* call({ method: "GET", path: "/api/v1/configmaps" })
        const b = body(res)
        expect(b.kind).toBe("ConfigMapList")
        expect(b.apiVersion).toBe("v1")
        expect(names(b)).toEqual(["a-ns/x", "a-ns/z", "b-ns/y", "default/w"])
        expect(b.metadata.resourceVersion).toBe(yield* server.resourceVersion)
        expect(b.items[0].kind).toBeUndefined()
        const ns = body(yield* call({ method: "GET", path: cmPath("a-ns") }))
        expect(names(ns)).toEqual(["a-ns/x", "a-ns/z"])
      })
    )
  )

  it.scoped("label and field selectors filter", () =>
    withServer(
      Effect.gen(function* () {
        yield* setup
        const web = body(
          yield* call({ method: "GET", path: "/api/v1/configmaps", query: { labelSelector: "app=web" } })
        )
        expect(names(web)).toEqual(["a-ns/z", "b-ns/y"])
        const set = body(
          yield* call({ method: "GET", path: "/api/v1/configmaps", query: { labelSelector: "app in (db, web),!tier" } })
        )
        expect(names(set)).toEqual(["a-ns/x", "b-ns/y"])
        const byName = body(
          yield* call({ method: "GET", path: "/api/v1/configmaps", query: { fieldSelector: "metadata.name=y" } })
        )
        expect(names(byName)).toEqual(["b-ns/y"])
        const notNs = body(
          yield* call({
            method: "GET",
            path: "/api/v1/configmaps",
            query: { fieldSelector: "metadata.namespace!=a-ns" }
          })
        )
        expect(names(notNs)).toEqual(["b-ns/y", "default/w"])
      })
    )
  )

  it.scoped("unsupported field labels and invalid selectors are 400 with the real messages", () =>
    withServer(
      Effect.gen(function* () {
        const cm = yield* call({ method: "GET", path: cmPath(), query: { fieldSelector: "spec.x=1" } })
        expect(cm.status).toBe(400)
        expect(body(cm).message).toBe(
          '"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"'
        )
        const pod = yield* call({
          method: "GET",
          path: "/api/v1/namespaces/default/pods",
          query: { fieldSelector: "spec.bogus=1" }
        })
        expect(body(pod).message).toBe("field label not supported: spec.bogus")
        const podOk = yield* call({
          method: "GET",
          path: "/api/v1/namespaces/default/pods",
          query: { fieldSelector: "status.phase=Running,spec.nodeName=n" }
        })
        expect(podOk.status).toBe(200)
        const label = yield* call({ method: "GET", path: cmPath(), query: { labelSelector: "app=web,tier)" } })
        expect(label.status).toBe(400)
        expect(body(label).message).toBe(
          "unable to parse requirement: found ')', expected: in, notin, =, ==, !=, gt, lt"
        )
        const term = yield* call({ method: "GET", path: cmPath(), query: { fieldSelector: "metadata.name" } })
        expect(body(term).message).toBe("invalid selector: 'metadata.name'; can't understand 'metadata.name'")
      })
    )
  )

  it.scoped("limit/continue pages one consistent snapshot, with remainingItemCount", () =>
    withServer(
      Effect.gen(function* () {
        for (let i = 0; i < 5; i++) yield* createCm(`cm-${i}`)
        const first = body(yield* call({ method: "GET", path: cmPath(), query: { limit: "2" } }))
        expect(names(first)).toEqual(["default/cm-0", "default/cm-1"])
        expect(first.metadata.remainingItemCount).toBe(3)
        const token = String(first.metadata.continue)
        const decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8"))
        expect(decoded).toEqual({
          v: "meta.k8s.io/v1",
          rv: Number(first.metadata.resourceVersion),
          start: "cm-1\u0000"
        })
        // Writes between pages are not visible in the rest of the list.
        yield* call({ method: "DELETE", path: cmPath("default", "cm-2") })
        yield* createCm("cm-3a")
        const second = body(yield* call({ method: "GET", path: cmPath(), query: { limit: "2", continue: token } }))
        expect(names(second)).toEqual(["default/cm-2", "default/cm-3"])
        expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion)
        const third = body(
          yield* call({
            method: "GET",
            path: cmPath(),
            query: { limit: "2", continue: String(second.metadata.continue) }
          })
        )
        expect(names(third)).toEqual(["default/cm-4"])
        expect(third.metadata.continue).toBeUndefined()
        expect(third.metadata.remainingItemCount).toBeUndefined()
      })
    )
  )

  it.scoped("with a selector, pages omit remainingItemCount", () =>
    withServer(
      Effect.gen(function* () {
        for (let i = 0; i < 4; i++) yield* createCm(`cm-${i}`, "default", {}, { labels: { n: String(i % 2) } })
        const first = body(yield* call({ method: "GET", path: cmPath(), query: { limit: "1", labelSelector: "n=0" } }))
        expect(names(first)).toEqual(["default/cm-0"])
        expect(first.metadata.continue).toBeDefined()
        expect(first.metadata.remainingItemCount).toBeUndefined()
      })
    )
  )

  it.scoped("a continue token older than the history is 410 Expired with a fresh token", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 3; i++) yield* createCm(`cm-${i}`)
      const first = body(yield* call({ method: "GET", path: cmPath(), query: { limit: "1" } }))
      for (let i = 0; i < 3; i++) yield* createCm(`later-${i}`)
      const res = yield* call({
        method: "GET",
        path: cmPath(),
        query: { limit: "1", continue: String(first.metadata.continue) }
      })
      expect(res.status).toBe(410)
      const b = body(res)
      expect(b.reason).toBe("Expired")
      expect(b.message).toBe(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
      )
      const fresh = String(b.metadata.continue)
      expect(JSON.parse(Buffer.from(fresh, "base64url").toString("utf8")).rv).toBe(-1)
      const rest = body(yield* call({ method: "GET", path: cmPath(), query: { continue: fresh } }))
      expect(names(rest)).toEqual([
        "default/cm-1",
        "default/cm-2",
        "default/later-0",
        "default/later-1",
        "default/later-2"
      ])
      const bad = yield* call({ method: "GET", path: cmPath(), query: { continue: "!!" } })
      expect(bad.status).toBe(400)
      expect(body(bad).message).toMatch(/^invalid continue token: continue key is not valid/)
    }).pipe(Effect.provide(ApiServer.layer({ watchHistory: 2 })))
  )

  it.scoped("resourceVersion semantics: Exact reads a snapshot, too old is 410, future is 504", () =>
    withServer(
      Effect.gen(function* () {
        const a = body(yield* createCm("a"))
        yield* createCm("b")
        const exact = body(
          yield* call({
            method: "GET",
            path: cmPath(),
            query: { resourceVersion: String(a.metadata.resourceVersion), resourceVersionMatch: "Exact" }
          })
        )
        expect(names(exact)).toEqual(["default/a"])
        expect(exact.metadata.resourceVersion).toBe(a.metadata.resourceVersion)
        const notOlder = body(
          yield* call({ method: "GET", path: cmPath(), query: { resourceVersion: String(a.metadata.resourceVersion) } })
        )
        expect(names(notOlder)).toEqual(["default/a", "default/b"])
        // With a limit and no match, a resourceVersion is the legacy exact read.
        const legacy = body(
          yield* call({
            method: "GET",
            path: cmPath(),
            query: { resourceVersion: String(a.metadata.resourceVersion), limit: "10" }
          })
        )
        expect(names(legacy)).toEqual(["default/a"])
        const server = yield* ApiServer
        const future = yield* call({ method: "GET", path: cmPath(), query: { resourceVersion: "999999" } })
        expect(future.status).toBe(504)
        expect(body(future).message).toBe(
          `Timeout: Too large resource version: 999999, current: ${yield* server.resourceVersion}`
        )
        expect(body(future).details.causes[0]).toEqual({
          reason: "ResourceVersionTooLarge",
          message: "Too large resource version"
        })
        yield* server.faults.compact
        const old = yield* call({
          method: "GET",
          path: cmPath(),
          query: { resourceVersion: String(a.metadata.resourceVersion), resourceVersionMatch: "Exact" }
        })
        expect(old.status).toBe(410)
        expect(body(old).message).toBe("The resourceVersion for the provided list is too old.")
      })
    )
  )

  it.scoped("invalid list options are 422 ListOptions errors", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({ method: "GET", path: cmPath(), query: { resourceVersionMatch: "Exact" } })
        expect(res.status).toBe(422)
        expect(body(res).message).toBe(
          'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'
        )
        expect(body(res).details).toEqual({
          group: "meta.k8s.io",
          kind: "ListOptions",
          causes: [
            {
              reason: "FieldValueForbidden",
              message: "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
              field: "resourceVersionMatch"
            }
          ]
        })
        const zero = yield* call({
          method: "GET",
          path: cmPath(),
          query: { resourceVersion: "0", resourceVersionMatch: "Exact" }
        })
        expect(body(zero).message).toBe(
          'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
        )
        const sie = yield* call({ method: "GET", path: cmPath(), query: { sendInitialEvents: "true" } })
        expect(body(sie).message).toBe(
          'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'
        )
      })
    )
  )

  it.scoped("metadata-only lists answer PartialObjectMetadataList", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a")
        const b = body(
          yield* call({
            method: "GET",
            path: cmPath(),
            accept: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"
          })
        )
        expect(b.kind).toBe("PartialObjectMetadataList")
        expect(b.apiVersion).toBe("meta.k8s.io/v1")
        expect(b.items[0].kind).toBe("PartialObjectMetadata")
        expect(b.items[0].apiVersion).toBe("meta.k8s.io/v1")
        expect(b.items[0].metadata.name).toBe("a")
        expect(b.items[0].data).toBeUndefined()
      })
    )
  )
})
