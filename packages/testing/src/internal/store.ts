/**
 * The mock's storage: one global resourceVersion counter (like etcd's revision), the objects of
 * each resource keyed like etcd keys (`namespace/name` or `name`), a bounded per-resource event
 * history (the watch cache) and the open watchers.
 *
 * Every stored object is frozen. Writes are synchronous (JS is single-threaded), so a write, its
 * history entry and the fan-out to watchers happen atomically with respect to other requests.
 *
 * @internal
 */
import type { KubeObject } from "@effect-kube/core/Meta"
import { deepFreeze, isObject } from "./json.js"
import type { KindSpec } from "./kinds.js"

/** A watch event type the store records. */
export type EventType = "ADDED" | "MODIFIED" | "DELETED"

/** One committed write. */
export interface HistoryEvent {
  readonly rv: number
  readonly type: EventType
  readonly key: string
  /** The new state; for DELETED the last state carrying the deletion's resourceVersion. */
  readonly object: KubeObject
  /** The state before the write (`undefined` for ADDED). */
  readonly prev: KubeObject | undefined
}

/** Receives the events of one resource as they are committed. */
export interface Subscriber {
  readonly onEvent: (event: HistoryEvent) => void
  /** The store was compacted or the resource went away: the subscriber must end. */
  readonly onClose: () => void
}

/** The state of one resource (group + plural). */
export class ResourceState {
  readonly objects = new Map<string, KubeObject>()
  readonly subscribers = new Set<Subscriber>()
  private events: Array<HistoryEvent> = []
  private start = 0
  /** Watches and snapshots from a resourceVersion below this are too old (410). */
  floor: number

  constructor(
    public spec: KindSpec,
    floor: number,
    private readonly limit: () => number
  ) {
    this.floor = floor
  }

  /** Records an event, trimming the history to its bound, and fans it out. */
  record(event: HistoryEvent): void {
    this.events.push(event)
    const limit = this.limit()
    while (this.events.length - this.start > limit) {
      this.floor = this.events[this.start].rv
      this.start++
    }
    if (this.start > 1024 && this.start * 2 > this.events.length) {
      this.events = this.events.slice(this.start)
      this.start = 0
    }
    for (const s of this.subscribers) s.onEvent(event)
  }

  /** Drops the whole history: any resourceVersion below `rv` becomes too old. */
  compact(rv: number): void {
    this.events = []
    this.start = 0
    this.floor = rv
  }

  /** The events after `rv`, oldest first (the caller checked `rv >= floor`). */
  since(rv: number): ReadonlyArray<HistoryEvent> {
    let i = this.events.length
    while (i > this.start && this.events[i - 1].rv > rv) i--
    return this.events.slice(i)
  }

  /**
   * The objects as they were at `rv` (the caller checked `rv >= floor`): the current state with
   * every later event undone.
   */
  snapshotAt(rv: number): Map<string, KubeObject> {
    const out = new Map(this.objects)
    for (let i = this.events.length - 1; i >= this.start; i--) {
      const e = this.events[i]
      if (e.rv <= rv) break
      if (e.prev === undefined) out.delete(e.key)
      else out.set(e.key, e.prev)
    }
    return out
  }
}

/** All resources and the global resourceVersion. */
export class Store {
  /** The last committed resourceVersion. */
  rv = 0
  readonly resources = new Map<string, ResourceState>()

  constructor(private readonly historyLimit: () => number) {}

  /** The state of a resource, created on first use with the current RV as its history floor. */
  resource(key: string, spec: KindSpec): ResourceState {
    let state = this.resources.get(key)
    if (state === undefined) {
      state = new ResourceState(spec, this.rv, this.historyLimit)
      this.resources.set(key, state)
    }
    return state
  }

  /** Stores a new state of an object under a fresh resourceVersion (ADDED or MODIFIED). */
  put(state: ResourceState, key: string, object: Record<string, unknown>): KubeObject {
    const rv = ++this.rv
    const stored = withResourceVersion(object, rv)
    const prev = state.objects.get(key)
    state.objects.set(key, stored)
    state.record({ rv, type: prev === undefined ? "ADDED" : "MODIFIED", key, object: stored, prev })
    return stored
  }

  /** Removes an object; its last state gets the deletion's resourceVersion (DELETED). */
  remove(state: ResourceState, key: string): KubeObject | undefined {
    const prev = state.objects.get(key)
    if (prev === undefined) return undefined
    const rv = ++this.rv
    const final = withResourceVersion(prev, rv)
    state.objects.delete(key)
    state.record({ rv, type: "DELETED", key, object: final, prev })
    return final
  }

  /** Compacts every resource's history at the current resourceVersion. */
  compact(): void {
    for (const state of this.resources.values()) state.compact(this.rv)
  }
}

/** ObjectMeta fields in the order the real server serialises them (also: the fields it keeps). */
export const metadataOrder: ReadonlyArray<string> = [
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields"
]

/** ObjectMeta fields Go serialises with `omitempty`: an empty list or map disappears. */
const omitEmpty = new Set(["labels", "annotations", "ownerReferences", "finalizers", "managedFields"])
const isEmpty = (u: unknown): boolean =>
  (Array.isArray(u) && u.length === 0) || (typeof u === "object" && u !== null && Object.keys(u).length === 0)

/**
 * An object with its keys in the order the real server serialises them: typed (built-in)
 * objects kind, apiVersion, metadata (ObjectMeta in Go field order) first; custom resources
 * (unstructured maps) sorted alphabetically. Empty ObjectMeta lists and maps are dropped
 * (`omitempty`). `rv` replaces `metadata.resourceVersion` when given.
 */
export const canonical = (
  object: Readonly<Record<string, unknown>>,
  rv?: number
): { readonly [key: string]: unknown; readonly metadata: Record<string, unknown> } => {
  const source: Readonly<Record<string, unknown>> = isObject(object.metadata) ? object.metadata : {}
  const raw: Readonly<Record<string, unknown>> = rv === undefined ? source : { ...source, resourceVersion: String(rv) }
  const custom = typeof object.apiVersion === "string" && isCustomApiVersion(object.apiVersion)
  const metadata: Record<string, unknown> = {}
  const metaKeys = custom
    ? Object.keys(raw).sort()
    : [...metadataOrder, ...Object.keys(raw).filter((k) => !metadataOrder.includes(k))]
  for (const k of metaKeys) {
    const v = raw[k]
    if (v !== undefined && !(omitEmpty.has(k) && isEmpty(v))) metadata[k] = v
  }
  const out: Record<string, unknown> = {}
  const keys = custom
    ? Object.keys(object).sort()
    : [
        "kind",
        "apiVersion",
        "metadata",
        ...Object.keys(object).filter((k) => k !== "kind" && k !== "apiVersion" && k !== "metadata")
      ]
  for (const k of keys) {
    if (k === "metadata") out.metadata = metadata
    else if (object[k] !== undefined) out[k] = object[k]
  }
  return { ...out, metadata }
}

/** Whether an apiVersion belongs to a custom resource group (a dotted group outside *.k8s.io). */
const isCustomApiVersion = (apiVersion: string): boolean => {
  const slash = apiVersion.indexOf("/")
  if (slash < 0) return false
  const group = apiVersion.slice(0, slash)
  return group.includes(".") && !group.endsWith(".k8s.io")
}

/** A frozen, canonical copy of an object with `metadata.resourceVersion` set. */
export const withResourceVersion = (object: Readonly<Record<string, unknown>>, rv: number): KubeObject =>
  deepFreeze(canonical(object, rv))

/** The storage key of an object. */
export const objectKey = (namespace: string | undefined, name: string): string =>
  namespace === undefined || namespace === "" ? name : `${namespace}/${name}`
