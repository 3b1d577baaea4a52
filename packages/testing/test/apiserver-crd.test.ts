import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { ApiServer } from "../src/ApiServer.js"
import { body, call, frame, frames, widgetCRD, widgetPath } from "./apiserver-fixtures.js"

const withServer = <A, E>(effect: Effect.Effect<A, E, ApiServer>) => Effect.provide(effect, ApiServer.layer())
const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

const widget = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name },
  spec,
  ...extra
})

describe("ApiServer CustomResourceDefinitions", () => {
  it.scoped("creating a CRD establishes it (NamesAccepted, Established) and serves the kind", () =>
    withServer(
      Effect.gen(function* () {
        const server = yield* ApiServer
        const rv = yield* server.resourceVersion
        const fiber = yield* Effect.fork(
          frames({ method: "GET", path: crdPath, query: { watch: "true", resourceVersion: rv } }, 2)
        )
        yield* Effect.yieldNow()
        const created = yield* call({ method: "POST", path: crdPath, body: widgetCRD() })
        expect(created.status).toBe(201)
        // Like kube-apiserver: the typed status has no omitempty on conditions.
        expect(body(created).status).toEqual({
          conditions: null,
          acceptedNames: { plural: "", kind: "" },
          storedVersions: ["v1"]
        })
        expect(body(created).spec.names.listKind).toBe("WidgetList")
        const [added, modified] = (yield* Fiber.join(fiber)).map(frame)
        expect(added.type).toBe("ADDED")
        expect(modified.type).toBe("MODIFIED")
        const conditions = modified.object.status.conditions
        expect(conditions[0]).toMatchObject({ type: "NamesAccepted", status: "True", reason: "NoConflicts" })
        expect(conditions[1]).toMatchObject({ type: "Established", status: "True", reason: "InitialNamesAccepted" })
        expect(modified.object.status.acceptedNames.kind).toBe("Widget")
        const cr = yield* call({ method: "POST", path: widgetPath(), body: widget("w", { size: 3 }) })
        expect(cr.status).toBe(201)
        expect(body(cr).metadata.generation).toBe(1)
        const discovery = body(yield* call({ method: "GET", path: "/apis/example.com/v1" }))
        expect(discovery.resources[0]).toMatchObject({
          name: "widgets",
          kind: "Widget",
          namespaced: true,
          shortNames: ["wd"]
        })
        expect(discovery.resources[1]).toMatchObject({ name: "widgets/status", verbs: ["get", "patch", "update"] })
        const kinds = yield* server.kinds
        expect(
          kinds.some((k) => k.kind === "Widget" && k.group === "example.com" && k.subresources?.status === true)
        ).toBe(true)
      })
    )
  )

  it.scoped("an invalid CRD is 422 with the apiextensions messages", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({
          method: "POST",
          path: crdPath,
          body: { ...widgetCRD(), metadata: { name: "wrong.example.com" } }
        })
        expect(res.status).toBe(422)
        expect(body(res).message).toBe(
          'CustomResourceDefinition.apiextensions.k8s.io "wrong.example.com" is invalid: metadata.name: Invalid value: "wrong.example.com": must be spec.names.plural+"."+spec.group'
        )
      })
    )
  )

  it.scoped("prunes unknown fields, applies defaults and validates the schema", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: crdPath, body: widgetCRD() })
        const res = yield* call({
          method: "POST",
          path: widgetPath(),
          body: widget(
            "w",
            { size: 2, unknown: "x", free: { anything: { goes: 1 } }, labels: { a: "b" } },
            { extra: 1 }
          )
        })
        expect(res.status).toBe(201)
        const b = body(res)
        expect(b.spec).toEqual({ size: 2, color: "red", free: { anything: { goes: 1 } }, labels: { a: "b" } })
        expect(b.extra).toBeUndefined()
        const invalid = yield* call({
          method: "POST",
          path: widgetPath(),
          body: widget("v", { size: 20, color: "green" })
        })
        expect(invalid.status).toBe(422)
        expect(body(invalid).message).toBe(
          'Widget.example.com "v" is invalid: [spec.color: Unsupported value: "green": supported values: "red", "blue", spec.size: Invalid value: 20: spec.size in body should be less than or equal to 10]'
        )
        const typed = yield* call({ method: "POST", path: widgetPath(), body: widget("t", { size: "big" }) })
        expect(body(typed).details.causes[0]).toEqual({
          reason: "FieldValueTypeInvalid",
          message: 'Invalid value: "string": spec.size in body must be of type integer: "string"',
          field: "spec.size"
        })
        const required = yield* call({ method: "POST", path: widgetPath(), body: widget("r", {}) })
        expect(body(required).message).toBe('Widget.example.com "r" is invalid: spec.size: Required value')
      })
    )
  )

  it.scoped("a wrong kind in a custom resource body is 422", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: crdPath, body: widgetCRD() })
        const res = yield* call({
          method: "POST",
          path: widgetPath(),
          body: { apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g" }, spec: { size: 1 } }
        })
        expect(res.status).toBe(422)
        // The error names the kind the body claimed.
        expect(body(res).message).toBe(
          'Gadget.example.com "g" is invalid: kind: Invalid value: "Gadget": must be Widget'
        )
        const noKind = yield* call({
          method: "POST",
          path: widgetPath(),
          body: { metadata: { name: "n" }, spec: { size: 1 } }
        })
        expect(noKind.status).toBe(400)
        expect(body(noKind).message).toBe(
          `the object provided is unrecognized (must be of type Widget): Object 'Kind' is missing in '{"metadata":{"name":"n"},"spec":{"size":1}}' ({"metadata":{"name":"n"},"spec ...)`
        )
      })
    )
  )

  it.scoped("custom resources bump generation on any non-metadata change; status via /status does not", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: crdPath, body: widgetCRD() })
        const created = body(yield* call({ method: "POST", path: widgetPath(), body: widget("w", { size: 1 }) }))
        const put = (
          spec: Record<string, unknown>,
          rv: unknown,
          extra: { readonly labels?: Record<string, string>; readonly status?: unknown } = {},
          sub = ""
        ) =>
          call({
            method: "PUT",
            path: `${widgetPath("default", "w")}${sub}`,
            body: {
              ...widget("w", spec, extra.status === undefined ? {} : { status: extra.status }),
              metadata: { name: "w", resourceVersion: rv, ...(extra.labels ? { labels: extra.labels } : {}) }
            }
          })
        // Custom resources do not allow unconditional updates.
        const unconditional = yield* call({
          method: "PUT",
          path: widgetPath("default", "w"),
          body: widget("w", { size: 1 })
        })
        expect(unconditional.status).toBe(422)
        expect(body(unconditional).message).toBe(
          'widgets.example.com "w" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update'
        )
        const relabel = body(yield* put({ size: 1 }, created.metadata.resourceVersion, { labels: { a: "b" } }))
        expect(relabel.metadata.generation).toBe(1)
        const resized = body(yield* put({ size: 2 }, relabel.metadata.resourceVersion, { labels: { a: "b" } }))
        expect(resized.metadata.generation).toBe(2)
        const status = body(
          yield* put({ size: 9 }, resized.metadata.resourceVersion, { status: { ready: true } }, "/status")
        )
        expect(status.metadata.generation).toBe(2)
        expect(status.spec.size).toBe(2)
        expect(status.status).toEqual({ ready: true })
      })
    )
  )

  it.scoped("deleting the CRD deletes its instances and stops serving the kind", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: crdPath, body: widgetCRD() })
        yield* call({ method: "POST", path: widgetPath(), body: widget("w", { size: 1 }) })
        const res = yield* call({ method: "DELETE", path: `${crdPath}/widgets.example.com` })
        expect(res.status).toBe(200)
        expect((yield* call({ method: "GET", path: `${crdPath}/widgets.example.com` })).status).toBe(404)
        const gone = yield* call({ method: "GET", path: widgetPath("default", "w") })
        expect(gone.status).toBe(404)
        // Its group is no longer served: the catch-all plain-text 404, as on kube-apiserver.
        expect(gone.body).toBe("404 page not found\n")
      })
    )
  )

  it.scoped("a CRD instance with a finalizer keeps the CRD terminating until it is released", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: crdPath, body: widgetCRD() })
        yield* call({
          method: "POST",
          path: widgetPath(),
          body: widget("w", { size: 1 }, { metadata: { name: "w", finalizers: ["example.com/f"] } })
        })
        yield* call({ method: "DELETE", path: `${crdPath}/widgets.example.com` })
        const crd = body(yield* call({ method: "GET", path: `${crdPath}/widgets.example.com` }))
        expect(crd.metadata.finalizers).toEqual(["customresourcecleanup.apiextensions.k8s.io"])
        expect(crd.status.conditions[2]).toMatchObject({ type: "Terminating", reason: "InstanceDeletionInProgress" })
        const w = body(yield* call({ method: "GET", path: widgetPath("default", "w") }))
        expect(w.metadata.deletionTimestamp).toBeDefined()
        yield* call({
          method: "PATCH",
          path: widgetPath("default", "w"),
          contentType: "application/merge-patch+json",
          body: { metadata: { finalizers: null } }
        })
        expect((yield* call({ method: "GET", path: `${crdPath}/widgets.example.com` })).status).toBe(404)
      })
    )
  )

  it.scoped("registerKind serves a kind at run time without a CRD object", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.registerKind({
        group: "acme.io",
        version: "v1",
        kind: "Gizmo",
        plural: "gizmos",
        scope: "Cluster",
        subresources: { status: true }
      })
      const res = yield* call({
        method: "POST",
        path: "/apis/acme.io/v1/gizmos",
        body: { apiVersion: "acme.io/v1", kind: "Gizmo", metadata: { name: "g" }, spec: { a: 1 } }
      })
      expect(res.status).toBe(201)
      expect(body(res).metadata.generation).toBe(1)
      const list = yield* server.list({
        group: "acme.io",
        version: "v1",
        kind: "Gizmo",
        plural: "gizmos",
        scope: "Cluster"
      })
      expect(list.map((o) => o.metadata.name)).toEqual(["g"])
    }).pipe(Effect.provide(ApiServer.layer()))
  )
  it.scoped("misses under a CRD group fall through to the plain-text 404; built-in groups answer a Status", () =>
    withServer(
      Effect.gen(function* () {
        const crd = widgetCRD()
        const v1 = crd.spec.versions[0]
        yield* call({
          method: "POST",
          path: crdPath,
          body: { ...crd, spec: { ...crd.spec, versions: [v1, { ...v1, name: "v2", served: false, storage: false }] } }
        })
        for (const path of [
          "/apis/example.com/v2/namespaces/default/widgets",
          "/apis/example.com/v2",
          "/apis/example.com/v1/gizmos",
          // A namespaced kind addressed without its namespace.
          "/apis/example.com/v1/widgets/w"
        ]) {
          const res = yield* call({ method: "GET", path })
          expect([path, res.status, res.body]).toEqual([path, 404, "404 page not found\n"])
        }
        const server = yield* ApiServer
        const refused = yield* Effect.flip(
          Stream.runDrain(server.watch({ method: "GET", path: "/apis/example.com/v2/widgets", query: { watch: "1" } }))
        )
        expect([refused._tag, refused.message]).toEqual(["NotFound", "404 page not found\n"])
        const builtin = yield* call({ method: "GET", path: "/apis/apps/v1/gizmos" })
        expect(body(builtin)).toMatchObject({
          reason: "NotFound",
          message: "the server could not find the requested resource"
        })
      })
    )
  )

  it.scoped("a subresource a CRD does not serve is a NotFound naming the object, present or not", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: crdPath, body: widgetCRD() })
        yield* call({ method: "POST", path: widgetPath(), body: widget("w", { size: 1 }) })
        for (const [method, name, sub] of [
          ["GET", "w", "scale"],
          ["PUT", "missing", "scale"],
          ["GET", "w", "other"]
        ] as const) {
          const res = yield* call({ method, path: `${widgetPath("default", name)}/${sub}`, body: {} })
          expect(res.status).toBe(404)
          expect(body(res)).toMatchObject({
            reason: "NotFound",
            message: `widgets.example.com "${name}" not found`,
            details: { name, group: "example.com", kind: "widgets" }
          })
        }
        // Built-in kinds keep the generic route miss.
        const cmStatus = yield* call({ method: "GET", path: "/api/v1/namespaces/default/configmaps/x/status" })
        expect(body(cmStatus)).toMatchObject({
          message: "the server could not find the requested resource",
          details: {}
        })
      })
    )
  )

  it.scoped("server-side apply reads list types and map keys from the CRD schema", () =>
    withServer(
      Effect.gen(function* () {
        const crd = widgetCRD()
        const v1 = crd.spec.versions[0]
        const specSchema = v1.schema.openAPIV3Schema.properties.spec
        const schema = {
          ...v1.schema.openAPIV3Schema,
          properties: {
            ...v1.schema.openAPIV3Schema.properties,
            spec: {
              ...specSchema,
              properties: {
                ...specSchema.properties,
                items: {
                  type: "array",
                  "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["name", "port"],
                  items: {
                    type: "object",
                    required: ["name"],
                    properties: {
                      name: { type: "string" },
                      port: { type: "integer", default: 80 },
                      value: { type: "string" }
                    }
                  }
                },
                tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
                selector: {
                  type: "object",
                  "x-kubernetes-map-type": "atomic",
                  additionalProperties: { type: "string" }
                }
              }
            }
          }
        }
        yield* call({
          method: "POST",
          path: crdPath,
          body: { ...crd, spec: { ...crd.spec, versions: [{ ...v1, schema: { openAPIV3Schema: schema } }] } }
        })
        const apply = (manager: string, spec: Record<string, unknown>, force = false) =>
          call({
            method: "PATCH",
            path: widgetPath("default", "w"),
            contentType: "application/apply-patch+yaml",
            query: { fieldManager: manager, ...(force ? { force: "true" } : {}) },
            body: widget("w", spec)
          })
        const first = yield* apply("m1", {
          size: 1,
          items: [{ name: "x", value: "1" }],
          tags: ["a"],
          selector: { a: "1" }
        })
        expect(first.status).toBe(201)
        expect(body(first).metadata.managedFields[0].fieldsV1).toEqual({
          "f:spec": {
            "f:size": {},
            "f:items": { 'k:{"name":"x","port":80}': { ".": {}, "f:name": {}, "f:value": {} } },
            "f:tags": { 'v:"a"': {} },
            "f:selector": {}
          }
        })
        const second = yield* apply("m2", { size: 1, items: [{ name: "y", value: "2" }], tags: ["b"] })
        expect(second.status).toBe(200)
        expect(body(second).spec.items).toEqual([
          { name: "x", port: 80, value: "1" },
          { name: "y", port: 80, value: "2" }
        ])
        expect(body(second).spec.tags).toEqual(["a", "b"])
        const conflict = yield* apply("m2", { size: 1, items: [{ name: "x", value: "3" }], selector: { b: "2" } })
        expect(conflict.status).toBe(409)
        expect(body(conflict).message).toBe(
          // Members of a node before its children's fields, as the real server lists them.
          'Apply failed with 2 conflicts: conflicts with "m1":\n- .spec.selector\n- .spec.items[name="x",port=80].value'
        )
      })
    )
  )

  it.scoped("an apply to /status records its own managedFields entry and changes status only", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: crdPath, body: widgetCRD() })
        const apply = (path: string, manager: string, object: unknown) =>
          call({
            method: "PATCH",
            path,
            contentType: "application/apply-patch+yaml",
            query: { fieldManager: manager },
            body: object
          })
        yield* apply(widgetPath("default", "w"), "spec-owner", widget("w", { size: 1 }))
        const res = yield* apply(
          `${widgetPath("default", "w")}/status`,
          "status-owner",
          widget("w", { size: 9 }, { status: { ready: true } })
        )
        expect(res.status).toBe(200)
        const object = body(res)
        expect(object.spec.size).toBe(1)
        expect(object.status).toEqual({ ready: true })
        expect(object.metadata.managedFields).toMatchObject([
          { manager: "spec-owner", operation: "Apply", fieldsV1: { "f:spec": { "f:size": {} } } },
          {
            manager: "status-owner",
            operation: "Apply",
            subresource: "status",
            fieldsV1: { "f:status": { "f:ready": {} } }
          }
        ])
        expect(object.metadata.managedFields[0]).not.toHaveProperty("subresource")
      })
    )
  )
})
