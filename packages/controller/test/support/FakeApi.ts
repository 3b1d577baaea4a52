/**
 * A small in-memory `Api<KubeObject>` for one kind, with the apiserver behaviours the helpers
 * rely on: resourceVersion preconditions (Conflict), JSON patch `test` ops, merge patches,
 * the status subresource, finalizers holding deletion, generation bumps on spec changes.
 * Fault injection: `failNext(verb, error)`, and `beforeWrite` to simulate a concurrent writer.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Api, DeleteResult, ObjectList } from "@effect-kube/client/Api"
import * as Errors from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import type { JsonPatchOperation, Patch } from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"

type Json = unknown
type Verb = "get" | "create" | "replace" | "patch" | "delete" | "status.patch" | "status.replace" | "status.apply"

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const clone = <T>(value: T): T => structuredClone(value)

const statusError = (code: number, reason: string, message: string) =>
  Errors.fromStatus(code, { kind: "Status", status: "Failure", code, reason, message })

export const notFound = (name: string) => statusError(404, "NotFound", `"${name}" not found`)
export const conflict = (name: string) =>
  statusError(409, "Conflict", `Operation cannot be fulfilled on "${name}": the object has been modified`)
const alreadyExists = (name: string) => statusError(409, "AlreadyExists", `"${name}" already exists`)
const invalid = (message: string) => statusError(422, "Invalid", message)

const parsePointer = (path: string): Array<string> =>
  path === ""
    ? []
    : path
        .slice(1)
        .split("/")
        .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))

const deepEqual = (a: Json, b: Json): boolean => JSON.stringify(a) === JSON.stringify(b)

const lookup = (doc: Json, segments: ReadonlyArray<string>): { found: boolean; value: Json } => {
  let cur: Json = doc
  for (const s of segments) {
    if (Array.isArray(cur)) {
      const i = Number(s)
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) return { found: false, value: undefined }
      cur = cur[i]
    } else if (isRecord(cur) && Object.hasOwn(cur, s)) {
      cur = cur[s]
    } else {
      return { found: false, value: undefined }
    }
  }
  return { found: true, value: cur }
}

/** RFC 6902 on a clone; `test` of a missing path against `null` succeeds (as in apimachinery). */
export const applyJsonPatch = (doc: Json, ops: ReadonlyArray<JsonPatchOperation>): Json | string => {
  const root = clone(doc)
  for (const op of ops) {
    const segments = parsePointer(op.path)
    if (op.op === "test") {
      const { found, value } = lookup(root, segments)
      if (!found ? op.value !== null : !deepEqual(value, op.value)) return `test failed at ${op.path}`
      continue
    }
    const parentPath = segments.slice(0, -1)
    const last = segments[segments.length - 1]
    const parent = lookup(root, parentPath)
    if (!parent.found) return `missing parent of ${op.path}`
    const container = parent.value
    if (op.op === "add" || op.op === "replace") {
      if (Array.isArray(container)) {
        const index = last === "-" ? container.length : Number(last)
        if (!Number.isInteger(index) || index < 0 || index > container.length) return `bad index ${op.path}`
        if (op.op === "add") container.splice(index, 0, clone(op.value))
        else container[index] = clone(op.value)
      } else if (isRecord(container)) {
        if (op.op === "replace" && !Object.hasOwn(container, last)) return `replace of missing ${op.path}`
        container[last] = clone(op.value)
      } else return `not a container at ${op.path}`
    } else if (op.op === "remove") {
      if (Array.isArray(container)) {
        const index = Number(last)
        if (!Number.isInteger(index) || index < 0 || index >= container.length) return `bad index ${op.path}`
        container.splice(index, 1)
      } else if (isRecord(container) && Object.hasOwn(container, last)) {
        delete container[last]
      } else return `remove of missing ${op.path}`
    } else return `unsupported op ${op.op}`
  }
  return root
}

/** RFC 7386. */
export const applyMergePatch = (target: Json, patch: Json): Json => {
  if (!isRecord(patch)) return clone(patch)
  const result: Record<string, unknown> = isRecord(target) ? clone(target) : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k]
    else result[k] = applyMergePatch(result[k], v)
  }
  return result
}

const specOf = (o: Record<string, unknown>) => {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o
  return rest
}

export interface Call {
  readonly verb: Verb
  readonly name: string
  readonly body?: unknown
}

export class FakeCluster {
  readonly objects = new Map<string, Record<string, unknown>>()
  readonly calls: Array<Call> = []
  private rv = 1
  private uid = 0
  private readonly failures: Array<{ verb: Verb; error: Errors.KubeError }> = []
  /** Runs before every write is applied (after the call is logged): simulate racing writers. */
  beforeWrite: (verb: Verb, name: string) => Effect.Effect<void> = () => Effect.void

  constructor(
    readonly resource: Resource.Resource<KubeObject, KubeObject>,
    readonly namespace: string | undefined
  ) {}

  failNext(verb: Verb, error: Errors.KubeError): void {
    this.failures.push({ verb, error })
  }

  key(name: string, namespace: string | undefined): string {
    return namespace ? `${namespace}/${name}` : name
  }

  peek(name: string, namespace: string | undefined = this.namespace): KubeObject | undefined {
    const stored = this.objects.get(this.key(name, namespace))
    return stored === undefined ? undefined : this.toObject(stored)
  }

  /** Seeds an object directly (as if created earlier). */
  seed(object: KubeObject): KubeObject {
    const record = this.fresh(clone({ ...object }), object.metadata.namespace ?? this.namespace)
    this.objects.set(this.key(object.metadata.name ?? "", object.metadata.namespace ?? this.namespace), record)
    return this.toObject(record)
  }

  /** Changes the stored object out of band (another writer), bumping its resourceVersion. */
  mutate(name: string, f: (o: Record<string, unknown>) => void, namespace: string | undefined = this.namespace): void {
    const stored = this.objects.get(this.key(name, namespace))
    if (stored === undefined) throw new Error(`no ${name}`)
    f(stored)
    this.bump(stored, false)
    this.maybeFinalize(this.key(name, namespace), stored)
  }

  /** Sets `metadata.finalizers` out of band (another controller). */
  setFinalizers(name: string, finalizers: ReadonlyArray<string>): void {
    this.mutate(name, (o) => {
      this.meta(o).finalizers = [...finalizers]
    })
  }

  count(verb: Verb): number {
    return this.calls.filter((c) => c.verb === verb).length
  }

  private toObject(record: Record<string, unknown>): KubeObject {
    const decoded = this.resource.decode(clone(record))
    if (decoded._tag === "Left") throw new Error(decoded.left.message)
    return decoded.right
  }

  private meta(o: Record<string, unknown>): Record<string, unknown> {
    if (!isRecord(o.metadata)) o.metadata = {}
    const m = o.metadata
    if (!isRecord(m)) throw new Error("unreachable")
    return m
  }

  private fresh(o: Record<string, unknown>, namespace: string | undefined): Record<string, unknown> {
    const m = this.meta(o)
    if (namespace !== undefined) m.namespace = namespace
    m.uid = `uid-${++this.uid}`
    m.resourceVersion = String(++this.rv)
    m.generation = 1
    m.creationTimestamp = "2026-01-01T00:00:00Z"
    o.apiVersion = this.resource.apiVersion
    o.kind = this.resource.kind
    return o
  }

  private bump(o: Record<string, unknown>, specChanged: boolean): void {
    const m = this.meta(o)
    m.resourceVersion = String(++this.rv)
    if (specChanged) m.generation = (typeof m.generation === "number" ? m.generation : 0) + 1
  }

  private maybeFinalize(key: string, o: Record<string, unknown>): void {
    const m = this.meta(o)
    const finalizers = Array.isArray(m.finalizers) ? m.finalizers : []
    if (m.deletionTimestamp !== undefined && finalizers.length === 0) this.objects.delete(key)
  }

  private takeFailure(verb: Verb): Errors.KubeError | undefined {
    const i = this.failures.findIndex((f) => f.verb === verb)
    if (i < 0) return undefined
    const [f] = this.failures.splice(i, 1)
    return f.error
  }

  write<A>(verb: Verb, name: string, body: unknown, f: () => A | Errors.KubeError): Effect.Effect<A, Errors.KubeError> {
    return Effect.suspend(() => {
      this.calls.push({ verb, name, body })
      const failure = this.takeFailure(verb)
      if (failure !== undefined) return Effect.fail(failure)
      return Effect.flatMap(this.beforeWrite(verb, name), () =>
        Effect.suspend(() => {
          const result = f()
          return isKubeError(result) ? Effect.fail(result) : Effect.succeed(result)
        })
      )
    })
  }

  api(): Api<KubeObject> {
    const ns = (options?: { readonly namespace?: string }) => options?.namespace ?? this.namespace
    const nsOf = (object: KubeObject, options?: { readonly namespace?: string }) =>
      options?.namespace ?? object.metadata.namespace ?? this.namespace
    const unsupported = (what: string) => Effect.dieMessage(`FakeApi: ${what} is not supported`)
    const emptyList: ObjectList<never> = { metadata: {}, items: [] }

    const patchStored = (
      verb: Verb,
      name: string,
      namespace: string | undefined,
      patch: Patch,
      statusOnly: boolean
    ): KubeObject | Errors.KubeError => {
      const key = this.key(name, namespace)
      const stored = this.objects.get(key)
      if (stored === undefined) return notFound(name)
      let next: unknown
      if (patch._tag === "Json") {
        const applied = applyJsonPatch(stored, patch.operations)
        if (typeof applied === "string") return invalid(applied)
        next = applied
      } else if (patch._tag === "Merge") {
        const body = isRecord(patch.body) ? patch.body : {}
        const precondition = isRecord(body.metadata) ? body.metadata.resourceVersion : undefined
        if (precondition !== undefined && precondition !== this.meta(stored).resourceVersion) return conflict(name)
        next = applyMergePatch(stored, patch.body)
      } else {
        return statusError(415, "UnsupportedMediaType", `${verb}: strategic merge is not supported by the fake`)
      }
      if (!isRecord(next)) return invalid("patch produced a non-object")
      const merged: Record<string, unknown> = statusOnly
        ? { ...stored, status: next.status }
        : this.resource.subresources.status
          ? { ...next, status: stored.status }
          : next
      // identity fields are the server's
      const m = this.meta(merged)
      const sm = this.meta(stored)
      m.uid = sm.uid
      m.name = sm.name
      m.namespace = sm.namespace
      m.creationTimestamp = sm.creationTimestamp
      m.deletionTimestamp = sm.deletionTimestamp
      m.generation = sm.generation
      if (!statusOnly && sm.deletionTimestamp !== undefined) {
        // finalizers may only be removed from an object being deleted
        const before = Array.isArray(sm.finalizers) ? sm.finalizers : []
        const after = Array.isArray(m.finalizers) ? m.finalizers : []
        if (after.some((f) => !before.includes(f)))
          return statusError(
            422,
            "Invalid",
            "finalizers: Forbidden: no new finalizers can be added if the object is being deleted"
          )
      }
      if (deepEqual(merged, stored)) return this.toObject(stored)
      this.bump(merged, !deepEqual(specOf(merged), specOf(stored)))
      this.objects.set(key, merged)
      this.maybeFinalize(key, merged)
      return this.toObject(merged)
    }

    const api: Api<KubeObject> = {
      // Api.resource is typed with an `unknown` encoded side (as the live client does).
      resource: { ...this.resource, schema: Schema.compose(Schema.Unknown, this.resource.schema, { strict: false }) },
      namespace: this.namespace,
      get: (name, options) =>
        Effect.suspend(() => {
          this.calls.push({ verb: "get", name })
          const failure = this.takeFailure("get")
          if (failure !== undefined) return Effect.fail(failure)
          const stored = this.objects.get(this.key(name, ns(options)))
          return stored === undefined ? Effect.fail(notFound(name)) : Effect.succeed(this.toObject(stored))
        }),
      list: () => Effect.succeed(emptyList),
      listPages: () => Stream.empty,
      listAll: () => Stream.empty,
      watch: () => Stream.empty,
      create: (object, options) => {
        const name = object.metadata.name ?? ""
        return this.write("create", name, object, () => {
          const namespace = nsOf(object, options)
          const key = this.key(name, namespace)
          if (this.objects.has(key)) return alreadyExists(name)
          const record = this.fresh(clone({ ...object }), namespace)
          this.objects.set(key, record)
          return this.toObject(record)
        })
      },
      replace: (object, options) => {
        const name = object.metadata.name ?? ""
        return this.write("replace", name, object, () => {
          const key = this.key(name, nsOf(object, options))
          const stored = this.objects.get(key)
          if (stored === undefined) return notFound(name)
          const sm = this.meta(stored)
          const rv = object.metadata.resourceVersion
          if (rv !== undefined && rv !== sm.resourceVersion) return conflict(name)
          const next: Record<string, unknown> = clone({ ...object })
          if (this.resource.subresources.status) next.status = stored.status
          const m = this.meta(next)
          m.uid = sm.uid
          m.namespace = sm.namespace
          m.creationTimestamp = sm.creationTimestamp
          m.deletionTimestamp = sm.deletionTimestamp
          m.generation = sm.generation
          m.resourceVersion = sm.resourceVersion
          this.bump(next, !deepEqual(specOf(next), specOf(stored)))
          this.objects.set(key, next)
          this.maybeFinalize(key, next)
          return this.toObject(next)
        })
      },
      patch: (name, patch, options) =>
        this.write("patch", name, patch, () => patchStored("patch", name, ns(options), patch, false)),
      apply: () => unsupported("apply"),
      delete: (name, options) =>
        this.write("delete", name, undefined, (): DeleteResult<KubeObject> | Errors.KubeError => {
          const key = this.key(name, ns(options))
          const stored = this.objects.get(key)
          if (stored === undefined) return notFound(name)
          const m = this.meta(stored)
          const finalizers = Array.isArray(m.finalizers) ? m.finalizers : []
          if (finalizers.length === 0) {
            this.objects.delete(key)
            return { _tag: "Object", object: this.toObject(stored) }
          }
          if (m.deletionTimestamp === undefined) {
            m.deletionTimestamp = "2026-01-01T00:00:01Z"
            this.bump(stored, false)
          }
          return { _tag: "Object", object: this.toObject(stored) }
        }),
      deleteCollection: () => unsupported("deleteCollection"),
      status: {
        get: (name, options) => api.get(name, options),
        replace: () => unsupported("status.replace"),
        patch: (name, patch, options) =>
          this.write("status.patch", name, patch, () => patchStored("status.patch", name, ns(options), patch, true)),
        apply: (object, options) => {
          const name = object.metadata.name ?? ""
          return this.write("status.apply", name, object, () =>
            patchStored(
              "status.apply",
              name,
              nsOf(object, options),
              { _tag: "Merge", body: { status: object.status ?? null } },
              true
            )
          )
        }
      },
      metadata: {
        list: () => Effect.succeed(emptyList),
        listPages: () => Stream.empty,
        watch: () => Stream.empty
      }
    }
    return api
  }
}

const isKubeError = (u: unknown): u is Errors.KubeError =>
  Errors.isStatusError(u) || (isRecord(u) && (u._tag === "TransportError" || u._tag === "DecodeError"))

export const widgets = Resource.unstructured({
  group: "example.com",
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  subresources: { status: true }
})

export const configMaps = Resource.unstructured({
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  scope: "Namespaced"
})

export const makeCluster = (
  resource: Resource.Resource<KubeObject, KubeObject> = widgets,
  namespace: string | undefined = "default"
) => new FakeCluster(resource, namespace)
