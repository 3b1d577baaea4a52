import * as Deferred from "effect/Deferred"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as ObjectKey from "@effect-kube/core/ObjectKey"
import type { Change, Indexer, Store, Writer, WriterOptions } from "../Store.js"

const NamespaceIndex = "namespace"

/** @internal */
export const key = (name: string, namespace?: string): string => ObjectKey.key({ name, namespace })

/** @internal */
export const keyOf = (object: KubeObject): string => ObjectKey.key(object)

/** @internal */
export const stripManagedFields = <A extends KubeObject>(object: A): A => {
  if (object.metadata.managedFields === undefined) return object
  const { managedFields: _dropped, ...metadata } = object.metadata
  return { ...object, metadata }
}

/** @internal */
export const deepFreeze = <T>(value: T): T => {
  freezeValue(value)
  return value
}

const freezeValue = (value: unknown): void => {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return
  Object.freeze(value)
  for (const child of Object.values(value)) freezeValue(child)
}

const namespaceIndexer: Indexer<KubeObject> = (object) => {
  const namespace = object.metadata.namespace
  return namespace === undefined || namespace === "" ? [] : [namespace]
}

type Index = Map<string, Set<string>>

interface State<A> {
  readonly objects: Map<string, A>
  /** index name → index value → keys */
  readonly indexes: Map<string, Index>
}

const emptyKeys: ReadonlyArray<string> = []

/** @internal */
export const makeWriter = <A extends KubeObject>(options?: WriterOptions<A>): Writer<A> => {
  const indexers: Array<readonly [string, Indexer<A>]> = [[NamespaceIndex, namespaceIndexer]]
  for (const [name, indexer] of Object.entries(options?.indexers ?? {})) {
    // `namespace` is reserved by the type; a caller that bypassed it still gets the built-in one.
    if (name !== NamespaceIndex && indexer !== undefined) indexers.push([name, indexer])
  }
  const indexNames = indexers.map(([name]) => name)
  const transform = options?.transform
  const freeze = options?.freeze === true

  const valuesOf = (indexer: Indexer<A>, object: A): ReadonlyArray<string> => {
    try {
      return indexer(object)
    } catch {
      return emptyKeys
    }
  }

  const prepare = (object: A): A => {
    let stored = object
    if (transform !== undefined) {
      try {
        stored = transform(object)
      } catch {
        stored = object
      }
    }
    return freeze ? deepFreeze(stored) : stored
  }

  const addToIndex = (index: Index, value: string, k: string): void => {
    const bucket = index.get(value)
    if (bucket === undefined) index.set(value, new Set([k]))
    else bucket.add(k)
  }

  const removeFromIndex = (index: Index, value: string, k: string): void => {
    const bucket = index.get(value)
    if (bucket === undefined) return
    bucket.delete(k)
    if (bucket.size === 0) index.delete(value)
  }

  const emptyIndexes = (): Map<string, Index> => new Map(indexNames.map((name) => [name, new Map()]))

  const indexObject = (indexes: Map<string, Index>, k: string, object: A): void => {
    for (const [name, indexer] of indexers) {
      const index = indexes.get(name)
      if (index === undefined) continue
      for (const value of valuesOf(indexer, object)) addToIndex(index, value, k)
    }
  }

  const unindexObject = (indexes: Map<string, Index>, k: string, object: A): void => {
    for (const [name, indexer] of indexers) {
      const index = indexes.get(name)
      if (index === undefined) continue
      for (const value of valuesOf(indexer, object)) removeFromIndex(index, value, k)
    }
  }

  const reindexObject = (indexes: Map<string, Index>, k: string, old: A, object: A): void => {
    for (const [name, indexer] of indexers) {
      const index = indexes.get(name)
      if (index === undefined) continue
      const before = valuesOf(indexer, old)
      const after = valuesOf(indexer, object)
      // The common case (a single unchanged value, e.g. the namespace) costs no Set churn.
      if (before.length === 1 && after.length === 1 && before[0] === after[0]) continue
      for (const value of before) removeFromIndex(index, value, k)
      for (const value of after) addToIndex(index, value, k)
    }
  }

  let state: State<A> = { objects: new Map(), indexes: emptyIndexes() }
  let pending: Map<string, A> | undefined
  let synced = false
  let resourceVersion: string | undefined
  const syncedSignal = Deferred.unsafeMake<void>(FiberId.none)

  const advance = (object: A): void => {
    const rv = object.metadata.resourceVersion
    if (rv !== undefined && rv !== "") resourceVersion = rv
  }

  const lookup = (keys: Iterable<string>): Array<A> => {
    const objects = state.objects
    const out: Array<A> = []
    for (const k of keys) {
      const object = objects.get(k)
      if (object !== undefined) out.push(object)
    }
    return out
  }

  const keysByIndex = (index: string, value: string): ReadonlyArray<string> => {
    const bucket = state.indexes.get(index)?.get(value)
    return bucket === undefined ? emptyKeys : Array.from(bucket)
  }

  const byIndex = (index: string, value: string): ReadonlyArray<A> => {
    const bucket = state.indexes.get(index)?.get(value)
    return bucket === undefined ? [] : lookup(bucket)
  }

  const store: Store<A> = {
    get: (k) => state.objects.get(k),
    getByName: (name, namespace) => state.objects.get(key(name, namespace)),
    list: () => Array.from(state.objects.values()),
    listByNamespace: (namespace) => byIndex(NamespaceIndex, namespace),
    byIndex,
    keysByIndex,
    indexNames: () => indexNames,
    keys: () => Array.from(state.objects.keys()),
    size: () => state.objects.size,
    isSynced: () => synced,
    synced: Deferred.await(syncedSignal),
    resourceVersion: () => resourceVersion
  }

  const beginRelist = (): void => {
    pending = new Map()
  }

  const relistApply = (object: A): void => {
    const stored = prepare(object)
    if (pending === undefined) pending = new Map()
    pending.set(keyOf(stored), stored)
  }

  const commitRelist = (rv: string | undefined): ReadonlyArray<Change<A>> => {
    const next = pending ?? new Map<string, A>()
    pending = undefined
    const isInitialList = !synced
    const previous = state.objects
    const changes: Array<Change<A>> = []
    // Built entirely off to the side; the single assignment below is the swap.
    const indexes = emptyIndexes()
    for (const [k, object] of next) {
      indexObject(indexes, k, object)
      const old = previous.get(k)
      changes.push(
        old === undefined ? { _tag: "Added", object, isInitialList } : { _tag: "Updated", old, object, isInitialList }
      )
    }
    for (const [k, old] of previous) {
      if (!next.has(k)) changes.push({ _tag: "Deleted", object: old, finalStateUnknown: true })
    }
    state = { objects: next, indexes }
    if (rv !== undefined && rv !== "") resourceVersion = rv
    if (!synced) {
      synced = true
      Deferred.unsafeDone(syncedSignal, Exit.void)
    }
    return changes
  }

  const apply = (object: A): Change<A> => {
    const stored = prepare(object)
    const k = keyOf(stored)
    const old = state.objects.get(k)
    state.objects.set(k, stored)
    advance(stored)
    if (old === undefined) {
      indexObject(state.indexes, k, stored)
      return { _tag: "Added", object: stored, isInitialList: false }
    }
    reindexObject(state.indexes, k, old, stored)
    return { _tag: "Updated", old, object: stored, isInitialList: false }
  }

  const remove = (object: A): Change<A> | undefined => {
    const k = keyOf(object)
    const old = state.objects.get(k)
    if (old === undefined) return undefined
    state.objects.delete(k)
    unindexObject(state.indexes, k, old)
    const final = prepare(object)
    advance(final)
    return { _tag: "Deleted", object: final, finalStateUnknown: false }
  }

  return { store, beginRelist, relistApply, commitRelist, apply, delete: remove }
}
