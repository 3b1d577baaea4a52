/**
 * Status subresource isolation: the main resource ignores `.status`, `/status` ignores
 * everything else; kinds without the subresource answer 404 on it.
 */
import * as Effect from "effect/Effect"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Patch from "@effect-kube/core/Patch"
import * as Check from "../harness/Check.js"
import {
  api,
  at,
  configMap,
  configMaps,
  Deployments,
  deployment,
  gadget,
  gadgets,
  rv,
  widget,
  widgets
} from "../harness/kube.js"
import { type ConformanceCase, FixtureGroup, Target } from "../harness/Target.js"

export const statusCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "status/create-ignores-status",
    title: "with a status subresource, status sent on create is dropped",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a" }, { status: { phase: "Ready" } }))
      yield* Check.equal("status", created.status, undefined)
    })
  },
  {
    id: "status/main-write-ignores-status",
    title: "a write to the main resource keeps the stored status",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }))
      yield* ws.status.patch("w", Patch.merge({ status: { phase: "Ready" } }))
      const patched = yield* ws.patch("w", Patch.merge({ spec: { image: "b" }, status: { phase: "Ignored" } }))
      yield* Check.equal("status", patched.status, { phase: "Ready" })
      yield* Check.equal("image", at(patched, "spec", "image"), "b")
      const got = yield* ws.get("w")
      const replaced = yield* ws.replace({ ...got, status: { phase: "AlsoIgnored" } })
      yield* Check.equal("status after replace", replaced.status, { phase: "Ready" })
    })
  },
  {
    id: "status/status-write-ignores-spec",
    title: "a /status write changes only status",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }))
      const patched = yield* ws.status.patch(
        "w",
        Patch.merge({ spec: { image: "changed" }, status: { phase: "Ready" } })
      )
      yield* Check.equal("image", at(patched, "spec", "image"), "a")
      yield* Check.equal("status", patched.status, { phase: "Ready" })
    })
  },
  {
    id: "status/status-write-ignores-metadata",
    title: "a custom resource /status write does not change labels or annotations",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }, {}, { labels: { keep: "me" } }))
      const patched = yield* ws.status.patch(
        "w",
        Patch.merge({
          metadata: { labels: { keep: null, added: "x" }, annotations: { a: "b" } },
          status: { phase: "Ready" }
        })
      )
      yield* Check.equal("labels", patched.metadata.labels, { keep: "me" })
      yield* Check.equal("annotations", patched.metadata.annotations, undefined)
      yield* Check.equal("status", patched.status, { phase: "Ready" })
    })
  },
  {
    id: "status/status-replace",
    title: "status.replace with the current resourceVersion writes status and a new resourceVersion",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a" }))
      const replaced = yield* ws.status.replace({
        ...created,
        spec: { image: "ignored" },
        status: { phase: "Ready", observedGeneration: 1 }
      })
      yield* Check.equal("status", replaced.status, { phase: "Ready", observedGeneration: 1 })
      yield* Check.equal("image", at(replaced, "spec", "image"), "a")
      yield* Check.notEqual("resourceVersion", rv(replaced), rv(created))
      yield* Check.equal("generation", replaced.metadata.generation, 1)
    })
  },
  {
    id: "status/stale-status-replace-conflict",
    title: "a status replace with an old resourceVersion is a 409",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a" }))
      yield* ws.patch("w", Patch.merge({ spec: { image: "b" } }))
      yield* Check.fails("status replace", ws.status.replace({ ...created, status: { phase: "Ready" } }), {
        _tag: "Conflict",
        code: 409,
        message: `Operation cannot be fulfilled on widgets.${FixtureGroup} "w": the object has been modified; please apply your changes to the latest version and try again`,
        details: { name: "w", group: FixtureGroup, kind: "widgets" }
      })
    })
  },
  {
    id: "status/status-get",
    title: "GET on /status returns the whole object",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }))
      const patched = yield* ws.status.patch("w", Patch.merge({ status: { phase: "Ready" } }))
      const got = yield* ws.status.get("w")
      yield* Check.equal("status get", got, patched)
    })
  },
  {
    id: "status/no-subresource-on-configmap",
    title: "/status of a kind without the subresource is a generic 404",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      yield* Check.fails(
        "get status",
        kube.request({ method: "GET", path: `/api/v1/namespaces/${target.namespace}/configmaps/a/status` }),
        {
          _tag: "NotFound",
          code: 404,
          reason: "NotFound",
          message: "the server could not find the requested resource"
        }
      )
    })
  },
  {
    id: "status/no-subresource-on-custom-resource",
    title: "/status of a custom kind without the subresource is a 404 naming the object",
    run: Effect.gen(function* () {
      const target = yield* Target
      const gs = yield* gadgets
      const name = `g-${target.unique}`
      yield* gs.create(gadget(name, { a: 1 }))
      yield* Check.fails("get status", gs.status.get(name), {
        _tag: "NotFound",
        code: 404,
        message: `gadgets.${FixtureGroup} "${name}" not found`,
        details: { name, group: FixtureGroup, kind: "gadgets" }
      })
    })
  },
  {
    id: "status/no-subresource-main-writes-status",
    title: "without a status subresource, status is an ordinary field of the main resource",
    run: Effect.gen(function* () {
      const target = yield* Target
      const gs = yield* gadgets
      const name = `g-${target.unique}`
      const created = yield* gs.create(gadget(name, { a: 1 }, { status: { phase: "New" } }))
      yield* Check.equal("status on create", created.status, { phase: "New" })
      const patched = yield* gs.patch(name, Patch.merge({ status: { phase: "Done" } }))
      yield* Check.equal("status on patch", patched.status, { phase: "Done" })
    })
  },
  {
    id: "status/status-patch-missing-object",
    title: "a /status patch of a missing object is a 404 naming it",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* Check.fails("status patch", ws.status.patch("missing", Patch.merge({ status: { phase: "x" } })), {
        _tag: "NotFound",
        code: 404,
        message: `widgets.${FixtureGroup} "missing" not found`,
        details: { name: "missing", group: FixtureGroup, kind: "widgets" }
      })
    })
  },
  {
    id: "status/deployment-status-isolated",
    title: "a Deployment /status write ignores spec; a main write ignores status",
    run: Effect.gen(function* () {
      const ds = yield* api(Deployments)
      yield* ds.create(deployment("web"))
      const status = yield* ds.status.patch(
        "web",
        Patch.merge({ spec: { replicas: 5 }, status: { observedGeneration: 1, replicas: 1, readyReplicas: 1 } })
      )
      yield* Check.equal("replicas", at(status, "spec", "replicas"), 1)
      yield* Check.subset("status", status.status, { observedGeneration: 1, replicas: 1, readyReplicas: 1 })
      const main = yield* ds.patch("web", Patch.merge({ status: { replicas: 9 } }))
      yield* Check.equal("status kept", at(main, "status", "replicas"), 1)
      yield* Check.equal("generation", main.metadata.generation, 1)
    })
  },
  {
    id: "status/status-json-patch",
    title: "a JSON patch on /status adds a status field",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w", { image: "a" }))
      const patched = yield* ws.status.patch(
        "w",
        Patch.json([{ op: "add", path: "/status", value: { phase: "Ready", message: "ok" } }])
      )
      yield* Check.equal("status", patched.status, { phase: "Ready", message: "ok" })
    })
  }
]
