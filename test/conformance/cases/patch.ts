/**
 * Merge, JSON and strategic-merge patches, including JSON-patch `test` failures.
 */
import * as Effect from "effect/Effect"
import * as Patch from "@effect-kube/core/Patch"
import * as Check from "../harness/Check.js"
import { api, at, configMap, configMaps, Deployments, deployment, rv, widget, widgets } from "../harness/kube.js"
import type { ConformanceCase } from "../harness/Target.js"

const rejected = "the server rejected our request due to an error in our request"

const containerImages = (o: unknown): ReadonlyArray<string> => {
  const containers = at(o, "spec", "template", "spec", "containers")
  return Array.isArray(containers) ? containers.map((c) => `${at(c, "name")}=${at(c, "image")}`) : []
}

export const patchCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "patch/merge-adds-and-changes",
    title: "a merge patch merges objects key by key",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", { k: "1", j: "2" }, { labels: { a: "1" } }))
      const patched = yield* cms.patch(
        "a",
        Patch.merge({ metadata: { labels: { b: "2" } }, data: { k: "changed", n: "new" } })
      )
      yield* Check.equal("labels", patched.metadata.labels, { a: "1", b: "2" })
      yield* Check.equal("data", patched.data, { k: "changed", j: "2", n: "new" })
    })
  },
  {
    id: "patch/merge-null-deletes",
    title: "null in a merge patch deletes the key",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", { k: "1", j: "2" }, { labels: { a: "1", b: "2" } }))
      const patched = yield* cms.patch("a", Patch.merge({ metadata: { labels: { a: null } }, data: { j: null } }))
      yield* Check.equal("labels", patched.metadata.labels, { b: "2" })
      yield* Check.equal("data", patched.data, { k: "1" })
    })
  },
  {
    id: "patch/merge-replaces-lists",
    title: "a merge patch replaces lists wholesale",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a", tags: ["x", "y", "z"] }))
      const patched = yield* ws.patch("w", Patch.merge({ spec: { tags: ["q"] } }))
      yield* Check.equal("tags", at(patched, "spec", "tags"), ["q"])
    })
  },
  {
    id: "patch/json-add-replace-remove",
    title: "JSON patch add, replace, remove, copy and move apply in order",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", { k: "1", j: "2" }))
      const patched = yield* cms.patch(
        "a",
        Patch.json([
          { op: "add", path: "/data/n", value: "3" },
          { op: "replace", path: "/data/k", value: "one" },
          { op: "remove", path: "/data/j" },
          { op: "copy", from: "/data/n", path: "/data/c" },
          { op: "move", from: "/data/n", path: "/data/m" }
        ])
      )
      yield* Check.equal("data", patched.data, { k: "one", c: "3", m: "3" })
    })
  },
  {
    id: "patch/json-test-passes",
    title: "a JSON patch whose test holds applies",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      const patched = yield* cms.patch(
        "a",
        Patch.json([
          { op: "test", path: "/metadata/resourceVersion", value: rv(created) },
          { op: "replace", path: "/data/k", value: "2" }
        ])
      )
      yield* Check.equal("data", patched.data, { k: "2" })
    })
  },
  {
    id: "patch/json-test-fails",
    title: "a JSON patch whose test fails is a 422 and changes nothing",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      yield* Check.fails(
        "patch",
        cms.patch(
          "a",
          Patch.json([
            { op: "test", path: "/data/k", value: "not-it" },
            { op: "replace", path: "/data/k", value: "2" }
          ])
        ),
        { _tag: "Invalid", code: 422, reason: "Invalid", message: rejected }
      )
      const got = yield* cms.get("a")
      yield* Check.equal("resourceVersion", rv(got), rv(created))
      yield* Check.equal("data", got.data, { k: "1" })
    })
  },
  {
    id: "patch/json-test-on-stale-resource-version",
    title: "a finalizer-style JSON patch testing an old resourceVersion is a 422",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", undefined, { finalizers: ["example.com/f"] }))
      yield* cms.patch("a", Patch.merge({ data: { k: "moved on" } }))
      yield* Check.fails(
        "patch",
        cms.patch(
          "a",
          Patch.json([
            { op: "test", path: "/metadata/resourceVersion", value: rv(created) },
            { op: "remove", path: "/metadata/finalizers/0" }
          ])
        ),
        { _tag: "Invalid", code: 422, message: rejected }
      )
    })
  },
  {
    id: "patch/json-remove-missing-path",
    title: "a JSON patch removing a missing path is a 422",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", { k: "1" }))
      yield* Check.fails("patch", cms.patch("a", Patch.json([{ op: "remove", path: "/data/nope" }])), {
        _tag: "Invalid",
        code: 422,
        message: rejected
      })
    })
  },
  {
    id: "patch/json-escaped-pointer",
    title: "JSON pointers unescape ~1 and ~0 in keys",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a", free: {} }, {}, { annotations: { keep: "1" } }))
      const patched = yield* ws.patch(
        "w",
        Patch.json([
          { op: "add", path: `/metadata/annotations/${Patch.escapePointer("example.com/owner")}`, value: "me" },
          { op: "add", path: `/spec/free/${Patch.escapePointer("a~b/c")}`, value: "both" }
        ])
      )
      yield* Check.equal("annotations", patched.metadata.annotations, { keep: "1", "example.com/owner": "me" })
      yield* Check.equal("free", at(patched, "spec", "free"), { "a~b/c": "both" })
    })
  },
  {
    id: "patch/json-append-to-list",
    title: "a JSON patch add at /- appends to a list",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", undefined, { finalizers: ["example.com/a"] }))
      const patched = yield* cms.patch(
        "a",
        Patch.json([{ op: "add", path: "/metadata/finalizers/-", value: "example.com/b" }])
      )
      yield* Check.equal("finalizers", patched.metadata.finalizers, ["example.com/a", "example.com/b"])
    })
  },
  {
    id: "patch/missing-object",
    title: "patching a missing object is a 404",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("patch", cms.patch("missing", Patch.merge({ data: { k: "v" } })), {
        _tag: "NotFound",
        code: 404,
        message: 'configmaps "missing" not found',
        details: { name: "missing", kind: "configmaps" }
      })
    })
  },
  {
    id: "patch/strategic-merges-containers-by-name",
    title: "a strategic merge patch merges Deployment containers by name",
    run: Effect.gen(function* () {
      const ds = yield* api(Deployments)
      yield* ds.create(
        deployment("web", [
          ["app", "nginx:1"],
          ["sidecar", "envoy:1"]
        ])
      )
      const patched = yield* ds.patch(
        "web",
        Patch.strategic({ spec: { template: { spec: { containers: [{ name: "sidecar", image: "envoy:2" }] } } } })
      )
      yield* Check.equal("containers", containerImages(patched), ["app=nginx:1", "sidecar=envoy:2"])
    })
  },
  {
    id: "patch/strategic-adds-container",
    title: "a strategic merge patch with a new container name adds it",
    run: Effect.gen(function* () {
      const ds = yield* api(Deployments)
      yield* ds.create(deployment("web"))
      const patched = yield* ds.patch(
        "web",
        Patch.strategic({ spec: { template: { spec: { containers: [{ name: "extra", image: "busybox:1" }] } } } })
      )
      yield* Check.equal("containers", containerImages(patched), ["extra=busybox:1", "app=nginx:1"])
    })
  },
  {
    id: "patch/strategic-delete-directive",
    title: "$patch: delete removes one container by name",
    run: Effect.gen(function* () {
      const ds = yield* api(Deployments)
      yield* ds.create(
        deployment("web", [
          ["app", "nginx:1"],
          ["sidecar", "envoy:1"]
        ])
      )
      const patched = yield* ds.patch(
        "web",
        Patch.strategic({ spec: { template: { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } } } })
      )
      yield* Check.equal("containers", containerImages(patched), ["app=nginx:1"])
    })
  },
  {
    id: "patch/strategic-on-configmap",
    title: "a strategic merge patch on a ConfigMap behaves as a merge patch for maps",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", { k: "1", j: "2" }, { labels: { a: "1" } }))
      const patched = yield* cms.patch(
        "a",
        Patch.strategic({ metadata: { labels: { a: null, b: "2" } }, data: { j: "3" } })
      )
      yield* Check.equal("labels", patched.metadata.labels, { b: "2" })
      yield* Check.equal("data", patched.data, { k: "1", j: "3" })
    })
  },
  {
    id: "patch/strategic-on-custom-resource",
    title: "strategic merge is refused for custom resources with a 415",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }))
      yield* Check.fails("patch", ws.patch("w", Patch.strategic({ spec: { image: "b" } })), {
        _tag: "UnsupportedMediaType",
        code: 415,
        reason: "UnsupportedMediaType",
        message:
          "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
      })
    })
  },
  {
    id: "patch/custom-resource-patch-is-validated",
    title: "a patch producing an invalid custom resource is a 422 with the schema cause",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }))
      yield* Check.fails("patch", ws.patch("w", Patch.merge({ spec: { replicas: 42 } })), {
        _tag: "Invalid",
        code: 422,
        message:
          'Widget.conformance.effect-kube.io "w" is invalid: spec.replicas: Invalid value: 42: spec.replicas in body should be less than or equal to 10',
        causes: [{ reason: "FieldValueInvalid", field: "spec.replicas" }]
      })
    })
  },
  {
    id: "patch/custom-resource-patch-is-pruned",
    title: "unknown fields added by a patch are pruned",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a" }))
      const patched = yield* ws.patch("w", Patch.merge({ spec: { bogus: true }, bogus: 1 }))
      yield* Check.equal("spec", patched.spec, created.spec)
      yield* Check.equal("root field", patched.bogus, undefined)
      yield* Check.equal("no-op keeps resourceVersion", rv(patched), rv(created))
    })
  },
  {
    id: "patch/dry-run",
    title: "a dry-run patch answers the patched object and stores nothing",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      const dry = yield* cms.patch("a", Patch.merge({ data: { k: "2" } }), { dryRun: true })
      yield* Check.equal("dry data", dry.data, { k: "2" })
      const got = yield* cms.get("a")
      yield* Check.equal("stored data", got.data, { k: "1" })
      yield* Check.equal("resourceVersion", rv(got), rv(created))
    })
  }
]
