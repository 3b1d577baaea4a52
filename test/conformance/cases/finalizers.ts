/**
 * Finalizers, deletionTimestamp, propagation policies and namespace termination.
 */
import * as Effect from "effect/Effect"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Patch from "@effect-kube/core/Patch"
import * as Check from "../harness/Check.js"
import {
  api,
  at,
  ConfigMaps,
  configMap,
  configMaps,
  describe,
  Namespaces,
  probe,
  rv,
  widget,
  widgets
} from "../harness/kube.js"
import { type ConformanceCase, Target } from "../harness/Target.js"

const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/

export const finalizerCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "finalizers/delete-sets-deletion-timestamp",
    title: "deleting an object with a finalizer marks it (deletionTimestamp, grace 0) and answers it",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", undefined, { finalizers: ["example.com/hold"] }))
      const result = yield* cms.delete("a")
      if (result._tag !== "Object") return yield* Check.fail(`expected the object, got ${Check.show(result)}`)
      const marked = result.object
      yield* Check.matches("deletionTimestamp", marked.metadata.deletionTimestamp, rfc3339)
      yield* Check.equal("deletionGracePeriodSeconds", marked.metadata.deletionGracePeriodSeconds, 0)
      yield* Check.equal("finalizers", marked.metadata.finalizers, ["example.com/hold"])
      yield* Check.notEqual("resourceVersion", rv(marked), rv(created))
      const got = yield* cms.get("a")
      yield* Check.equal("get", got, marked)
    })
  },
  {
    id: "finalizers/second-delete-is-a-no-op",
    title: "deleting an object already being deleted changes nothing",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", undefined, { finalizers: ["example.com/hold"] }))
      const first = yield* cms.delete("a")
      const second = yield* cms.delete("a")
      if (first._tag !== "Object" || second._tag !== "Object") {
        return yield* Check.fail(`expected objects, got ${Check.show([first, second])}`)
      }
      yield* Check.equal("resourceVersion", rv(second.object), rv(first.object))
      yield* Check.equal(
        "deletionTimestamp",
        second.object.metadata.deletionTimestamp,
        first.object.metadata.deletionTimestamp
      )
    })
  },
  {
    id: "finalizers/removing-last-finalizer-deletes",
    title: "removing the last finalizer of a deleted object removes the object",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", undefined, { finalizers: ["example.com/hold"] }))
      yield* cms.delete("a")
      yield* cms.patch("a", Patch.merge({ metadata: { finalizers: null } }))
      yield* Check.fails("get", cms.get("a"), { _tag: "NotFound", code: 404 })
    })
  },
  {
    id: "finalizers/removing-one-of-two-keeps",
    title: "an object being deleted stays while any finalizer remains",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", undefined, { finalizers: ["example.com/one", "example.com/two"] }))
      yield* cms.delete("a")
      const patched = yield* cms.patch(
        "a",
        Patch.json([
          { op: "test", path: "/metadata/finalizers/0", value: "example.com/one" },
          { op: "remove", path: "/metadata/finalizers/0" }
        ])
      )
      yield* Check.equal("finalizers", patched.metadata.finalizers, ["example.com/two"])
      const got = yield* cms.get("a")
      yield* Check.equal("still there", got.metadata.finalizers, ["example.com/two"])
    })
  },
  {
    id: "finalizers/no-new-finalizers-while-deleting",
    title: "adding a finalizer to an object being deleted is Forbidden",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", undefined, { finalizers: ["example.com/f"] }))
      yield* cms.delete("a")
      yield* Check.fails(
        "patch",
        cms.patch("a", Patch.merge({ metadata: { finalizers: ["example.com/f", "example.com/g"] } })),
        {
          _tag: "Invalid",
          code: 422,
          message:
            'ConfigMap "a" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/g"}',
          details: { name: "a", kind: "ConfigMap" },
          causes: [
            {
              reason: "FieldValueForbidden",
              message:
                'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/g"}',
              field: "metadata.finalizers"
            }
          ]
        }
      )
    })
  },
  {
    id: "finalizers/watch-sees-mark-then-delete",
    title:
      "a watch sees ADDED, MODIFIED (marked), DELETED with the last stored state (the emptying update is never stored)",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list()
      yield* cms.create(configMap("a", { k: "v" }, { finalizers: ["example.com/hold"] }))
      yield* cms.delete("a")
      const removed = yield* cms.patch("a", Patch.merge({ metadata: { finalizers: null } }))
      const watch = yield* probe(cms.watch({ resourceVersion: list.metadata.resourceVersion }))
      const events = yield* watch.take(3)
      yield* Check.equal("events", events.map(describe), ["ADDED a", "MODIFIED a", "DELETED a"])
      yield* Check.matches("MODIFIED deletionTimestamp", events[1]?.object.metadata.deletionTimestamp, rfc3339)
      yield* Check.equal("DELETED data", events[2]?.object.data, { k: "v" })
      yield* Check.equal("DELETED finalizers", events[2]?.object.metadata.finalizers, ["example.com/hold"])
      yield* Check.notEqual(
        "DELETED resourceVersion",
        events.map((e) => rv(e.object))[2],
        events.map((e) => rv(e.object))[1]
      )
      yield* Check.equal("DELETED uid", events[2]?.object.metadata.uid, removed.metadata.uid)
    })
  },
  {
    id: "finalizers/foreground-adds-finalizer",
    title: "propagationPolicy=Foreground adds the foregroundDeletion finalizer (no garbage collector removes it)",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      const result = yield* cms.delete("a", { propagationPolicy: "Foreground" })
      if (result._tag !== "Object") return yield* Check.fail(`expected the object, got ${Check.show(result)}`)
      yield* Check.equal("finalizers", result.object.metadata.finalizers, ["foregroundDeletion"])
      yield* Check.matches("deletionTimestamp", result.object.metadata.deletionTimestamp, rfc3339)
    })
  },
  {
    id: "finalizers/orphan-adds-finalizer",
    title: "propagationPolicy=Orphan adds the orphan finalizer",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      const result = yield* cms.delete("a", { propagationPolicy: "Orphan" })
      if (result._tag !== "Object") return yield* Check.fail(`expected the object, got ${Check.show(result)}`)
      yield* Check.equal("finalizers", result.object.metadata.finalizers, ["orphan"])
    })
  },
  {
    id: "finalizers/background-deletes-at-once",
    title: "propagationPolicy=Background deletes an object without finalizers at once",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      const result = yield* cms.delete("a", { propagationPolicy: "Background" })
      yield* Check.equal("result", result._tag, "Status")
      yield* Check.fails("get", cms.get("a"), { _tag: "NotFound", code: 404 })
    })
  },
  {
    id: "finalizers/custom-resource",
    title: "a custom resource with a finalizer waits for it; marking it for deletion bumps its generation",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }, {}, { finalizers: ["example.com/cleanup"] }))
      const result = yield* ws.delete("w")
      if (result._tag !== "Object") return yield* Check.fail(`expected the object, got ${Check.show(result)}`)
      yield* Check.matches("deletionTimestamp", result.object.metadata.deletionTimestamp, rfc3339)
      yield* Check.equal("generation", result.object.metadata.generation, 2)
      yield* ws.patch("w", Patch.json([{ op: "remove", path: "/metadata/finalizers" }]))
      yield* Check.fails("get", ws.get("w"), { _tag: "NotFound", code: 404 })
    })
  },
  {
    id: "finalizers/namespace-terminates",
    title: "deleting a namespace leaves it Terminating with the kubernetes finalizer",
    run: Effect.gen(function* () {
      const target = yield* Target
      const namespaces = yield* api(Namespaces)
      const ns = yield* target.newNamespace
      const result = yield* namespaces.delete(ns)
      if (result._tag !== "Object") return yield* Check.fail(`expected the namespace, got ${Check.show(result)}`)
      yield* Check.equal("phase", at(result.object, "status", "phase"), "Terminating")
      yield* Check.equal("spec.finalizers", at(result.object, "spec", "finalizers"), ["kubernetes"])
      yield* Check.matches("deletionTimestamp", result.object.metadata.deletionTimestamp, rfc3339)
      const got = yield* namespaces.get(ns)
      yield* Check.equal("phase on get", at(got, "status", "phase"), "Terminating")
    })
  },
  {
    id: "finalizers/no-create-in-terminating-namespace",
    title: "creating in a terminating namespace is a 403 Forbidden",
    run: Effect.gen(function* () {
      const target = yield* Target
      const namespaces = yield* api(Namespaces)
      const ns = yield* target.newNamespace
      yield* namespaces.delete(ns)
      const cms = yield* api(ConfigMaps, ns)
      yield* Check.fails("create", cms.create(configMap("x")), {
        _tag: "Forbidden",
        code: 403,
        reason: "Forbidden",
        message: `configmaps "x" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
        details: { name: "x", kind: "configmaps" },
        causes: [
          {
            reason: "NamespaceTerminating",
            message: `namespace ${ns} is being terminated`,
            field: "metadata.namespace"
          }
        ]
      })
    })
  },
  {
    id: "finalizers/update-in-terminating-namespace",
    title: "objects in a terminating namespace can still be updated (finalizers must be removable)",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const ns = yield* target.newNamespace
      const cms = yield* api(ConfigMaps, ns)
      yield* cms.create(configMap("x", undefined, { finalizers: ["example.com/hold"] }))
      yield* kube.resource(Namespaces).delete(ns)
      const patched = yield* cms.patch("x", Patch.merge({ metadata: { finalizers: null, labels: { done: "yes" } } }))
      yield* Check.equal("labels", patched.metadata.labels, { done: "yes" })
    })
  }
]
