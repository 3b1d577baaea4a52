/**
 * Built-in kind validation beyond metadata (messages checked against kube-apiserver v1.37): the
 * kube finalizer-name rule, ConfigMap / Secret keys and immutability, Pod containers.
 */
import { describe, expect, it } from "@effect/vitest"
import type { KubeResponse } from "@effect-kube/client/Transport"
import { statusFromUnknown } from "@effect-kube/core/Errors"
import * as Effect from "effect/Effect"
import { ApiServer } from "../src/ApiServer.js"
import { body, call, cmPath, configMap } from "./apiserver-fixtures.js"

const withServer = <A, E>(effect: Effect.Effect<A, E, ApiServer>) => Effect.provide(effect, ApiServer.layer())

const configKeyMessage =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
/** `[reason, field]` of each cause of a Status response. */
const causeFields = (res: KubeResponse): ReadonlyArray<readonly [string | undefined, string | undefined]> =>
  (statusFromUnknown(res.body).details?.causes ?? []).map((c) => [c.reason, c.field] as const)

const notStandard = "name is neither a standard finalizer name nor is it fully qualified"

describe("ApiServer built-in validation", () => {
  it.scoped("an unqualified finalizer of a core kind must be a standard one (one cause per index)", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({
          method: "POST",
          path: cmPath(),
          body: configMap("a", { k: "v" }, { finalizers: ["foo", "kubernetes", "orphan", "a.b/c", "bad finalizer!"] })
        })
        expect(res.status).toBe(422)
        const status = body(res)
        expect(status.details.causes).toEqual([
          expect.objectContaining({ field: "metadata.finalizers" }),
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: "foo": ${notStandard}`,
            field: "metadata.finalizers[0]"
          },
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: "bad finalizer!": ${notStandard}`,
            field: "metadata.finalizers[4]"
          }
        ])
        expect(status.message).toMatch(
          /^ConfigMap "a" is invalid: \[metadata\.finalizers: Invalid value: "bad finalizer!"/
        )
      })
    )
  )

  it.scoped("the finalizer rule follows the kind's strategy: Leases and CRD instances take any qualified name", () =>
    withServer(
      Effect.gen(function* () {
        const lease = yield* call({
          method: "POST",
          path: "/apis/coordination.k8s.io/v1/namespaces/default/leases",
          body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l", finalizers: ["foo"] } }
        })
        expect(lease.status).toBe(201)
        const role = yield* call({
          method: "POST",
          path: "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
          body: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: "r", finalizers: ["foo"] }
          }
        })
        expect(role.status).toBe(422)
        expect(body(role).message).toBe(
          `Role.rbac.authorization.k8s.io "r" is invalid: metadata.finalizers[0]: Invalid value: "foo": ${notStandard}`
        )
        // Updates are held to the rule too.
        yield* call({ method: "POST", path: cmPath(), body: configMap("ok") })
        const patched = yield* call({
          method: "PATCH",
          path: cmPath("default", "ok"),
          contentType: "application/merge-patch+json",
          body: { metadata: { finalizers: ["foo"] } }
        })
        expect(patched.status).toBe(422)
        expect(causeFields(patched)).toEqual([["FieldValueInvalid", "metadata.finalizers[0]"]])
      })
    )
  )

  it.scoped("ConfigMap keys: the config-key rule, dot-dirs and duplicates across data and binaryData", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({
          method: "POST",
          path: cmPath(),
          body: { ...configMap("c", { k: "v", "..": "x", "a b": "y" }), binaryData: { k: "eA==", "b c": "eA==" } }
        })
        expect(res.status).toBe(422)
        expect(body(res).details.causes).toEqual([
          { reason: "FieldValueInvalid", message: `Invalid value: "..": must not be '..'`, field: "data[..]" },
          { reason: "FieldValueInvalid", message: `Invalid value: "a b": ${configKeyMessage}`, field: "data[a b]" },
          {
            reason: "FieldValueInvalid",
            message: 'Invalid value: "k": duplicate of key present in binaryData',
            field: "data[k]"
          },
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: "b c": ${configKeyMessage}`,
            field: "binaryData[b c]"
          }
        ])
        const single = yield* call({ method: "POST", path: cmPath(), body: configMap("a", { "a b": "v" }) })
        expect(body(single).message).toBe(
          `ConfigMap "a" is invalid: data[a b]: Invalid value: "a b": ${configKeyMessage}`
        )
      })
    )
  )

  it.scoped("Secret keys are checked after stringData is merged into data", () =>
    withServer(
      Effect.gen(function* () {
        const res = yield* call({
          method: "POST",
          path: "/api/v1/namespaces/default/secrets",
          body: {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "s" },
            data: { "..x": "eA==" },
            stringData: { "c d": "x" }
          }
        })
        expect(res.status).toBe(422)
        expect(body(res).details.causes).toEqual([
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: "..x": must not start with '..'`,
            field: "data[..x]"
          },
          { reason: "FieldValueInvalid", message: `Invalid value: "c d": ${configKeyMessage}`, field: "data[c d]" }
        ])
      })
    )
  )

  it.scoped("an immutable ConfigMap or Secret refuses data changes and un-setting immutable; metadata may change", () =>
    withServer(
      Effect.gen(function* () {
        const created = body(
          yield* call({ method: "POST", path: cmPath(), body: { ...configMap("a", { k: "1" }), immutable: true } })
        )
        const replaced = yield* call({
          method: "PUT",
          path: cmPath("default", "a"),
          body: { ...created, data: { k: "2" } }
        })
        expect(replaced.status).toBe(422)
        expect(body(replaced).message).toBe(
          'ConfigMap "a" is invalid: data: Forbidden: field is immutable when `immutable` is set'
        )
        const unset = yield* call({
          method: "PATCH",
          path: cmPath("default", "a"),
          contentType: "application/merge-patch+json",
          body: { immutable: false, binaryData: { b: "eA==" } }
        })
        expect(causeFields(unset)).toEqual([
          ["FieldValueForbidden", "immutable"],
          ["FieldValueForbidden", "binaryData"]
        ])
        const labelled = yield* call({
          method: "PATCH",
          path: cmPath("default", "a"),
          contentType: "application/merge-patch+json",
          body: { metadata: { labels: { x: "y" } } }
        })
        expect(labelled.status).toBe(200)
        const secret = body(
          yield* call({
            method: "POST",
            path: "/api/v1/namespaces/default/secrets",
            body: { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { k: "eA==" }, immutable: true }
          })
        )
        const changed = yield* call({
          method: "PUT",
          path: "/api/v1/namespaces/default/secrets/s",
          body: { ...secret, data: { k: "eQ==" } }
        })
        expect(changed.status).toBe(422)
        expect(body(changed).details.causes).toEqual([
          {
            reason: "FieldValueForbidden",
            message: "Forbidden: field is immutable when `immutable` is set",
            field: "data"
          }
        ])
      })
    )
  )

  it.scoped("a Pod needs containers, each with a DNS-label name (unique) and an image", () =>
    withServer(
      Effect.gen(function* () {
        const podsPath = "/api/v1/namespaces/default/pods"
        const none = yield* call({
          method: "POST",
          path: podsPath,
          body: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [] } }
        })
        expect(none.status).toBe(422)
        expect(body(none)).toMatchObject({
          message: 'Pod "p" is invalid: spec.containers: Required value',
          details: {
            name: "p",
            kind: "Pod",
            causes: [{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers" }]
          }
        })
        const bad = yield* call({
          method: "POST",
          path: podsPath,
          body: {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "p" },
            spec: {
              containers: [{}, { name: "A_b", image: "x" }, { name: "c", image: "x" }, { name: "c", image: "y" }]
            }
          }
        })
        expect(causeFields(bad)).toEqual([
          ["FieldValueRequired", "spec.containers[0].name"],
          ["FieldValueRequired", "spec.containers[0].image"],
          ["FieldValueInvalid", "spec.containers[1].name"],
          ["FieldValueDuplicate", "spec.containers[3].name"]
        ])
        const ok = yield* call({
          method: "POST",
          path: podsPath,
          body: {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "p" },
            spec: { containers: [{ name: "c", image: "x" }] }
          }
        })
        expect(ok.status).toBe(201)
      })
    )
  )
})
