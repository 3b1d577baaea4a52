import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import type { ManagedFieldsEntry } from "@effect-kube/core/Meta"
import {
  type ApplyOptions,
  type ApplyResult,
  applyErrorStatus,
  recordUpdate,
  serverSideApply
} from "../src/internal/patch/ServerSideApply.js"

const t0 = new Date("2026-01-01T00:00:00.123Z")
const t1 = new Date("2026-01-01T00:01:00Z")

const cm = (data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "a", namespace: "default", ...(labels ? { labels } : {}) },
  data
})

const apply = (options: Partial<ApplyOptions> & Pick<ApplyOptions, "applied" | "manager">): ApplyResult => {
  const r = serverSideApply({ live: undefined, force: false, now: t0, ...options })
  if (Either.isLeft(r)) throw new Error(`unexpected failure: ${r.left.message}`)
  return r.right
}
const conflict = (options: Partial<ApplyOptions> & Pick<ApplyOptions, "applied" | "manager">) => {
  const r = serverSideApply({ live: undefined, force: false, now: t0, ...options })
  if (Either.isRight(r)) throw new Error("expected a failure")
  return r.left
}
const at = (u: unknown, ...keys: ReadonlyArray<string>): unknown =>
  keys.reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? Reflect.get(v, k) : undefined), u)

const entry = (fields: ReadonlyArray<ManagedFieldsEntry>, manager: string, operation = "Apply") =>
  fields.find((e) => e.manager === manager && e.operation === operation)

describe("serverSideApply", () => {
  it("records the applied fields in the real fieldsV1 format", () => {
    const { object, managedFields } = apply({ applied: cm({ k: "v" }, { app: "web" }), manager: "ctl" })
    expect(object).toMatchObject({ data: { k: "v" }, metadata: { name: "a", labels: { app: "web" } } })
    expect(managedFields).toEqual([
      {
        manager: "ctl",
        operation: "Apply",
        apiVersion: "v1",
        time: "2026-01-01T00:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:data": { "f:k": {} }, "f:metadata": { "f:labels": { "f:app": {} } } }
      }
    ])
    expect(object.metadata).toMatchObject({ managedFields })
  })

  it("keys list elements with k: entries", () => {
    const deploy = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d", finalizers: ["example.com/f"] },
      spec: { template: { spec: { containers: [{ name: "web", image: "nginx" }] } } }
    }
    const { managedFields } = apply({ applied: deploy, manager: "ctl" })
    expect(managedFields[0]?.fieldsV1).toEqual({
      "f:metadata": { "f:finalizers": { 'v:"example.com/f"': {} } },
      "f:spec": {
        "f:template": {
          "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } } }
        }
      }
    })
  })

  it("conflicts when another applier owns a field with a different value", () => {
    const first = apply({ applied: cm({ k: "v" }), manager: "a" })
    const e = conflict({ live: first.object, applied: cm({ k: "w" }), manager: "b", now: t1 })
    expect(e._tag).toBe("ApplyConflict")
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "a": .data.k')
    const { code, status } = applyErrorStatus(e)
    expect(code).toBe(409)
    expect(status.reason).toBe("Conflict")
    expect(status.details?.causes).toEqual([
      { reason: "FieldManagerConflict", message: 'conflict with "a"', field: ".data.k" }
    ])
  })

  it("shares ownership when the value is the same", () => {
    const first = apply({ applied: cm({ k: "v" }), manager: "a" })
    const second = apply({ live: first.object, applied: cm({ k: "v", j: "1" }), manager: "b", now: t1 })
    expect(entry(second.managedFields, "a")?.fieldsV1).toEqual({ "f:data": { "f:k": {} } })
    expect(entry(second.managedFields, "b")?.fieldsV1).toEqual({ "f:data": { "f:j": {}, "f:k": {} } })
  })

  it("force moves the ownership", () => {
    const first = apply({ applied: cm({ k: "v", o: "1" }), manager: "a" })
    const forced = apply({ live: first.object, applied: cm({ k: "w" }), manager: "b", force: true, now: t1 })
    expect(forced.object).toMatchObject({ data: { k: "w", o: "1" } })
    expect(entry(forced.managedFields, "a")?.fieldsV1).toEqual({ "f:data": { "f:o": {} } })
    expect(entry(forced.managedFields, "b")?.fieldsV1).toEqual({ "f:data": { "f:k": {} } })
    // a now conflicts with b on k
    expect(conflict({ live: forced.object, applied: cm({ k: "v", o: "1" }), manager: "a" }).message).toBe(
      'Apply failed with 1 conflict: conflict with "b": .data.k'
    )
  })

  it("removes fields the manager applied before and omits now", () => {
    const first = apply({ applied: cm({ k: "v", gone: "x" }, { app: "web" }), manager: "a" })
    const second = apply({ live: first.object, applied: cm({ k: "v" }), manager: "a", now: t1 })
    expect(second.object).toMatchObject({ data: { k: "v" } })
    expect(second.object).not.toHaveProperty("data.gone")
    // labels applied before and omitted now: the emptied map goes too
    expect(second.object.metadata).not.toHaveProperty("labels")
    expect(entry(second.managedFields, "a")?.fieldsV1).toEqual({ "f:data": { "f:k": {} } })
  })

  it("keeps an omitted field another manager also owns", () => {
    const first = apply({ applied: cm({ k: "v", shared: "s" }), manager: "a" })
    const second = apply({ live: first.object, applied: cm({ shared: "s" }), manager: "b" })
    const third = apply({ live: second.object, applied: cm({ k: "v" }), manager: "a", now: t1 })
    expect(third.object).toMatchObject({ data: { k: "v", shared: "s" } })
    expect(entry(third.managedFields, "a")?.fieldsV1).toEqual({ "f:data": { "f:k": {} } })
  })

  it("removes a list element the manager stopped applying, keeping the rest", () => {
    const pod = (names: ReadonlyArray<string>) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: names.map((name) => ({ name, image: `${name}:1` })) }
    })
    const first = apply({ applied: pod(["a", "b"]), manager: "m" })
    const second = apply({ live: first.object, applied: pod(["a"]), manager: "m", now: t1 })
    expect(second.object).toMatchObject({ spec: { containers: [{ name: "a", image: "a:1" }] } })
    expect(at(second.object, "spec", "containers")).toHaveLength(1)
  })

  it("conflicts with a manager that used a plain update", () => {
    const created = recordUpdate({
      live: undefined,
      updated: cm({ k: "v" }, { app: "x" }),
      manager: "kubectl-create",
      now: t0
    })
    expect(created.managedFields).toEqual([
      {
        manager: "kubectl-create",
        operation: "Update",
        apiVersion: "v1",
        time: "2026-01-01T00:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:data": { ".": {}, "f:k": {} },
          "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }
        }
      }
    ])
    const e = conflict({ live: created.object, applied: cm({ k: "w" }), manager: "ctl", now: t1 })
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.k')
  })

  it("an update takes ownership of the fields it changes; the applier then conflicts", () => {
    const applied = apply({ applied: cm({ k: "v", j: "1" }), manager: "a" })
    const updated = recordUpdate({
      live: applied.object,
      updated: { ...applied.object, data: { k: "changed", j: "1" } },
      manager: "editor",
      now: t1
    })
    expect(entry(updated.managedFields, "a")?.fieldsV1).toEqual({ "f:data": { "f:j": {} } })
    expect(entry(updated.managedFields, "editor", "Update")?.fieldsV1).toEqual({ "f:data": { "f:k": {} } })
    const e = conflict({ live: updated.object, applied: cm({ k: "v", j: "1" }), manager: "a" })
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "editor" using v1: .data.k')
  })

  it("lists several conflicts grouped by manager", () => {
    const a = apply({ applied: cm({ x: "1", y: "1" }), manager: "a" })
    const b = apply({ live: a.object, applied: cm({ z: "1" }), manager: "b" })
    const e = conflict({ live: b.object, applied: cm({ x: "2", y: "2", z: "2" }), manager: "c" })
    expect(e._tag === "ApplyConflict" && e.conflicts).toEqual([
      { manager: '"a"', field: ".data.x" },
      { manager: '"a"', field: ".data.y" },
      { manager: '"b"', field: ".data.z" }
    ])
    expect(e.message).toBe(
      'Apply failed with 3 conflicts: conflicts with "a":\n- .data.x\n- .data.y\nconflicts with "b":\n- .data.z'
    )
  })

  it("hands pre-existing fields to before-first-apply", () => {
    const live = cm({ k: "v" })
    const e = conflict({ live, applied: cm({ k: "w" }), manager: "ctl" })
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.k')
  })

  it("a repeated identical apply keeps the entry time", () => {
    const first = apply({ applied: cm({ k: "v" }), manager: "a" })
    const again = apply({ live: first.object, applied: cm({ k: "v" }), manager: "a", now: t1 })
    expect(again.managedFields).toEqual(first.managedFields)
  })

  it("ignores status on the main resource of a kind with a status subresource, and applies only status on /status", () => {
    const obj = {
      apiVersion: "example.com/v1",
      kind: "Website",
      metadata: { name: "w" },
      spec: { replicas: 1 },
      status: { ready: true }
    }
    const main = apply({ applied: obj, manager: "m", statusSubresource: true })
    expect(main.object).not.toHaveProperty("status")
    const status = apply({
      live: main.object,
      applied: { ...obj, spec: { replicas: 5 } },
      manager: "m",
      subresource: "status",
      statusSubresource: true
    })
    expect(status.object).toMatchObject({ spec: { replicas: 1 }, status: { ready: true } })
    expect(status.managedFields.find((e) => e.subresource === "status")?.fieldsV1).toEqual({
      "f:status": { "f:ready": {} }
    })
  })

  it("rejects managedFields in the applied configuration and non-objects", () => {
    const withMf = { ...cm({}), metadata: { name: "a", managedFields: [] } }
    expect(applyErrorStatus(conflict({ applied: withMf, manager: "m" })).code).toBe(400)
    expect(conflict({ applied: "nope", manager: "m" })._tag).toBe("ApplyInvalid")
  })

  it("a client can clear managedFields with [{}] on update", () => {
    const first = apply({ applied: cm({ k: "v" }), manager: "a" })
    const cleared = recordUpdate({
      live: first.object,
      updated: { ...first.object, metadata: { name: "a", namespace: "default", managedFields: [{}] } },
      manager: "m",
      now: t1
    })
    expect(cleared.managedFields).toEqual([])
    expect(cleared.object.metadata).not.toHaveProperty("managedFields")
  })

  // Expected field sets below were taken from kube-apiserver v1.37.2 for the same requests.
  const deployment = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels: { app: "x" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "x" } },
      template: {
        metadata: { labels: { app: "x" } },
        spec: {
          containers: [{ name: "a", image: "nginx", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }] }]
        }
      },
      ...extra
    }
  })

  it("an apply owns leaves and list elements: only k: elements get a '.' entry", () => {
    const { managedFields } = apply({ applied: deployment("d"), manager: "m" })
    expect(managedFields[0]?.fieldsV1).toEqual({
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:containers": {
              'k:{"name":"a"}': {
                ".": {},
                "f:env": { 'k:{"name":"A"}': { ".": {}, "f:name": {}, "f:value": {} } },
                "f:image": {},
                "f:name": {},
                "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } }
              }
            }
          }
        }
      }
    })
  })

  it("an update's '.' entries mark containers it created, never Go's always-present structs", () => {
    const { managedFields } = recordUpdate({
      live: undefined,
      updated: deployment("e", { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%" } } }),
      manager: "kubectl-create",
      now: t0
    })
    // spec, template, template.metadata/spec, strategy: non-pointer structs; containers: no
    // omitempty. labels, env, ports, rollingUpdate: created by the write.
    expect(managedFields[0]?.fieldsV1).toEqual({
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:strategy": { "f:rollingUpdate": { ".": {}, "f:maxSurge": {} }, "f:type": {} },
        "f:template": {
          "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
          "f:spec": {
            "f:containers": {
              'k:{"name":"a"}': {
                ".": {},
                "f:env": { ".": {}, 'k:{"name":"A"}': { ".": {}, "f:name": {}, "f:value": {} } },
                "f:image": {},
                "f:name": {},
                "f:ports": {
                  ".": {},
                  'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} }
                }
              }
            }
          }
        }
      }
    })
  })

  it("a custom resource is unstructured: its spec gets '.' when an update creates it; a pointer template too", () => {
    const cr = recordUpdate({
      live: undefined,
      updated: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { n: { a: 1 } } },
      manager: "kubectl-create",
      now: t0
    })
    expect(cr.managedFields[0]?.fieldsV1).toEqual({ "f:spec": { ".": {}, "f:n": { ".": {}, "f:a": {} } } })
    const rc = recordUpdate({
      live: undefined,
      updated: {
        apiVersion: "v1",
        kind: "ReplicationController",
        metadata: { name: "r" },
        spec: { selector: { app: "x" }, template: { spec: { containers: [{ name: "a" }] } } }
      },
      manager: "kubectl-create",
      now: t0
    })
    expect(rc.managedFields[0]?.fieldsV1).toEqual({
      "f:spec": {
        "f:selector": {},
        "f:template": {
          ".": {},
          "f:spec": { ".": {}, "f:containers": { ".": {}, 'k:{"name":"a"}': { ".": {}, "f:name": {} } } }
        }
      }
    })
  })

  it("an update that fills an existing struct owns only the new leaves", () => {
    const created = recordUpdate({ live: undefined, updated: deployment("d"), manager: "create", now: t0 })
    const updated = recordUpdate({
      live: created.object,
      updated: { ...created.object, spec: { ...deployment("d").spec, strategy: { type: "Recreate" } } },
      manager: "editor",
      now: t1
    })
    expect(entry(updated.managedFields, "editor", "Update")?.fieldsV1).toEqual({
      "f:spec": { "f:strategy": { "f:type": {} } }
    })
  })

  it("selectors are atomic: owned whole, replaced whole, conflicting whole", () => {
    const first = apply({ applied: deployment("d"), manager: "a" })
    const narrowed = deployment("d")
    const wider = { ...narrowed, spec: { ...narrowed.spec, selector: { matchLabels: { app: "x", tier: "web" } } } }
    const e = conflict({ live: first.object, applied: wider, manager: "b" })
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "a": .spec.selector')
    const forced = apply({ live: first.object, applied: wider, manager: "b", force: true, now: t1 })
    expect(at(forced.object, "spec", "selector")).toEqual({ matchLabels: { app: "x", tier: "web" } })
    expect(at(entry(forced.managedFields, "b")?.fieldsV1, "f:spec", "f:selector")).toEqual({})
    // the applier's next apply replaces the selector rather than merging into it
    const back = apply({
      live: forced.object,
      applied: { ...wider, spec: { ...wider.spec, selector: { matchExpressions: [] } } },
      manager: "b",
      now: t1
    })
    expect(at(back.object, "spec", "selector")).toEqual({ matchExpressions: [] })
    const svc = apply({
      applied: { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { selector: { app: "x" } } },
      manager: "m"
    })
    expect(svc.managedFields[0]?.fieldsV1).toEqual({ "f:spec": { "f:selector": {} } })
  })

  it("service and container ports are keyed by port and protocol (protocol defaults to TCP)", () => {
    const svc = (ports: ReadonlyArray<Record<string, unknown>>) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s", namespace: "default" },
      spec: { ports }
    })
    const first = apply({
      applied: svc([
        { port: 53, name: "dns-tcp" },
        { port: 53, protocol: "UDP", name: "dns" }
      ]),
      manager: "m"
    })
    expect(first.managedFields[0]?.fieldsV1).toEqual({
      "f:spec": {
        "f:ports": {
          'k:{"port":53,"protocol":"TCP"}': { ".": {}, "f:name": {}, "f:port": {} },
          'k:{"port":53,"protocol":"UDP"}': { ".": {}, "f:name": {}, "f:port": {}, "f:protocol": {} }
        }
      }
    })
    expect(at(first.object, "spec", "ports")).toHaveLength(2)
    // the stored (defaulted) element with protocol TCP is the one an apply without protocol names
    const live = {
      ...first.object,
      spec: {
        ports: [
          { port: 53, protocol: "TCP", name: "dns-tcp" },
          { port: 53, protocol: "UDP", name: "dns" }
        ]
      }
    }
    const again = apply({ live, applied: svc([{ port: 53, name: "renamed" }]), manager: "m", now: t1 })
    expect(at(again.object, "spec", "ports")).toEqual([{ port: 53, protocol: "TCP", name: "renamed" }])
    const e = conflict({ live, applied: svc([{ port: 53, protocol: "UDP", name: "other" }]), manager: "x" })
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "m": .spec.ports[port=53,protocol="UDP"].name')
  })

  it("an empty map in the configuration is owned as a leaf; an empty keyed list is not", () => {
    const { managedFields } = apply({
      applied: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", annotations: {} },
        spec: { volumes: [], tolerations: [], containers: [{ name: "a", env: [], resources: { limits: {} } }] }
      },
      manager: "m"
    })
    expect(managedFields[0]?.fieldsV1).toEqual({
      "f:metadata": { "f:annotations": {} },
      "f:spec": {
        "f:containers": { 'k:{"name":"a"}': { ".": {}, "f:name": {}, "f:resources": { "f:limits": {} } } },
        "f:tolerations": {}
      }
    })
  })

  it("merged keyed lists follow the applied order for shared elements, like the real merge walker", () => {
    const first = apply({ applied: deployment("d"), manager: "m" })
    const pod = (names: ReadonlyArray<string>) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d", namespace: "default" },
      spec: {
        template: { spec: { containers: names.map((name) => (name === "a" ? { name, image: "nginx" } : { name })) } }
      }
    })
    const second = apply({ live: first.object, applied: pod(["z", "a"]), manager: "m2", now: t1 })
    const containers = at(second.object, "spec", "template", "spec", "containers")
    expect(Array.isArray(containers) && containers.map((c) => at(c, "name"))).toEqual(["z", "a"])
  })

  const data = fc.dictionary(fc.stringMatching(/^[a-z]{1,3}$/), fc.string({ maxLength: 3 }), { maxKeys: 5 })

  it.prop("applying the same configuration twice changes nothing", [data, data], ([before, config]) => {
    const first = apply({ applied: cm(before), manager: "a" })
    const once = apply({ live: first.object, applied: cm(config), manager: "a", now: t1 })
    const twice = apply({ live: once.object, applied: cm(config), manager: "a", now: new Date("2026-02-01T00:00:00Z") })
    expect(twice).toEqual(once)
  })

  it.prop("a sole applier ends up with exactly the data it applied last", [data, data], ([before, config]) => {
    const first = apply({ applied: cm(before), manager: "a" })
    const second = apply({ live: first.object, applied: cm(config), manager: "a", now: t1 })
    expect(at(second.object, "data") ?? {}).toEqual(config)
  })
})
