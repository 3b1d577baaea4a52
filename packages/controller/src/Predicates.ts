/**
 * Event filters applied before a key is enqueued (controller-runtime `pkg/predicate`). A
 * {@link Predicate} has one function per event type; the built-ins only filter the event type
 * they are about and let the others through — e.g. {@link generationChanged} passes every
 * create and delete and drops updates whose `metadata.generation` did not change (status-only
 * writes, resyncs).
 *
 * Named `Predicates` so it does not clash with `effect/Predicate`.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as LabelSelector from "@effect-kube/core/LabelSelector"
import type { KubeObject } from "@effect-kube/core/Meta"

/**
 * An object appeared (watch ADDED, or the initial list when `isInInitialList`).
 *
 * @example
 * const e: Predicates.CreateEvent<KubeObject> = { object: cm, isInInitialList: true }
 * @since 0.1.0
 */
export interface CreateEvent<A> {
  readonly object: A
  readonly isInInitialList?: boolean
}

/**
 * An object changed (watch MODIFIED, or a resync where `oldObject === newObject`).
 *
 * @example
 * const e: Predicates.UpdateEvent<KubeObject> = { oldObject: before, newObject: after }
 * @since 0.1.0
 */
export interface UpdateEvent<A> {
  readonly oldObject: A
  readonly newObject: A
}

/**
 * An object is gone. `deleteStateUnknown`: the delete was inferred from a relist, so `object`
 * is the last state seen, not the final one.
 *
 * @example
 * const e: Predicates.DeleteEvent<KubeObject> = { object: last, deleteStateUnknown: true }
 * @since 0.1.0
 */
export interface DeleteEvent<A> {
  readonly object: A
  readonly deleteStateUnknown?: boolean
}

/**
 * An event from outside the cluster (a channel / custom source).
 *
 * @example
 * const e: Predicates.GenericEvent<KubeObject> = { object: cm }
 * @since 0.1.0
 */
export interface GenericEvent<A> {
  readonly object: A
}

/**
 * A filter over the four event types; `true` lets the event through.
 *
 * @example
 * const onlySpecChanges: Predicate<KubeObject> = Predicates.generationChanged
 * @since 0.1.0
 */
export interface Predicate<in A = KubeObject> {
  readonly create: (event: CreateEvent<A>) => boolean
  readonly update: (event: UpdateEvent<A>) => boolean
  readonly delete: (event: DeleteEvent<A>) => boolean
  readonly generic: (event: GenericEvent<A>) => boolean
}

/**
 * One of the four events, for {@link evaluate}.
 *
 * @example
 * const e: Predicates.Event<KubeObject> = { _tag: "Update", oldObject: before, newObject: after }
 * @since 0.1.0
 */
export type Event<A> =
  | ({ readonly _tag: "Create" } & CreateEvent<A>)
  | ({ readonly _tag: "Update" } & UpdateEvent<A>)
  | ({ readonly _tag: "Delete" } & DeleteEvent<A>)
  | ({ readonly _tag: "Generic" } & GenericEvent<A>)

const yes = () => true

/**
 * A predicate from per-event functions; a missing function lets its events through
 * (controller-runtime `predicate.Funcs`).
 *
 * @example
 * const noDeletes = Predicates.make({ delete: () => false })
 * @since 0.1.0
 */
export const make = <A = KubeObject>(functions: {
  readonly create?: (event: CreateEvent<A>) => boolean
  readonly update?: (event: UpdateEvent<A>) => boolean
  readonly delete?: (event: DeleteEvent<A>) => boolean
  readonly generic?: (event: GenericEvent<A>) => boolean
}): Predicate<A> => ({
  create: functions.create ?? yes,
  update: functions.update ?? yes,
  delete: functions.delete ?? yes,
  generic: functions.generic ?? yes
})

/**
 * Alias of {@link make}: a custom predicate.
 *
 * @example
 * const bigOnly = Predicates.custom<ConfigMap>({ update: (e) => Object.keys(e.newObject.data ?? {}).length > 10 })
 * @since 0.1.0
 */
export const custom = make

/**
 * A predicate that applies one object filter to every event (for updates: to the new object)
 * — controller-runtime `NewPredicateFuncs`.
 *
 * @example
 * const inTeamNamespaces = Predicates.fromObject((o) => o.metadata.namespace?.startsWith("team-") ?? false)
 * @since 0.1.0
 */
export const fromObject = <A>(filter: (object: A) => boolean): Predicate<A> => ({
  create: (e) => filter(e.object),
  update: (e) => filter(e.newObject),
  delete: (e) => filter(e.object),
  generic: (e) => filter(e.object)
})

const updateOnly = (changed: (oldObject: KubeObject, newObject: KubeObject) => boolean): Predicate<KubeObject> =>
  make({ update: (e) => changed(e.oldObject, e.newObject) })

/**
 * Passes updates whose `metadata.generation` changed (spec changes for kinds with a status
 * subresource); passes creates, deletes and generic events. Drops resyncs and status-only
 * writes. Beware: kinds without generation tracking (e.g. ConfigMap) never change generation.
 *
 * @example
 * Controller.make({ for: Website, predicates: [Predicates.generationChanged], ... })
 * @since 0.1.0
 */
export const generationChanged: Predicate<KubeObject> = updateOnly(
  (o, n) => o.metadata.generation !== n.metadata.generation
)

/**
 * Passes updates whose `metadata.resourceVersion` changed — i.e. drops resync events; passes
 * creates, deletes and generic events.
 *
 * @example
 * const noResync = Predicates.resourceVersionChanged
 * @since 0.1.0
 */
export const resourceVersionChanged: Predicate<KubeObject> = updateOnly(
  (o, n) => o.metadata.resourceVersion !== n.metadata.resourceVersion
)

const stringMapEqual = (
  a: { readonly [k: string]: string } | undefined,
  b: { readonly [k: string]: string } | undefined
): boolean => {
  if (a === b) return true
  const aKeys = a === undefined ? [] : Object.keys(a)
  const bKeys = b === undefined ? [] : Object.keys(b)
  if (aKeys.length !== bKeys.length) return false
  for (const k of aKeys) {
    if (b === undefined || a === undefined || !Object.hasOwn(b, k) || a[k] !== b[k]) return false
  }
  return true
}

const arrayEqual = (a: ReadonlyArray<string> | undefined, b: ReadonlyArray<string> | undefined): boolean => {
  const x = a ?? []
  const y = b ?? []
  if (x.length !== y.length) return false
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}

/**
 * Passes updates whose labels changed; passes other events. Absent and empty labels are equal.
 *
 * @example
 * const relabelled = Predicates.labelsChanged
 * @since 0.1.0
 */
export const labelsChanged: Predicate<KubeObject> = updateOnly(
  (o, n) => !stringMapEqual(o.metadata.labels, n.metadata.labels)
)

/**
 * Passes updates whose annotations changed; passes other events. Absent and empty are equal.
 *
 * @example
 * const reannotated = Predicates.annotationsChanged
 * @since 0.1.0
 */
export const annotationsChanged: Predicate<KubeObject> = updateOnly(
  (o, n) => !stringMapEqual(o.metadata.annotations, n.metadata.annotations)
)

/**
 * Passes updates whose `metadata.finalizers` changed (order-sensitive, absent = empty); passes
 * other events.
 *
 * @example
 * Predicates.or(Predicates.generationChanged, Predicates.finalizersChanged)
 * @since 0.1.0
 */
export const finalizersChanged: Predicate<KubeObject> = updateOnly(
  (o, n) => !arrayEqual(o.metadata.finalizers, n.metadata.finalizers)
)

/**
 * Passes events whose object's labels match the selector (for updates: the new object) —
 * controller-runtime `LabelSelectorPredicate`. Given the string syntax, returns the parse
 * failure instead of a predicate when it does not parse.
 *
 * @example
 * const managed = Predicates.labelSelector("app.kubernetes.io/managed-by=website-operator") // Either
 * const sel = Predicates.labelSelector(LabelSelector.fromSet({ tier: "web" }))          // Predicate
 * @since 0.1.0
 */
export function labelSelector(selector: LabelSelector.Selector): Predicate<KubeObject>
export function labelSelector(selector: string): Either.Either<Predicate<KubeObject>, LabelSelector.SelectorParseError>
export function labelSelector(
  selector: string | LabelSelector.Selector
): Predicate<KubeObject> | Either.Either<Predicate<KubeObject>, LabelSelector.SelectorParseError> {
  if (typeof selector === "string") return Either.map(LabelSelector.parse(selector), selectorPredicate)
  return selectorPredicate(selector)
}

const selectorPredicate = (selector: LabelSelector.Selector): Predicate<KubeObject> =>
  fromObject((o: KubeObject) => LabelSelector.matches(selector, o.metadata.labels))

/**
 * Passes an event only if every predicate passes it (none: passes everything).
 *
 * @example
 * Predicates.and(Predicates.generationChanged, managedOnly)
 * @since 0.1.0
 */
export const and = <A>(...predicates: ReadonlyArray<Predicate<A>>): Predicate<A> => ({
  create: (e) => predicates.every((p) => p.create(e)),
  update: (e) => predicates.every((p) => p.update(e)),
  delete: (e) => predicates.every((p) => p.delete(e)),
  generic: (e) => predicates.every((p) => p.generic(e))
})

/**
 * Passes an event if any predicate passes it (none: passes nothing).
 *
 * @example
 * Predicates.or(Predicates.generationChanged, Predicates.labelsChanged)
 * @since 0.1.0
 */
export const or = <A>(...predicates: ReadonlyArray<Predicate<A>>): Predicate<A> => ({
  create: (e) => predicates.some((p) => p.create(e)),
  update: (e) => predicates.some((p) => p.update(e)),
  delete: (e) => predicates.some((p) => p.delete(e)),
  generic: (e) => predicates.some((p) => p.generic(e))
})

/**
 * Inverts a predicate for every event type.
 *
 * @example
 * Predicates.not(Predicates.labelsChanged)
 * @since 0.1.0
 */
export const not = <A>(predicate: Predicate<A>): Predicate<A> => ({
  create: (e) => !predicate.create(e),
  update: (e) => !predicate.update(e),
  delete: (e) => !predicate.delete(e),
  generic: (e) => !predicate.generic(e)
})

/**
 * Applies a predicate to one event.
 *
 * @example
 * Predicates.evaluate(Predicates.generationChanged, { _tag: "Update", oldObject: a, newObject: b })
 * @since 0.1.0
 */
export const evaluate = <A>(predicate: Predicate<A>, event: Event<A>): boolean => {
  switch (event._tag) {
    case "Create":
      return predicate.create(event)
    case "Update":
      return predicate.update(event)
    case "Delete":
      return predicate.delete(event)
    case "Generic":
      return predicate.generic(event)
  }
}

/**
 * Whether an event passes all predicates of a list (how a controller combines its
 * `predicates` option).
 *
 * @example
 * Predicates.passesAll([Predicates.generationChanged], event)
 * @since 0.1.0
 */
export const passesAll = <A>(predicates: ReadonlyArray<Predicate<A>>, event: Event<A>): boolean => {
  for (const p of predicates) if (!evaluate(p, event)) return false
  return true
}
