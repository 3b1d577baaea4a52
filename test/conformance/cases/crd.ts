/**
 * CustomResourceDefinitions: registration and establishment, serving, deletion, structural
 * pruning and defaulting, versions, discovery.
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import * as Check from "../harness/Check.js"
import { api, at, names, rv, widget, widgets } from "../harness/kube.js"
import { type ConformanceCase, Crds, FixtureGroup, Target } from "../harness/Target.js"

/** A fresh CRD in a group of the case's own (CRDs are cluster-scoped). */
const thingCrd = (
  group: string,
  versions: ReadonlyArray<{ readonly name: string; readonly served: boolean; readonly storage: boolean }> = [
    { name: "v1", served: true, storage: true }
  ],
  scope: "Namespaced" | "Cluster" = "Namespaced"
): KubeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `things.${group}` },
  spec: {
    group,
    scope,
    names: { plural: "things", singular: "thing", kind: "Thing", listKind: "ThingList", shortNames: ["th"] },
    versions: versions.map((v) => ({
      ...v,
      subresources: { status: {} },
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: {
            spec: { type: "object", properties: { size: { type: "integer" } } },
            status: { type: "object", properties: { ready: { type: "boolean" } } }
          }
        }
      }
    }))
  }
})

const things = (group: string, version = "v1", scope: "Namespaced" | "Cluster" = "Namespaced") =>
  Resource.unstructured({ group, version, kind: "Thing", plural: "things", scope, subresources: { status: true } })

const groupOf = (unique: string) => `c${unique}.conformance.effect-kube.io`

/** Registers a fresh CRD for the case and waits until it is served. */
const freshCrd = (crd: KubeObject) =>
  Effect.gen(function* () {
    const target = yield* Target
    const crds = yield* api(Crds)
    const created = yield* crds.create(crd)
    yield* target.waitForCrdEstablished(created.metadata.name ?? "")
    return yield* crds.get(created.metadata.name ?? "")
  })

const conditions = (crd: KubeObject): ReadonlyArray<unknown> => {
  const list = at(crd, "status", "conditions")
  return Array.isArray(list) ? list : []
}

export const crdCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "crd/established-and-names-accepted",
    title: "a new CRD becomes Established and NamesAccepted, with acceptedNames and storedVersions",
    run: Effect.gen(function* () {
      const target = yield* Target
      const group = groupOf(target.unique)
      const crd = yield* freshCrd(thingCrd(group))
      const byType = Object.fromEntries(conditions(crd).map((c) => [at(c, "type"), at(c, "status")]))
      yield* Check.subset("conditions", byType, { Established: "True", NamesAccepted: "True" })
      yield* Check.equal("acceptedNames", at(crd, "status", "acceptedNames"), {
        plural: "things",
        singular: "thing",
        shortNames: ["th"],
        kind: "Thing",
        listKind: "ThingList"
      })
      yield* Check.equal("storedVersions", at(crd, "status", "storedVersions"), ["v1"])
    })
  },
  {
    id: "crd/serves-custom-resources",
    title: "once established, the CRD's resource serves create, get and list",
    run: Effect.gen(function* () {
      const target = yield* Target
      const group = groupOf(target.unique)
      yield* freshCrd(thingCrd(group))
      const ts = yield* api(things(group))
      const created = yield* ts.create({
        apiVersion: `${group}/v1`,
        kind: "Thing",
        metadata: { name: "t" },
        spec: { size: 1 }
      })
      yield* Check.equal("kind", [created.apiVersion, created.kind], [`${group}/v1`, "Thing"])
      yield* Check.equal("generation", created.metadata.generation, 1)
      const got = yield* ts.get("t")
      yield* Check.equal("get", got, created)
      const list = yield* ts.list()
      yield* Check.equal("list", [list.kind, names(list.items)], ["ThingList", ["t"]])
    })
  },
  {
    id: "crd/cluster-scoped",
    title: "a cluster-scoped CRD serves objects without a namespace",
    run: Effect.gen(function* () {
      const target = yield* Target
      const group = groupOf(target.unique)
      yield* freshCrd(thingCrd(group, undefined, "Cluster"))
      const ts = yield* api(things(group, "v1", "Cluster"))
      const created = yield* ts.create({
        apiVersion: `${group}/v1`,
        kind: "Thing",
        metadata: { name: "t" },
        spec: { size: 1 }
      })
      yield* Check.equal("namespace", created.metadata.namespace, undefined)
      const list = yield* ts.list()
      yield* Check.equal("names", names(list.items), ["t"])
    })
  },
  {
    id: "crd/invalid-name",
    title: "a CRD whose name is not plural.group is Invalid",
    run: Effect.gen(function* () {
      const target = yield* Target
      const crds = yield* api(Crds)
      const group = groupOf(target.unique)
      const crd = thingCrd(group)
      yield* Check.fails("create", crds.create({ ...crd, metadata: { name: `wrong.${group}` } }), {
        _tag: "Invalid",
        code: 422,
        message: `CustomResourceDefinition.apiextensions.k8s.io "wrong.${group}" is invalid: metadata.name: Invalid value: "wrong.${group}": must be spec.names.plural+"."+spec.group`,
        details: { name: `wrong.${group}`, group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
        causes: [
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: "wrong.${group}": must be spec.names.plural+"."+spec.group`,
            field: "metadata.name"
          }
        ]
      })
    })
  },
  {
    id: "crd/delete-stops-serving",
    title: "deleting a CRD removes its resource from the API",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const group = groupOf(target.unique)
      yield* freshCrd(thingCrd(group))
      const ts = yield* api(things(group))
      yield* ts.create({ apiVersion: `${group}/v1`, kind: "Thing", metadata: { name: "t" }, spec: {} })
      yield* kube.resource(Crds).delete(`things.${group}`)
      // The apiserver's own finalizer deletes the instances, then the CRD; poll until gone.
      yield* kube
        .resource(Crds)
        .get(`things.${group}`)
        .pipe(
          Effect.flatMap(() => Effect.fail("still there")),
          Effect.catchTag("NotFound", () => Effect.void),
          Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("60 seconds")))
        )
      // The whole group is gone: the plain-text 404 of an unknown path.
      yield* Check.fails("list", ts.list(), { _tag: "NotFound", code: 404, message: "404 page not found\n" })
    })
  },
  {
    id: "crd/prunes-unknown-fields",
    title: "unknown fields are pruned at the root, in metadata and in typed objects",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create({
        ...widget("w", { image: "a", unknown: 1 }, { extra: true }),
        metadata: { name: "w", ...{ bogus: "x" } }
      })
      yield* Check.equal("root", created.extra, undefined)
      yield* Check.equal("metadata", Reflect.get(created.metadata, "bogus"), undefined)
      yield* Check.equal("spec", at(created, "spec", "unknown"), undefined)
      const got = yield* ws.get("w")
      yield* Check.equal("stored", got, created)
    })
  },
  {
    id: "crd/preserves-unknown-fields-where-marked",
    title: "x-kubernetes-preserve-unknown-fields keeps arbitrary content below it",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const free = { anything: { nested: [1, "two", { three: true }] }, n: 1.5 }
      const created = yield* ws.create(widget("w", { image: "a", free }))
      yield* Check.equal("free", at(created, "spec", "free"), free)
    })
  },
  {
    id: "crd/defaults-on-create",
    title: "schema defaults are applied on create, including inside a defaulted object",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a" }))
      yield* Check.equal("spec", created.spec, { image: "a", color: "blue", nested: { mode: "auto" } })
    })
  },
  {
    id: "crd/defaults-do-not-override",
    title: "defaults fill only absent fields",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a", color: "red", nested: { mode: "manual", level: 2 } }))
      yield* Check.equal("spec", created.spec, { image: "a", color: "red", nested: { mode: "manual", level: 2 } })
    })
  },
  {
    id: "crd/defaults-nested-in-given-object",
    title: "defaults apply inside an object the client sent without them",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a", nested: { level: 3 } }))
      yield* Check.equal("nested", at(created, "spec", "nested"), { level: 3, mode: "auto" })
    })
  },
  {
    id: "crd/defaults-on-update",
    title: "an update that drops a defaulted field gets the default again",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a", color: "red" }))
      const replaced = yield* ws.replace({ ...created, spec: { image: "a" } })
      yield* Check.equal("color", at(replaced, "spec", "color"), "blue")
      yield* Check.equal("generation", replaced.metadata.generation, 2)
    })
  },
  {
    id: "crd/prune-then-no-op",
    title: "a replace that only adds pruned fields is a no-op",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const created = yield* ws.create(widget("w", { image: "a" }))
      const replaced = yield* ws.replace({ ...created, spec: { ...(created.spec ?? {}), unknown: "x" } })
      yield* Check.equal("resourceVersion", rv(replaced), rv(created))
      yield* Check.equal("generation", replaced.metadata.generation, 1)
    })
  },
  {
    id: "crd/multiple-versions",
    title: "with two served versions (conversion None) an object reads in either version",
    run: Effect.gen(function* () {
      const target = yield* Target
      const group = groupOf(target.unique)
      yield* freshCrd(
        thingCrd(group, [
          { name: "v1", served: true, storage: true },
          { name: "v2", served: true, storage: false }
        ])
      )
      const v1 = yield* api(things(group, "v1"))
      const v2 = yield* api(things(group, "v2"))
      const created = yield* v1.create({
        apiVersion: `${group}/v1`,
        kind: "Thing",
        metadata: { name: "t" },
        spec: { size: 2 }
      })
      const viaV2 = yield* v2.get("t")
      yield* Check.equal("apiVersion", viaV2.apiVersion, `${group}/v2`)
      yield* Check.equal("spec", viaV2.spec, { size: 2 })
      yield* Check.equal("uid", viaV2.metadata.uid, created.metadata.uid)
      yield* Check.equal("resourceVersion", rv(viaV2), rv(created))
    })
  },
  {
    id: "crd/unserved-version",
    title: "a version that is not served is not in the API",
    run: Effect.gen(function* () {
      const target = yield* Target
      const group = groupOf(target.unique)
      yield* freshCrd(
        thingCrd(group, [
          { name: "v1", served: true, storage: true },
          { name: "v2", served: false, storage: false }
        ])
      )
      const v2 = yield* api(things(group, "v2"))
      yield* Check.fails("list", v2.list(), { _tag: "NotFound", code: 404, message: "404 page not found\n" })
    })
  },
  {
    id: "crd/discovery",
    title: "the group/version discovery document lists the resource and its status subresource",
    run: Effect.gen(function* () {
      const target = yield* Target
      yield* target.widgets
      const kube = yield* KubeApi
      const doc = yield* kube.request({ method: "GET", path: `/apis/${FixtureGroup}/v1` })
      yield* Check.subset("document", doc, { kind: "APIResourceList", groupVersion: `${FixtureGroup}/v1` })
      const resources = at(doc, "resources")
      const list = Array.isArray(resources) ? resources : []
      const widgetsEntry = list.find((r) => at(r, "name") === "widgets")
      const statusEntry = list.find((r) => at(r, "name") === "widgets/status")
      yield* Check.subset("widgets", widgetsEntry, {
        name: "widgets",
        singularName: "widget",
        namespaced: true,
        kind: "Widget",
        shortNames: ["wdg"]
      })
      const verbs = at(widgetsEntry, "verbs")
      yield* Check.equal("verbs", Array.isArray(verbs) ? [...verbs].sort() : verbs, [
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch"
      ])
      yield* Check.subset("widgets/status", statusEntry, { name: "widgets/status", namespaced: true, kind: "Widget" })
      const statusVerbs = at(statusEntry, "verbs")
      yield* Check.equal("status verbs", Array.isArray(statusVerbs) ? [...statusVerbs].sort() : statusVerbs, [
        "get",
        "patch",
        "update"
      ])
    })
  },
  {
    id: "crd/crd-has-generation",
    title: "a CRD is itself an object with generation 1 and a status subresource",
    run: Effect.gen(function* () {
      const target = yield* Target
      const group = groupOf(target.unique)
      const crd = yield* freshCrd(thingCrd(group))
      yield* Check.equal("generation", crd.metadata.generation, 1)
      yield* Check.matches("uid", crd.metadata.uid, /^[0-9a-f-]{36}$/)
    })
  }
]
