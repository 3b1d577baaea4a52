import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { ApiServer } from "../src/ApiServer.js"
import { body, call, cmPath, configMap, createCm, deployment, deployPath, widgetCRD } from "./apiserver-fixtures.js"

const withServer = <A, E>(effect: Effect.Effect<A, E, ApiServer>) => Effect.provide(effect, ApiServer.layer())

const subdomainMessage =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

describe("ApiServer create", () => {
  it.scoped("assigns resourceVersion, uid and creationTimestamp (Clock) and answers 201", () =>
    withServer(
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.parse("2026-03-04T05:06:07.890Z"))
        const server = yield* ApiServer
        const before = Number(yield* server.resourceVersion)
        const res = yield* createCm("a")
        expect(res.status).toBe(201)
        const b = body(res)
        expect(b.apiVersion).toBe("v1")
        expect(b.kind).toBe("ConfigMap")
        expect(b.metadata.namespace).toBe("default")
        expect(b.metadata.resourceVersion).toBe(String(before + 1))
        expect(b.metadata.creationTimestamp).toBe("2026-03-04T05:06:07Z")
        expect(b.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
        expect(b.metadata.generation).toBeUndefined()
        const second = body(yield* createCm("b"))
        expect(Number(second.metadata.resourceVersion)).toBe(before + 2)
        expect(second.metadata.uid).not.toBe(b.metadata.uid)
      })
    )
  )

  it.scoped("sets generation 1 for kinds that track it and ignores server-populated fields", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({
          method: "POST",
          path: deployPath(),
          body: deployment("web", 2, {
            uid: "mine",
            generation: 7,
            creationTimestamp: "2001-01-01T00:00:00Z",
            deletionTimestamp: "2001-01-01T00:00:00Z"
          })
        })
        expect(res.status).toBe(201)
        const b = body(res)
        expect(b.metadata.generation).toBe(1)
        expect(b.metadata.uid).not.toBe("mine")
        expect(b.metadata.creationTimestamp).toBe("1970-01-01T00:00:00Z")
        expect(b.metadata.deletionTimestamp).toBeUndefined()
        expect(b.status).toEqual({})
      })
    )
  )

  it.scoped("generateName appends five characters from the apiserver's alphabet", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({
          method: "POST",
          path: cmPath(),
          body: { apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "job-" } }
        })
        expect(res.status).toBe(201)
        expect(body(res).metadata.name).toMatch(/^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
      })
    )
  )

  it.scoped("rejects an invalid name with 422 Invalid and the real message and cause", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* createCm("Bad_Name")
        expect(res.status).toBe(422)
        expect(res.body).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${subdomainMessage}`,
          reason: "Invalid",
          details: {
            name: "Bad_Name",
            kind: "ConfigMap",
            causes: [
              {
                reason: "FieldValueInvalid",
                message: `Invalid value: "Bad_Name": ${subdomainMessage}`,
                field: "metadata.name"
              }
            ]
          },
          code: 422
        })
      })
    )
  )

  it.scoped("namespaces are DNS-1123 labels (dots have their own message); a missing name is Required", () =>
    withServer(
      Effect.gen(function* () {
        const ns = yield* call({
          method: "POST",
          path: "/api/v1/namespaces",
          body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "a.b" } }
        })
        expect(ns.status).toBe(422)
        expect(body(ns).message).toBe(
          `Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots`
        )
        const upper = yield* call({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "Up" } } })
        expect(body(upper).message).toBe(
          `Namespace "Up" is invalid: metadata.name: Invalid value: "Up": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`
        )
        const missing = yield* call({ method: "POST", path: cmPath(), body: { metadata: {} } })
        expect(missing.status).toBe(422)
        expect(body(missing).message).toBe(
          'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required'
        )
        expect(body(missing).details.causes[0]).toEqual({
          reason: "FieldValueRequired",
          message: "Required value: name or generateName is required",
          field: "metadata.name"
        })
      })
    )
  )

  it.scoped("validates labels and aggregates several errors in brackets", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* createCm("ok", "default", {}, { labels: { "bad key!": "v", good: "bad value!" } })
        expect(res.status).toBe(422)
        const b = body(res)
        expect(b.message).toMatch(
          /^ConfigMap "ok" is invalid: \[metadata\.labels: Invalid value: "bad key!": name part/
        )
        expect(b.details.causes.length).toBe(2)
        expect(b.details.causes[1].field).toBe("metadata.labels")
      })
    )
  )

  it.scoped("a namespace in the body that differs from the URL is a 400", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({ method: "POST", path: cmPath(), body: configMap("a", {}, { namespace: "other" }) })
        expect(res.status).toBe(400)
        expect(res.body).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "the namespace of the provided object does not match the namespace sent on the request",
          reason: "BadRequest",
          code: 400
        })
      })
    )
  )

  it.scoped("a body of another kind is a 400", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({
          method: "POST",
          path: cmPath(),
          body: { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }
        })
        expect(res.status).toBe(400)
        expect(body(res).message).toBe(
          'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to (core.ConfigMap): unknown conversion'
        )
      })
    )
  )

  it.scoped("the namespace must exist (404 namespaces) and must not be terminating (403)", () =>
    withServer(
      Effect.gen(function* () {
        const missing = yield* createCm("a", "nope")
        expect(missing.status).toBe(404)
        expect(missing.body).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: 'namespaces "nope" not found',
          reason: "NotFound",
          details: { name: "nope", kind: "namespaces" },
          code: 404
        })
        yield* call({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "gone" } } })
        const del = yield* call({ method: "DELETE", path: "/api/v1/namespaces/gone" })
        expect(del.status).toBe(200)
        const terminating = yield* createCm("a", "gone")
        expect(terminating.status).toBe(403)
        expect(body(terminating).message).toBe(
          'configmaps "a" is forbidden: unable to create new content in namespace gone because it is being terminated'
        )
        expect(body(terminating).details.causes[0]).toEqual({
          reason: "NamespaceTerminating",
          message: "namespace gone is being terminated",
          field: "metadata.namespace"
        })
      })
    )
  )

  it.scoped("a second create of the same name is 409 AlreadyExists", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a")
        const res = yield* createCm("a")
        expect(res.status).toBe(409)
        expect(res.body).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: 'configmaps "a" already exists',
          reason: "AlreadyExists",
          details: { name: "a", kind: "configmaps" },
          code: 409
        })
        const d = yield* call({ method: "POST", path: deployPath(), body: deployment("d") })
        expect(d.status).toBe(201)
        const again = yield* call({ method: "POST", path: deployPath(), body: deployment("d") })
        expect(body(again).message).toBe('deployments.apps "d" already exists')
        expect(body(again).details).toEqual({ name: "d", group: "apps", kind: "deployments" })
      })
    )
  )

  it.scoped("recreating an object that is still being deleted says so", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "tmp" } } })
        yield* call({ method: "DELETE", path: "/api/v1/namespaces/tmp" })
        const res = yield* call({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "tmp" } } })
        expect(res.status).toBe(409)
        expect(body(res).message).toBe('object is being deleted: namespaces "tmp" already exists')
      })
    )
  )

  it.scoped("a resourceVersion on create is a 500 like the storage layer's", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* createCm("a", "default", {}, { resourceVersion: "12" })
        expect(res.status).toBe(500)
        expect(body(res).message).toBe("resourceVersion should not be set on objects to be created")
      })
    )
  )

  it.scoped("seeds default, kube-system, kube-public and kube-node-lease", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({ method: "GET", path: "/api/v1/namespaces" })
        const b = body(res)
        const names = Array.from({ length: b.items.length }, (_, i) => b.items[i].metadata.name)
        expect(names).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"])
        expect(b.items[0].spec).toEqual({ finalizers: ["kubernetes"] })
        expect(b.items[0].status).toEqual({ phase: "Active" })
        expect(b.items[0].metadata.labels).toEqual({ "kubernetes.io/metadata.name": "default" })
      })
    )
  )

  it.scoped("dryRun=All validates and answers without storing or bumping the resourceVersion", () =>
    withServer(
      Effect.gen(function* () {
        const server = yield* ApiServer
        const rv = yield* server.resourceVersion
        const res = yield* call({ method: "POST", path: cmPath(), query: { dryRun: "All" }, body: configMap("dry") })
        expect(res.status).toBe(201)
        expect(body(res).metadata.resourceVersion).toBeUndefined()
        expect(yield* server.resourceVersion).toBe(rv)
        const get = yield* call({ method: "GET", path: cmPath("default", "dry") })
        expect(get.status).toBe(404)
        const bad = yield* call({ method: "POST", path: cmPath(), query: { dryRun: "Yes" }, body: configMap("dry") })
        expect(bad.status).toBe(422)
        expect(body(bad).message).toBe(
          'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Yes"]: supported values: "All"'
        )
      })
    )
  )

  it.scoped("Secret stringData is merged into data as base64", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({
          method: "POST",
          path: "/api/v1/namespaces/default/secrets",
          body: { metadata: { name: "s" }, stringData: { password: "hunter2" } }
        })
        const b = body(res)
        expect(b.data).toEqual({ password: Buffer.from("hunter2").toString("base64") })
        expect(b.stringData).toBeUndefined()
        expect(b.type).toBe("Opaque")
      })
    )
  )
})

describe("ApiServer get", () => {
  it.scoped("404 with the real NotFound body; responses never alias the store", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({ method: "GET", path: cmPath("default", "x") })
        expect(res.status).toBe(404)
        expect(res.body).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: 'configmaps "x" not found',
          reason: "NotFound",
          details: { name: "x", kind: "configmaps" },
          code: 404
        })
        yield* createCm("a")
        const first = yield* call({ method: "GET", path: cmPath("default", "a") })
        const b = first.body
        if (typeof b === "object" && b !== null && "data" in b && typeof b.data === "object" && b.data !== null) {
          Reflect.set(b.data, "k", "mutated")
        }
        const again = body(yield* call({ method: "GET", path: cmPath("default", "a") }))
        expect(again.data).toEqual({ k: "v" })
      })
    )
  )

  it.scoped("metadata-only get answers PartialObjectMetadata", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a")
        const res = yield* call({
          method: "GET",
          path: cmPath("default", "a"),
          accept: "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json"
        })
        const b = body(res)
        expect(b.kind).toBe("PartialObjectMetadata")
        expect(b.apiVersion).toBe("meta.k8s.io/v1")
        expect(b.metadata.name).toBe("a")
        expect(b.data).toBeUndefined()
      })
    )
  )
})

describe("ApiServer update", () => {
  it.scoped("a stale resourceVersion is 409 Conflict with the optimistic-lock message", () =>
    withServer(
      Effect.gen(function* () {
        const created = body(yield* createCm("a"))
        const ok = yield* call({
          method: "PUT",
          path: cmPath("default", "a"),
          body: configMap("a", { k: "v2" }, { resourceVersion: created.metadata.resourceVersion })
        })
        expect(ok.status).toBe(200)
        expect(Number(body(ok).metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion))
        const stale = yield* call({
          method: "PUT",
          path: cmPath("default", "a"),
          body: configMap("a", { k: "v3" }, { resourceVersion: created.metadata.resourceVersion })
        })
        expect(stale.status).toBe(409)
        expect(stale.body).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message:
            'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
          reason: "Conflict",
          details: { name: "a", kind: "configmaps" },
          code: 409
        })
      })
    )
  )

  it.scoped("without a resourceVersion an update is unconditional (ConfigMap) or 422 (CRD)", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a")
        const res = yield* call({ method: "PUT", path: cmPath("default", "a"), body: configMap("a", { k: "free" }) })
        expect(res.status).toBe(200)
        expect(body(res).data).toEqual({ k: "free" })
      })
    )
  )

  it.scoped("CRDs do not allow unconditional updates (422 on a missing resourceVersion)", () =>
    withServer(
      Effect.gen(function* () {
        const created = body(
          yield* call({
            method: "POST",
            path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            body: widgetCRD()
          })
        )
        const { resourceVersion: _rv, ...meta } = created.metadata
        const res = yield* call({
          method: "PUT",
          path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
          body: { ...created, metadata: meta }
        })
        expect(res.status).toBe(422)
        expect(body(res).message).toBe(
          'customresourcedefinitions.apiextensions.k8s.io "widgets.example.com" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update'
        )
      })
    )
  )

  it.scoped("dryRun updates answer the would-be object and change nothing", () =>
    withServer(
      Effect.gen(function* () {
        const created = body(yield* createCm("a"))
        const res = yield* call({
          method: "PUT",
          path: cmPath("default", "a"),
          query: { dryRun: "All" },
          body: configMap("a", { k: "dry" })
        })
        expect(res.status).toBe(200)
        expect(body(res).data).toEqual({ k: "dry" })
        const get = body(yield* call({ method: "GET", path: cmPath("default", "a") }))
        expect(get.data).toEqual({ k: "v" })
        expect(get.metadata.resourceVersion).toBe(created.metadata.resourceVersion)
      })
    )
  )

  it.scoped("updating a missing object is 404, except for kinds that create on update (Lease)", () =>
    withServer(
      Effect.gen(function* () {
        const missing = yield* call({ method: "PUT", path: cmPath("default", "nope"), body: configMap("nope") })
        expect(missing.status).toBe(404)
        const lease = yield* call({
          method: "PUT",
          path: "/apis/coordination.k8s.io/v1/namespaces/default/leases/l",
          body: {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name: "l" },
            spec: { holderIdentity: "me" }
          }
        })
        expect(lease.status).toBe(201)
        expect(body(lease).spec).toEqual({ holderIdentity: "me" })
      })
    )
  )

  it.scoped("the name in the body must match the URL", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a")
        const res = yield* call({ method: "PUT", path: cmPath("default", "a"), body: configMap("b") })
        expect(res.status).toBe(400)
        expect(body(res).message).toBe("the name of the object (b) does not match the name on the URL (a)")
      })
    )
  )

  it.scoped("a no-op update does not write (same resourceVersion)", () =>
    withServer(
      Effect.gen(function* () {
        const created = body(yield* createCm("a"))
        const server = yield* ApiServer
        const rv = yield* server.resourceVersion
        const res = yield* call({
          method: "PUT",
          path: cmPath("default", "a"),
          body: configMap("a", { k: "v" }, { resourceVersion: created.metadata.resourceVersion })
        })
        expect(res.status).toBe(200)
        expect(body(res).metadata.resourceVersion).toBe(created.metadata.resourceVersion)
        expect(yield* server.resourceVersion).toBe(rv)
      })
    )
  )

  it.scoped("generation bumps on spec changes (and Deployment annotations), not on labels or status", () =>
    withServer(
      Effect.gen(function* () {
        const created = body(yield* call({ method: "POST", path: deployPath(), body: deployment("d", 1) }))
        expect(created.metadata.generation).toBe(1)
        const labels = body(
          yield* call({
            method: "PUT",
            path: deployPath("default", "d"),
            body: deployment("d", 1, { labels: { a: "b" } })
          })
        )
        expect(labels.metadata.generation).toBe(1)
        const scaled = body(
          yield* call({
            method: "PUT",
            path: deployPath("default", "d"),
            body: deployment("d", 3, { labels: { a: "b" } })
          })
        )
        expect(scaled.metadata.generation).toBe(2)
        const annotated = body(
          yield* call({
            method: "PUT",
            path: deployPath("default", "d"),
            body: deployment("d", 3, { labels: { a: "b" }, annotations: { x: "y" } })
          })
        )
        expect(annotated.metadata.generation).toBe(3)
        const status = body(
          yield* call({
            method: "PUT",
            path: `${deployPath("default", "d")}/status`,
            body: { ...deployment("d", 3, { labels: { a: "b" }, annotations: { x: "y" } }), status: { replicas: 3 } }
          })
        )
        expect(status.metadata.generation).toBe(3)
        expect(status.status).toEqual({ replicas: 3 })
      })
    )
  )
})

describe("ApiServer status subresource", () => {
  it.scoped("main-endpoint writes keep the old status; /status writes keep the old spec", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: deployPath(), body: { ...deployment("d", 1), status: { replicas: 9 } } })
        const created = body(yield* call({ method: "GET", path: deployPath("default", "d") }))
        expect(created.status).toEqual({})
        const viaMain = body(
          yield* call({
            method: "PUT",
            path: deployPath("default", "d"),
            body: { ...deployment("d", 2), status: { replicas: 5 } }
          })
        )
        expect(viaMain.status).toEqual({})
        expect(viaMain.spec.replicas).toBe(2)
        const viaStatus = body(
          yield* call({
            method: "PUT",
            path: `${deployPath("default", "d")}/status`,
            body: { ...deployment("d", 7), status: { replicas: 2 } }
          })
        )
        expect(viaStatus.status).toEqual({ replicas: 2 })
        expect(viaStatus.spec.replicas).toBe(2)
        const get = body(yield* call({ method: "GET", path: `${deployPath("default", "d")}/status` }))
        expect(get.status).toEqual({ replicas: 2 })
      })
    )
  )

  it.scoped("kinds without the subresource answer /status with 404", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a")
        const res = yield* call({ method: "GET", path: `${cmPath("default", "a")}/status` })
        expect(res.status).toBe(404)
        expect(body(res).message).toBe("the server could not find the requested resource")
      })
    )
  )
})

describe("ApiServer delete", () => {
  it.scoped("without finalizers the object goes at once; the answer is a Status Success", () =>
    withServer(
      Effect.gen(function* () {
        const created = body(yield* createCm("a"))
        const res = yield* call({ method: "DELETE", path: cmPath("default", "a") })
        expect(res.status).toBe(200)
        expect(res.body).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name: "a", kind: "configmaps", uid: created.metadata.uid }
        })
        expect((yield* call({ method: "GET", path: cmPath("default", "a") })).status).toBe(404)
        expect((yield* call({ method: "DELETE", path: cmPath("default", "a") })).status).toBe(404)
      })
    )
  )

  it.scoped("finalizers hold the object: deletionTimestamp + grace 0; removing the last one deletes it", () =>
    withServer(
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.parse("2026-01-01T00:00:10Z"))
        yield* createCm("a", "default", {}, { finalizers: ["example.com/hold"] })
        const res = yield* call({ method: "DELETE", path: cmPath("default", "a") })
        expect(res.status).toBe(200)
        const held = body(res)
        expect(held.kind).toBe("ConfigMap")
        expect(held.metadata.deletionTimestamp).toBe("2026-01-01T00:00:10Z")
        expect(held.metadata.deletionGracePeriodSeconds).toBe(0)
        expect(held.metadata.finalizers).toEqual(["example.com/hold"])
        const added = yield* call({
          method: "PUT",
          path: cmPath("default", "a"),
          body: { ...held, metadata: { ...held.metadata, finalizers: ["example.com/hold", "example.com/new"] } }
        })
        expect(added.status).toBe(422)
        expect(body(added).message).toBe(
          'ConfigMap "a" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/new"}'
        )
        const released = yield* call({
          method: "PUT",
          path: cmPath("default", "a"),
          body: { ...held, metadata: { ...held.metadata, finalizers: [] } }
        })
        expect(released.status).toBe(200)
        expect((yield* call({ method: "GET", path: cmPath("default", "a") })).status).toBe(404)
      })
    )
  )

  it.scoped("deleting a finalized object with generation bumps its generation once", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: deployPath(), body: deployment("d", 1, { finalizers: ["x.io/f"] }) })
        const first = body(yield* call({ method: "DELETE", path: deployPath("default", "d") }))
        expect(first.metadata.generation).toBe(2)
        const second = body(yield* call({ method: "DELETE", path: deployPath("default", "d") }))
        expect(second.metadata.generation).toBe(2)
        expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion)
      })
    )
  )

  it.scoped("uid and resourceVersion preconditions fail with 409 and the real messages", () =>
    withServer(
      Effect.gen(function* () {
        const created = body(yield* createCm("a"))
        const uid = yield* call({
          method: "DELETE",
          path: cmPath("default", "a"),
          body: { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: "other" } }
        })
        expect(uid.status).toBe(409)
        expect(body(uid).message).toBe(
          `Operation cannot be fulfilled on ConfigMap "a": the UID in the precondition (other) does not match the UID in record (${created.metadata.uid}). The object might have been deleted and then recreated`
        )
        expect(body(uid).details).toEqual({ name: "a", kind: "ConfigMap" })
        const rv = yield* call({
          method: "DELETE",
          path: cmPath("default", "a"),
          body: { preconditions: { resourceVersion: "1" } }
        })
        expect(body(rv).message).toBe(
          `Operation cannot be fulfilled on ConfigMap "a": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${created.metadata.resourceVersion}). The object might have been modified`
        )
        const matching = yield* call({
          method: "DELETE",
          path: cmPath("default", "a"),
          body: { preconditions: { uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion } }
        })
        expect(matching.status).toBe(200)
      })
    )
  )

  it.scoped("Orphan and Foreground add the garbage collector's finalizers; nothing removes them", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("o")
        yield* createCm("f")
        const orphan = body(
          yield* call({ method: "DELETE", path: cmPath("default", "o"), body: { propagationPolicy: "Orphan" } })
        )
        expect(orphan.metadata.finalizers).toEqual(["orphan"])
        expect(orphan.metadata.deletionTimestamp).toBeDefined()
        const fg = body(
          yield* call({ method: "DELETE", path: cmPath("default", "f"), body: { propagationPolicy: "Foreground" } })
        )
        expect(fg.metadata.finalizers).toEqual(["foregroundDeletion"])
        const bad = yield* call({
          method: "DELETE",
          path: cmPath("default", "f"),
          body: { propagationPolicy: "Sideways" }
        })
        expect(bad.status).toBe(422)
        expect(body(bad).message).toBe(
          'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"'
        )
      })
    )
  )

  it.scoped("dryRun delete answers the would-be result and keeps the object", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a")
        const res = yield* call({ method: "DELETE", path: cmPath("default", "a"), body: { dryRun: ["All"] } })
        expect(res.status).toBe(200)
        expect(body(res).status).toBe("Success")
        expect((yield* call({ method: "GET", path: cmPath("default", "a") })).status).toBe(200)
      })
    )
  )

  it.scoped("namespaces go Terminating and stay (no namespace controller); immortal ones refuse", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "tmp" } } })
        const res = body(yield* call({ method: "DELETE", path: "/api/v1/namespaces/tmp" }))
        expect(res.kind).toBe("Namespace")
        expect(res.status.phase).toBe("Terminating")
        expect(res.spec.finalizers).toEqual(["kubernetes"])
        expect((yield* call({ method: "GET", path: "/api/v1/namespaces/tmp" })).status).toBe(200)
        const finalize = yield* call({
          method: "PUT",
          path: "/api/v1/namespaces/tmp/finalize",
          body: { ...res, spec: { finalizers: [] } }
        })
        expect(finalize.status).toBe(200)
        expect((yield* call({ method: "GET", path: "/api/v1/namespaces/tmp" })).status).toBe(404)
        const immortal = yield* call({ method: "DELETE", path: "/api/v1/namespaces/default" })
        expect(immortal.status).toBe(403)
        expect(body(immortal).message).toBe('namespaces "default" is forbidden: this namespace may not be deleted')
      })
    )
  )

  it.scoped("pods with a node and a grace period stay until it is shortened to zero", () =>
    withServer(
      Effect.gen(function* () {
        const pod = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "p" },
          spec: { nodeName: "n1", terminationGracePeriodSeconds: 30, containers: [{ name: "c", image: "x" }] }
        }
        const created = body(yield* call({ method: "POST", path: "/api/v1/namespaces/default/pods", body: pod }))
        expect(created.status.phase).toBe("Pending")
        const graceful = body(yield* call({ method: "DELETE", path: "/api/v1/namespaces/default/pods/p" }))
        expect(graceful.metadata.deletionGracePeriodSeconds).toBe(30)
        expect(graceful.metadata.deletionTimestamp).toBe("1970-01-01T00:00:30Z")
        const now = yield* call({
          method: "DELETE",
          path: "/api/v1/namespaces/default/pods/p",
          body: { gracePeriodSeconds: 0 }
        })
        expect(now.status).toBe(200)
        expect((yield* call({ method: "GET", path: "/api/v1/namespaces/default/pods/p" })).status).toBe(404)
      })
    )
  )

  it.scoped("deletecollection deletes what the selector matches and returns the list", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a", "default", {}, { labels: { app: "x" } })
        yield* createCm("b", "default", {}, { labels: { app: "y" } })
        yield* createCm("c", "default", {}, { labels: { app: "x" } })
        const res = yield* call({ method: "DELETE", path: cmPath(), query: { labelSelector: "app=x" } })
        expect(res.status).toBe(200)
        const b = body(res)
        expect(b.kind).toBe("ConfigMapList")
        expect(b.items.length).toBe(2)
        const list = body(yield* call({ method: "GET", path: cmPath() }))
        expect(list.items.length).toBe(1)
        expect(list.items[0].metadata.name).toBe("b")
      })
    )
  )
})

describe("ApiServer bad input", () => {
  it.scoped("malformed JSON is 400, unknown paths 404, wrong methods 405", () =>
    withServer(
      Effect.gen(function* () {
        const malformed = yield* call({ method: "POST", path: cmPath(), body: "{not json" })
        expect(malformed.status).toBe(400)
        expect(body(malformed).message).toMatch(/^couldn't get version\/kind; json parse error: /)
        const unknown = yield* call({ method: "GET", path: "/api/v1/namespaces/default/gizmos" })
        expect(unknown.body).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "the server could not find the requested resource",
          reason: "NotFound",
          details: {},
          code: 404
        })
        const wrong = yield* call({ method: "PUT", path: cmPath() })
        expect(wrong.status).toBe(405)
        expect(body(wrong).reason).toBe("MethodNotAllowed")
        const post = yield* call({ method: "POST", path: "/api/v1/configmaps", body: configMap("x") })
        expect(post.status).toBe(405)
      })
    )
  )
})
