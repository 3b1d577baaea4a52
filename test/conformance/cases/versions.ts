/**
 * resourceVersion and generation rules, optimistic concurrency and preconditions.
 * resourceVersions are compared as opaque strings: equal, different, changed.
 */
import * as Effect from "effect/Effect"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Patch from "@effect-kube/core/Patch"
import * as Check from "../harness/Check.js"
import {
  api,
  configMap,
  configMaps,
  Deployments,
  deployment,
  gadget,
  gadgets,
  names,
  rv,
  widget,
  widgets
} from "../harness/kube.js"
import { type ConformanceCase, FixtureGroup, Target } from "../harness/Target.js"

const modified = (resource: string, name: string) =>
  `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`

export const versionCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "rv/changes-on-every-write",
    title: "every write that changes the object gives it a new resourceVersion",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const a = yield* cms.create(configMap("a", { k: "1" }))
      const b = yield* cms.replace({ ...a, data: { k: "2" } })
      const c = yield* cms.patch("a", Patch.merge({ data: { k: "3" } }))
      const d = yield* cms.patch("a", Patch.json([{ op: "replace", path: "/data/k", value: "4" }]))
      const all = [rv(a), rv(b), rv(c), rv(d)]
      yield* Check.equal("distinct resourceVersions", new Set(all).size, 4)
    })
  },
  {
    id: "rv/unchanged-on-no-op-update",
    title: "a replace that changes nothing keeps the resourceVersion",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      const same = yield* cms.replace(created)
      yield* Check.equal("resourceVersion", rv(same), rv(created))
    })
  },
  {
    id: "rv/unchanged-on-no-op-patch",
    title: "a merge patch that changes nothing keeps the resourceVersion",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      const same = yield* cms.patch("a", Patch.merge({ data: { k: "1" } }))
      yield* Check.equal("resourceVersion", rv(same), rv(created))
    })
  },
  {
    id: "rv/stale-update-conflict",
    title: "a replace carrying an old resourceVersion is a 409 Conflict",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      yield* cms.replace({ ...created, data: { k: "2" } })
      yield* Check.fails("stale replace", cms.replace({ ...created, data: { k: "3" } }), {
        _tag: "Conflict",
        code: 409,
        reason: "Conflict",
        message: modified("configmaps", "a"),
        details: { name: "a", kind: "configmaps" }
      })
      const got = yield* cms.get("a")
      yield* Check.equal("data kept", got.data, { k: "2" })
    })
  },
  {
    id: "rv/unconditional-update-configmap",
    title: "a ConfigMap replace without resourceVersion is unconditional",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      yield* cms.replace({ ...created, data: { k: "2" } })
      const forced = yield* cms.replace(configMap("a", { k: "3" }))
      yield* Check.equal("data", forced.data, { k: "3" })
    })
  },
  {
    id: "rv/custom-resource-update-requires-resource-version",
    title: "a custom resource replace without resourceVersion is Invalid (no unconditional update)",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }))
      yield* Check.fails("replace", ws.replace(widget("w", { image: "b" })), {
        _tag: "Invalid",
        code: 422,
        message: `widgets.${FixtureGroup} "w" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update`,
        details: { name: "w", group: FixtureGroup, kind: "widgets" },
        causes: [
          {
            reason: "FieldValueInvalid",
            message: "Invalid value: 0: must be specified for an update",
            field: "metadata.resourceVersion"
          }
        ]
      })
    })
  },
  {
    id: "rv/patch-with-stale-resource-version",
    title: "a merge patch carrying an old resourceVersion is a 409 Conflict",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      yield* cms.patch("a", Patch.merge({ data: { k: "2" } }))
      yield* Check.fails(
        "patch",
        cms.patch("a", Patch.merge({ metadata: { resourceVersion: rv(created) }, data: { k: "3" } })),
        {
          _tag: "Conflict",
          code: 409,
          message: modified("configmaps", "a"),
          details: { name: "a", kind: "configmaps" }
        }
      )
    })
  },
  {
    id: "rv/patch-with-current-resource-version",
    title: "a merge patch carrying the current resourceVersion applies",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      const patched = yield* cms.patch(
        "a",
        Patch.merge({ metadata: { resourceVersion: rv(created) }, data: { k: "2" } })
      )
      yield* Check.equal("data", patched.data, { k: "2" })
    })
  },
  {
    id: "rv/delete-precondition-resource-version",
    title: "delete with a stale resourceVersion precondition is a 409 naming both versions",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      const updated = yield* cms.replace({ ...created, data: { k: "2" } })
      yield* Check.fails("delete", cms.delete("a", { preconditions: { resourceVersion: rv(created) } }), {
        _tag: "Conflict",
        code: 409,
        reason: "Conflict",
        message: `Operation cannot be fulfilled on ConfigMap "a": the ResourceVersion in the precondition (${rv(created)}) does not match the ResourceVersion in record (${rv(updated)}). The object might have been modified`,
        details: { name: "a", kind: "ConfigMap" }
      })
    })
  },
  {
    id: "rv/delete-precondition-uid",
    title: "delete with a uid precondition of another object is a 409",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a"))
      const other = "11111111-2222-3333-4444-555555555555"
      yield* Check.fails("delete", cms.delete("a", { preconditions: { uid: other } }), {
        _tag: "Conflict",
        code: 409,
        message: `Operation cannot be fulfilled on ConfigMap "a": the UID in the precondition (${other}) does not match the UID in record (${created.metadata.uid}). The object might have been deleted and then recreated`,
        details: { name: "a", kind: "ConfigMap" }
      })
    })
  },
  {
    id: "rv/delete-matching-preconditions",
    title: "delete with matching uid and resourceVersion preconditions deletes",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a"))
      yield* cms.delete("a", { preconditions: { uid: created.metadata.uid, resourceVersion: rv(created) } })
      yield* Check.fails("get", cms.get("a"), { _tag: "NotFound", code: 404 })
    })
  },
  {
    id: "rv/update-cannot-change-uid",
    title: "a replace carrying another uid is refused as a failed uid precondition",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a"))
      yield* Check.fails(
        "replace",
        cms.replace({ ...created, metadata: { ...created.metadata, uid: "00000000-0000-0000-0000-000000000000" } }),
        {
          _tag: "Conflict",
          code: 409,
          message:
            /^Operation cannot be fulfilled on configmaps "a": .*Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: /,
          details: { name: "a", kind: "configmaps" }
        }
      )
    })
  },
  {
    id: "rv/list-resource-version-advances",
    title: "a list's resourceVersion changes after a write in the listed collection",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const before = yield* cms.list()
      yield* cms.create(configMap("a"))
      const after = yield* cms.list()
      yield* Check.notEqual("list resourceVersion", after.metadata.resourceVersion, before.metadata.resourceVersion)
    })
  },
  {
    id: "rv/list-exact-is-historical",
    title: "list with resourceVersionMatch=Exact returns the collection as it was at that version",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "old" }))
      yield* cms.replace({ ...created, data: { k: "new" } })
      yield* cms.create(configMap("b"))
      const then = yield* cms.list({ resourceVersion: rv(created), resourceVersionMatch: "Exact" })
      yield* Check.equal("names then", names(then.items), ["a"])
      yield* Check.equal("data then", then.items[0]?.data, { k: "old" })
      yield* Check.equal("list resourceVersion", then.metadata.resourceVersion, rv(created))
    })
  },
  {
    id: "rv/list-not-older-than",
    title: "list with resourceVersionMatch=NotOlderThan returns state at least that new",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "old" }))
      const updated = yield* cms.replace({ ...created, data: { k: "new" } })
      const list = yield* cms.list({ resourceVersion: rv(created), resourceVersionMatch: "NotOlderThan" })
      yield* Check.equal("data", list.items[0]?.data, { k: "new" })
      yield* Check.equal(
        "item resourceVersion",
        list.items[0] === undefined ? undefined : rv(list.items[0]),
        rv(updated)
      )
    })
  },
  {
    id: "rv/list-resource-version-zero",
    title: "list with resourceVersion=0 (any) serves the objects",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      yield* cms.create(configMap("b"))
      const list = yield* cms.list({ resourceVersion: "0" })
      yield* Check.equal("names", names(list.items), ["a", "b"])
    })
  },
  {
    id: "rv/list-too-large-resource-version",
    title: "list NotOlderThan a resourceVersion the server has not reached is a 504 Timeout",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("list", cms.list({ resourceVersion: "999999999", resourceVersionMatch: "NotOlderThan" }), {
        _tag: "Timeout",
        code: 504,
        reason: "Timeout",
        message: /^Timeout: Too large resource version: 999999999, current: \d+$/,
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }]
      })
    })
  },
  {
    id: "rv/uid-and-creation-timestamp-stable",
    title: "uid and creationTimestamp never change across updates and patches",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      const replaced = yield* cms.replace({ ...created, data: { k: "2" } })
      const patched = yield* cms.patch("a", Patch.merge({ metadata: { labels: { x: "y" } } }))
      for (const o of [replaced, patched]) {
        yield* Check.equal("uid", o.metadata.uid, created.metadata.uid)
        yield* Check.equal("creationTimestamp", o.metadata.creationTimestamp, created.metadata.creationTimestamp)
      }
    })
  },
  {
    id: "generation/custom-resource-starts-at-one",
    title: "a custom resource is created with generation 1",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a" }))
      yield* Check.equal("generation", created.metadata.generation, 1)
    })
  },
  {
    id: "generation/spec-change-bumps",
    title: "a spec change increments generation by one",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a" }))
      const replaced = yield* ws.replace({ ...created, spec: { image: "b" } })
      yield* Check.equal("generation after replace", replaced.metadata.generation, 2)
      const patched = yield* ws.patch("w", Patch.merge({ spec: { replicas: 3 } }))
      yield* Check.equal("generation after patch", patched.metadata.generation, 3)
    })
  },
  {
    id: "generation/metadata-change-keeps",
    title: "label, annotation and finalizer changes leave generation alone",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }))
      const labeled = yield* ws.patch("w", Patch.merge({ metadata: { labels: { a: "b" }, annotations: { c: "d" } } }))
      yield* Check.equal("generation", labeled.metadata.generation, 1)
    })
  },
  {
    id: "generation/status-change-keeps",
    title: "a status subresource write leaves generation alone",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }))
      const status = yield* ws.status.patch("w", Patch.merge({ status: { phase: "Ready" } }))
      yield* Check.equal("generation", status.metadata.generation, 1)
      yield* Check.equal("status", status.status, { phase: "Ready" })
    })
  },
  {
    id: "generation/no-status-subresource-bumps-on-status",
    title: "without a status subresource every change outside metadata bumps generation, status too",
    run: Effect.gen(function* () {
      const target = yield* Target
      const gs = yield* gadgets
      const name = `g-${target.unique}`
      yield* gs.create(gadget(name, { a: 1 }, { status: { s: 1 } }))
      const patched = yield* gs.patch(name, Patch.merge({ status: { s: 2 } }))
      yield* Check.equal("status", patched.status, { s: 2 })
      yield* Check.equal("generation", patched.metadata.generation, 2)
      const labeled = yield* gs.patch(name, Patch.merge({ metadata: { labels: { x: "y" } } }))
      yield* Check.equal("generation after a label", labeled.metadata.generation, 2)
    })
  },
  {
    id: "generation/deployment",
    title: "a Deployment's generation follows spec changes only",
    run: Effect.gen(function* () {
      const ds = yield* api(Deployments)
      const created = yield* ds.create(deployment("web"))
      yield* Check.equal("created", created.metadata.generation, 1)
      const labeled = yield* ds.patch("web", Patch.merge({ metadata: { labels: { team: "a" } } }))
      yield* Check.equal("after a label", labeled.metadata.generation, 1)
      const scaled = yield* ds.patch("web", Patch.merge({ spec: { replicas: 3 } }))
      yield* Check.equal("after a spec change", scaled.metadata.generation, 2)
    })
  },
  {
    id: "rv/custom-resource-stale-update-conflict",
    title: "a stale custom resource replace is a 409 naming plural.group",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a" }))
      yield* ws.replace({ ...created, spec: { image: "b" } })
      yield* Check.fails("stale replace", ws.replace({ ...created, spec: { image: "c" } }), {
        _tag: "Conflict",
        code: 409,
        message: modified(`widgets.${FixtureGroup}`, "w"),
        details: { name: "w", group: FixtureGroup, kind: "widgets" }
      })
    })
  },
  {
    id: "rv/get-via-raw-request-matches-typed",
    title: "the raw request and the typed Api see the same object",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "v" }))
      const raw = yield* kube.request({ method: "GET", path: `/api/v1/namespaces/${target.namespace}/configmaps/a` })
      yield* Check.subset("raw", raw, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { resourceVersion: rv(created) },
        data: { k: "v" }
      })
    })
  }
]
