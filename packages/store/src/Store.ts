/**
 * The informer cache: a synchronous, indexed, in-memory view of one kind's objects, filled by the
 * reflector through a {@link Writer} and read by controllers through a {@link Store}.
 *
 * Guarantees:
 * - reads are plain `Map` lookups (no Effect allocation): safe on the hot path;
 * - a relist is buffered off to the side and swapped in at {@link Writer.commitRelist}: readers
 *   never see a half-filled cache;
 * - indexes are kept in sync on every write (an update removes stale index values);
 * - every write returns the {@link Change}s it made, with the previous value, so informers can
 *   fan them out without diffing.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as internal from "./internal/store.js"

/**
 * A change applied to the cache, with the previous value — what informers fan out.
 *
 * - `Added`: a key the cache did not hold. `isInitialList` is true only for objects of the very
 *   first sync (the initial list).
 * - `Updated`: a key the cache held, with its previous value. A relist reports every surviving
 *   key as `Updated` even when its resourceVersion did not change (like client-go's `Replace`,
 *   which delivers updates); consumers that only care about real changes compare
 *   `old.metadata.resourceVersion` with `object.metadata.resourceVersion` (see {@link isResync}).
 * - `Deleted`: a key removed. `finalStateUnknown` is true when the deletion was inferred by a
 *   relist (the object is the last state the cache saw), false for a watch `DELETED` event (the
 *   object is the final state the server sent).
 *
 * @example
 * const describe = (c: Change<KubeObject>) => c._tag === "Deleted" ? `gone ${keyOf(c.object)}` : `now ${keyOf(c.object)}`
 * @since 0.1.0
 */
export type Change<A> =
  | { readonly _tag: "Added"; readonly object: A; readonly isInitialList: boolean }
  | { readonly _tag: "Updated"; readonly old: A; readonly object: A; readonly isInitialList: boolean }
  | { readonly _tag: "Deleted"; readonly object: A; readonly finalStateUnknown: boolean }

/**
 * Computes the index values of an object (an object may be in several buckets, or none).
 * Must be a pure function of the object; an indexer that throws indexes the object under no
 * value (the cache stays consistent).
 *
 * @example
 * const byOwner: Indexer<KubeObject> = (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid)
 * @since 0.1.0
 */
export type Indexer<A> = (object: A) => ReadonlyArray<string>

/**
 * The name of the built-in index: objects by `metadata.namespace`. Cluster-scoped objects are
 * not in it.
 *
 * @example
 * store.byIndex(Store.NamespaceIndex, "default") // same as store.listByNamespace("default")
 * @since 0.1.0
 */
export const NamespaceIndex = "namespace"

/**
 * A read-only view of the cache. Every read is synchronous over plain `Map`s.
 *
 * Returned objects are shared with every other reader: never mutate them (use `freeze: true` in
 * tests to turn an accidental mutation into a TypeError).
 *
 * @example
 * const pods = informer.store.listByNamespace("default")
 * const web = informer.store.getByName("web", "default")
 * @since 0.1.0
 */
export interface Store<A extends KubeObject> {
  /** The object under a key (`namespace/name` or `name`). */
  readonly get: (key: string) => A | undefined
  readonly getByName: (name: string, namespace?: string) => A | undefined
  /** Every object (a fresh array). */
  readonly list: () => ReadonlyArray<A>
  /** Objects of one namespace, via the built-in {@link NamespaceIndex}. */
  readonly listByNamespace: (namespace: string) => ReadonlyArray<A>
  /** Objects whose indexer produced `value`; `[]` for an unknown index or value. */
  readonly byIndex: (index: string, value: string) => ReadonlyArray<A>
  /** Keys of the objects whose indexer produced `value`. */
  readonly keysByIndex: (index: string, value: string) => ReadonlyArray<string>
  /** The names of the indexes this store maintains (always includes {@link NamespaceIndex}). */
  readonly indexNames: () => ReadonlyArray<string>
  readonly keys: () => ReadonlyArray<string>
  readonly size: () => number
  /** Whether the first relist has been committed. */
  readonly isSynced: () => boolean
  /** Resolves at the first {@link Writer.commitRelist}. */
  readonly synced: Effect.Effect<void>
  /**
   * The resourceVersion of the last relist, advanced by each applied or deleted object that
   * carries one (bookmarks never reach the store). `undefined` before the first sync.
   */
  readonly resourceVersion: () => string | undefined
}

/**
 * The write side of a {@link Store}: what the reflector's `reflect` drives. Synchronous; single
 * writer (one reflector per store).
 *
 * @example
 * const writer = Store.makeWriter<KubeObject>()
 * writer.beginRelist()
 * writer.relistApply(cm)
 * const changes = writer.commitRelist("42") // [{ _tag: "Added", object: cm, isInitialList: true }]
 * @since 0.1.0
 */
export interface Writer<A extends KubeObject> {
  readonly store: Store<A>
  /** Watcher `Init`: start buffering a relist (discards any unfinished one). */
  readonly beginRelist: () => void
  /** Watcher `InitApply`: buffered, invisible to readers until {@link commitRelist}. */
  readonly relistApply: (object: A) => void
  /**
   * Watcher `InitDone`: swap the buffered relist in atomically. Returns `Added` for new keys
   * (`isInitialList` true on the first sync), `Updated` for keys held before, `Deleted`
   * (`finalStateUnknown: true`) for keys gone — in that order (list order, then deletions).
   * Without a preceding {@link beginRelist} the relist is empty.
   */
  readonly commitRelist: (resourceVersion: string | undefined) => ReadonlyArray<Change<A>>
  /**
   * Watcher `Apply`: `Added` for a new key, else `Updated` with the previous value — also when
   * the resourceVersion is unchanged (client-go delivers such an update too, flagged as a sync).
   */
  readonly apply: (object: A) => Change<A>
  /** Watcher `Delete`: `Deleted` (`finalStateUnknown: false`); `undefined` for an unknown key. */
  readonly delete: (object: A) => Change<A> | undefined
}

/**
 * Options of {@link makeWriter}.
 *
 * @example
 * const options: WriterOptions<KubeObject> = { transform: stripManagedFields, freeze: true }
 * @since 0.1.0
 */
export interface WriterOptions<A extends KubeObject> {
  /**
   * Custom indexes by name. `namespace` is reserved for the built-in {@link NamespaceIndex}.
   */
  readonly indexers?: Readonly<Record<string, Indexer<A>>> & { readonly namespace?: never }
  /**
   * Applied to every object before it is stored (e.g. {@link stripManagedFields}). Must not
   * mutate its input, must be pure and must keep `metadata.name`/`namespace`/`resourceVersion`;
   * if it throws, the object is stored untransformed.
   */
  readonly transform?: (object: A) => A
  /** Deep-freeze stored objects (tests/dev): a handler or reconciler that mutates one throws. */
  readonly freeze?: boolean
}

/**
 * Creates an empty cache and its writer.
 *
 * @example
 * const writer = Store.makeWriter<KubeObject>({
 *   indexers: { byApp: (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []) },
 *   transform: Store.stripManagedFields
 * })
 * writer.store.byIndex("byApp", "web")
 * @since 0.1.0
 */
export const makeWriter: <A extends KubeObject>(options?: WriterOptions<A>) => Writer<A> = internal.makeWriter

/**
 * The cache key of a name and optional namespace: `namespace/name`, or `name` (core's `ObjectKey.key`).
 *
 * @example
 * key("web", "default") // "default/web"
 * key("node-1") // "node-1"
 * @since 0.1.0
 */
export const key: (name: string, namespace?: string) => string = internal.key

/**
 * The cache key of an object (`metadata.namespace/metadata.name`, or `metadata.name`).
 *
 * @example
 * keyOf({ metadata: { name: "web", namespace: "default" } }) // "default/web"
 * @since 0.1.0
 */
export const keyOf: (object: KubeObject) => string = internal.keyOf

/**
 * A ready transform that drops `metadata.managedFields` (often the largest part of an object and
 * rarely read by controllers). Returns a new object; the input is not mutated; an object without
 * managedFields is returned as is.
 *
 * @example
 * const writer = Store.makeWriter<KubeObject>({ transform: Store.stripManagedFields })
 * @since 0.1.0
 */
export const stripManagedFields: <A extends KubeObject>(object: A) => A = internal.stripManagedFields

/**
 * Recursively freezes an object and everything it references (arrays included).
 *
 * @example
 * const frozen = deepFreeze({ metadata: { name: "a" } })
 * @since 0.1.0
 */
export const deepFreeze: <T>(value: T) => T = internal.deepFreeze

/**
 * Whether an `Updated` change kept the same resourceVersion — a relist replaying an unchanged
 * object (client-go treats these as resync events).
 *
 * @example
 * const real = changes.filter((c) => !(c._tag === "Updated" && isResync(c)))
 * @since 0.1.0
 */
export const isResync = <A extends KubeObject>(change: Change<A>): boolean =>
  change._tag === "Updated" &&
  change.old.metadata.resourceVersion !== undefined &&
  change.old.metadata.resourceVersion === change.object.metadata.resourceVersion
