/**
 * Server-side apply: field ownership, conflicts with and without force, removal of fields a
 * manager stops applying, managed fields of updates, map-lists, the status subresource.
 */
import * as Effect from "effect/Effect"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import * as Check from "../harness/Check.js"
import { at, configMap, configMaps, rv, widget, widgets } from "../harness/kube.js"
import { type ConformanceCase, FixtureGroup } from "../harness/Target.js"

/** `manager/operation[/subresource] → fieldsV1` of an object's managed fields, sorted by manager. */
const ownership = (o: KubeObject): ReadonlyArray<unknown> =>
  [...(o.metadata.managedFields ?? [])]
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      ...(m.subresource === undefined ? {} : { subresource: m.subresource }),
      fieldsV1: m.fieldsV1
    }))
    .sort((a, b) => String(a.manager).localeCompare(String(b.manager)))

export const applyCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "apply/creates-object",
    title: "apply of a missing object creates it with an Apply managed-fields entry",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const applied = yield* cms.apply(configMap("a", { k: "1", j: "2" }), { fieldManager: "m1" })
      yield* Check.equal("data", applied.data, { k: "1", j: "2" })
      yield* Check.equal("managedFields", ownership(applied), [
        { manager: "m1", operation: "Apply", fieldsV1: { "f:data": { "f:j": {}, "f:k": {} } } }
      ])
      yield* Check.subset("entry", applied.metadata.managedFields?.[0], { apiVersion: "v1", fieldsType: "FieldsV1" })
      yield* Check.matches("time", applied.metadata.managedFields?.[0]?.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    })
  },
  {
    id: "apply/idempotent",
    title: "applying the same configuration again changes nothing",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const first = yield* cms.apply(configMap("a", { k: "1" }), { fieldManager: "m1" })
      const second = yield* cms.apply(configMap("a", { k: "1" }), { fieldManager: "m1" })
      yield* Check.equal("resourceVersion", rv(second), rv(first))
    })
  },
  {
    id: "apply/conflict-without-force",
    title: "applying a field another applier owns with a different value is a 409 listing the conflict",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.apply(configMap("a", { k: "1", j: "1" }), { fieldManager: "m1" })
      yield* Check.fails("apply", cms.apply(configMap("a", { k: "2" }), { fieldManager: "m2" }), {
        _tag: "Conflict",
        code: 409,
        reason: "Conflict",
        message: 'Apply failed with 1 conflict: conflict with "m1": .data.k',
        causes: [{ reason: "FieldManagerConflict", message: 'conflict with "m1"', field: ".data.k" }]
      })
      const got = yield* cms.get("a")
      yield* Check.equal("data kept", got.data, { k: "1", j: "1" })
    })
  },
  {
    id: "apply/force-takes-ownership",
    title: "force=true applies and moves ownership of the contested field",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.apply(configMap("a", { k: "1", j: "1" }), { fieldManager: "m1" })
      const forced = yield* cms.apply(configMap("a", { k: "2" }), { fieldManager: "m2", force: true })
      yield* Check.equal("data", forced.data, { k: "2", j: "1" })
      yield* Check.equal("managedFields", ownership(forced), [
        { manager: "m1", operation: "Apply", fieldsV1: { "f:data": { "f:j": {} } } },
        { manager: "m2", operation: "Apply", fieldsV1: { "f:data": { "f:k": {} } } }
      ])
    })
  },
  {
    id: "apply/conflict-with-updater",
    title: "a field last written by an update is owned by that manager; applying it conflicts naming its apiVersion",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", { k: "1" }), { fieldManager: "editor" })
      yield* Check.fails("apply", cms.apply(configMap("a", { k: "2" }), { fieldManager: "m2" }), {
        _tag: "Conflict",
        code: 409,
        message: 'Apply failed with 1 conflict: conflict with "editor" using v1: .data.k',
        causes: [{ reason: "FieldManagerConflict", message: 'conflict with "editor" using v1', field: ".data.k" }]
      })
    })
  },
  {
    id: "apply/multiple-conflicts",
    title: "conflicts with several managers are all listed, grouped per manager",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.apply(configMap("a", { k: "1" }), { fieldManager: "m1" })
      yield* cms.patch("a", Patch.merge({ data: { e: "1" } }), { fieldManager: "editor" })
      yield* Check.fails("apply", cms.apply(configMap("a", { e: "2", k: "2" }), { fieldManager: "m2" }), {
        _tag: "Conflict",
        code: 409,
        message:
          'Apply failed with 2 conflicts: conflicts with "editor" using v1:\n- .data.e\nconflicts with "m1":\n- .data.k',
        // The real server lists the causes in map order: any order.
        unorderedCauses: true,
        causes: [
          { reason: "FieldManagerConflict", message: 'conflict with "m1"', field: ".data.k" },
          { reason: "FieldManagerConflict", message: 'conflict with "editor" using v1', field: ".data.e" }
        ]
      })
    })
  },
  {
    id: "apply/update-records-managed-fields",
    title: "create, update and patch record Update entries for their fieldManager",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", { k: "1" }), { fieldManager: "creator" })
      const patched = yield* cms.patch("a", Patch.merge({ metadata: { labels: { x: "y" } } }), {
        fieldManager: "labeler"
      })
      yield* Check.equal("managedFields", ownership(patched), [
        { manager: "creator", operation: "Update", fieldsV1: { "f:data": { ".": {}, "f:k": {} } } },
        { manager: "labeler", operation: "Update", fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:x": {} } } } }
      ])
    })
  },
  {
    id: "apply/omitted-field-is-removed",
    title: "a field the manager applied before and omits now is removed",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.apply(configMap("a", { k: "1", j: "2" }), { fieldManager: "m1" })
      const second = yield* cms.apply(configMap("a", { k: "1" }), { fieldManager: "m1" })
      yield* Check.equal("data", second.data, { k: "1" })
      yield* Check.equal("managedFields", ownership(second), [
        { manager: "m1", operation: "Apply", fieldsV1: { "f:data": { "f:k": {} } } }
      ])
    })
  },
  {
    id: "apply/shared-ownership",
    title: "applying the same value another applier set shares ownership without conflict",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.apply(configMap("a", { k: "1" }), { fieldManager: "m1" })
      const shared = yield* cms.apply(configMap("a", { k: "1" }), { fieldManager: "m2" })
      yield* Check.equal("managedFields", ownership(shared), [
        { manager: "m1", operation: "Apply", fieldsV1: { "f:data": { "f:k": {} } } },
        { manager: "m2", operation: "Apply", fieldsV1: { "f:data": { "f:k": {} } } }
      ])
    })
  },
  {
    id: "apply/shared-field-survives-one-release",
    title: "a shared field stays when one of its owners stops applying it",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.apply(configMap("a", { k: "1", j: "1" }), { fieldManager: "m1" })
      yield* cms.apply(configMap("a", { k: "1" }), { fieldManager: "m2" })
      const released = yield* cms.apply(configMap("a", { j: "1" }), { fieldManager: "m1" })
      yield* Check.equal("data", released.data, { k: "1", j: "1" })
    })
  },
  {
    id: "apply/merges-with-other-managers-labels",
    title: "applied labels merge with labels another manager set",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", undefined, { labels: { team: "a" } }), { fieldManager: "creator" })
      const applied = yield* cms.apply(configMap("a", undefined, { labels: { app: "web" } }), { fieldManager: "m1" })
      yield* Check.equal("labels", applied.metadata.labels, { team: "a", app: "web" })
    })
  },
  {
    id: "apply/custom-resource-create",
    title: "apply creates a custom resource with defaults and generation 1",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const applied = yield* ws.apply(widget("w", { image: "a" }), { fieldManager: "m1" })
      yield* Check.equal("generation", applied.metadata.generation, 1)
      yield* Check.equal("spec", applied.spec, { image: "a", color: "blue", nested: { mode: "auto" } })
      yield* Check.equal("managedFields", ownership(applied), [
        { manager: "m1", operation: "Apply", fieldsV1: { "f:spec": { "f:image": {} } } }
      ])
    })
  },
  {
    id: "apply/map-list-keys",
    title: "map-list items are owned per key: different keys merge, the same key conflicts",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.apply(widget("w", { image: "a", items: [{ name: "x", value: "1" }] }), { fieldManager: "m1" })
      const merged = yield* ws.apply(widget("w", { items: [{ name: "y", value: "2" }] }), { fieldManager: "m2" })
      yield* Check.equal("items", at(merged, "spec", "items"), [
        { name: "x", value: "1" },
        { name: "y", value: "2" }
      ])
      yield* Check.fails(
        "apply",
        ws.apply(widget("w", { items: [{ name: "x", value: "3" }] }), { fieldManager: "m2" }),
        {
          _tag: "Conflict",
          code: 409,
          message: 'Apply failed with 1 conflict: conflict with "m1": .spec.items[name="x"].value',
          causes: [
            { reason: "FieldManagerConflict", message: 'conflict with "m1"', field: '.spec.items[name="x"].value' }
          ]
        }
      )
    })
  },
  {
    id: "apply/map-list-fields",
    title: "managed fields of a map-list use k:{key} entries",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const applied = yield* ws.apply(widget("w", { image: "a", items: [{ name: "x", value: "1" }] }), {
        fieldManager: "m1"
      })
      yield* Check.equal("managedFields", ownership(applied), [
        {
          manager: "m1",
          operation: "Apply",
          fieldsV1: {
            "f:spec": {
              "f:image": {},
              "f:items": { 'k:{"name":"x"}': { ".": {}, "f:name": {}, "f:value": {} } }
            }
          }
        }
      ])
    })
  },
  {
    id: "apply/status-subresource",
    title: "apply on /status writes status only and records a status-subresource entry",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.apply(widget("w", { image: "a" }), { fieldManager: "spec-owner" })
      const applied = yield* ws.status.apply(widget("w", { image: "ignored" }, { status: { phase: "Ready" } }), {
        fieldManager: "status-owner"
      })
      yield* Check.equal("status", applied.status, { phase: "Ready" })
      yield* Check.equal("image", at(applied, "spec", "image"), "a")
      yield* Check.equal("managedFields", ownership(applied), [
        { manager: "spec-owner", operation: "Apply", fieldsV1: { "f:spec": { "f:image": {} } } },
        {
          manager: "status-owner",
          operation: "Apply",
          subresource: "status",
          fieldsV1: { "f:status": { "f:phase": {} } }
        }
      ])
    })
  },
  {
    id: "apply/dry-run",
    title: "a dry-run apply answers the result and stores nothing",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const dry = yield* cms.apply(configMap("a", { k: "1" }), { fieldManager: "m1", dryRun: true })
      yield* Check.equal("data", dry.data, { k: "1" })
      yield* Check.fails("get", cms.get("a"), { _tag: "NotFound", code: 404 })
    })
  },
  {
    id: "apply/custom-resource-conflict-names-group",
    title: "a conflict on a custom resource is reported like on a built-in kind",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.apply(widget("w", { image: "a", replicas: 1 }), { fieldManager: "m1" })
      yield* Check.fails("apply", ws.apply(widget("w", { replicas: 2 }), { fieldManager: "m2" }), {
        _tag: "Conflict",
        code: 409,
        message: 'Apply failed with 1 conflict: conflict with "m1": .spec.replicas',
        causes: [{ reason: "FieldManagerConflict", message: 'conflict with "m1"', field: ".spec.replicas" }]
      })
      const forced = yield* ws.apply(widget("w", { replicas: 2 }), { fieldManager: "m2", force: true })
      yield* Check.equal("replicas", at(forced, "spec", "replicas"), 2)
      yield* Check.equal("generation", forced.metadata.generation, 2)
      yield* Check.equal("apiVersion", forced.apiVersion, `${FixtureGroup}/v1`)
    })
  }
]
