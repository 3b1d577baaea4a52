/**
 * Owner references and the create-or-update helpers (controller-runtime `controllerutil`).
 *
 * - {@link setControllerReference}: make `owner` the managing controller of `object` (garbage
 *   collected with it, and the source of `owns` events). Same namespace only, unless the owner
 *   is cluster-scoped; a cluster-scoped object cannot have a namespaced owner; at most one
 *   controller reference.
 * - {@link createOrUpdate} / {@link createOrPatch}: read, mutate, write only if something
 *   changed — `"created" | "updated" | "unchanged"`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { Api } from "@effect-kube/client/Api"
import type { KubeError } from "@effect-kube/core/Errors"
import type { KubeObject, OwnerReference } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import { asRecord, jsonEqual, mergePatchDiff } from "./internal/json.js"

/**
 * The object already has a controller reference to a different owner.
 *
 * @example
 * Effect.catchTag("AlreadyOwned", (e) => Effect.logWarning(e.message))
 * @since 0.1.0
 */
export class AlreadyOwned extends Data.TaggedError("AlreadyOwned")<{
  readonly object: string
  readonly existing: OwnerReference
}> {
  override get message(): string {
    return `${this.object} is already owned by another ${this.existing.kind} controller ${this.existing.name}`
  }
}

/**
 * The owner reference would be invalid: cross-namespace, a namespaced owner of a cluster-scoped
 * object, or an owner without `apiVersion`/`kind`/`name`/`uid`.
 *
 * @example
 * Ownership.setControllerReference(namespacedOwner, clusterScopedObject) // Left(InvalidOwner { reason: "ClusterScopedObject" })
 * @since 0.1.0
 */
export class InvalidOwner extends Data.TaggedError("InvalidOwner")<{
  readonly reason: "CrossNamespace" | "ClusterScopedObject" | "IncompleteOwner"
  readonly message: string
}> {}

const keyOf = (o: KubeObject): string =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ""}` : (o.metadata.name ?? "")

const groupOf = (apiVersion: string): string => {
  const slash = apiVersion.indexOf("/")
  return slash < 0 ? "" : apiVersion.slice(0, slash)
}

// Same object for owner-reference purposes: group (not version), kind and name.
const referSameObject = (a: OwnerReference, b: OwnerReference): boolean =>
  groupOf(a.apiVersion) === groupOf(b.apiVersion) && a.kind === b.kind && a.name === b.name

const referenceTo = (owner: KubeObject): Either.Either<OwnerReference, InvalidOwner> => {
  const { apiVersion, kind } = owner
  const { name, uid } = owner.metadata
  if (!apiVersion || !kind || !name || !uid) {
    return Either.left(
      new InvalidOwner({
        reason: "IncompleteOwner",
        message: `the owner ${keyOf(owner)} needs apiVersion, kind, metadata.name and metadata.uid (read it from the apiserver first)`
      })
    )
  }
  return Either.right({ apiVersion, kind, name, uid })
}

const validateOwner = (owner: KubeObject, object: KubeObject): Either.Either<void, InvalidOwner> => {
  const ownerNamespace = owner.metadata.namespace ?? ""
  if (ownerNamespace === "") return Either.void
  const objectNamespace = object.metadata.namespace ?? ""
  if (objectNamespace === "") {
    return Either.left(
      new InvalidOwner({
        reason: "ClusterScopedObject",
        message: `cluster-scoped resource must not have a namespace-scoped owner, owner's namespace ${ownerNamespace}`
      })
    )
  }
  if (objectNamespace !== ownerNamespace) {
    return Either.left(
      new InvalidOwner({
        reason: "CrossNamespace",
        message: `cross-namespace owner references are disallowed, owner's namespace ${ownerNamespace}, obj's namespace ${objectNamespace}`
      })
    )
  }
  return Either.void
}

const upsert = <A extends KubeObject>(object: A, ref: OwnerReference): A => {
  const refs = object.metadata.ownerReferences ?? []
  const index = refs.findIndex((r) => referSameObject(r, ref))
  const ownerReferences = index < 0 ? [...refs, ref] : refs.map((r, i) => (i === index ? ref : r))
  return { ...object, metadata: { ...object.metadata, ownerReferences } }
}

/**
 * The controller reference of an object (the owner reference with `controller: true`).
 *
 * @example
 * Ownership.getControllerOf(deployment) // Option.some({ kind: "Website", name: "web", ... })
 * @since 0.1.0
 */
export const getControllerOf = (object: KubeObject): Option.Option<OwnerReference> =>
  Option.fromNullable(object.metadata.ownerReferences?.find((r) => r.controller === true))

/**
 * Whether the object has a controller reference (to anyone).
 *
 * @example
 * if (!Ownership.hasControllerReference(cm)) yield* adopt(cm)
 * @since 0.1.0
 */
export const hasControllerReference = (object: KubeObject): boolean => Option.isSome(getControllerOf(object))

/**
 * Whether `owner` is the controller of `object` (matched by uid).
 *
 * @example
 * Ownership.isControlledBy(deployment, site) // true
 * @since 0.1.0
 */
export const isControlledBy = (object: KubeObject, owner: KubeObject): boolean => {
  const ref = getControllerOf(object)
  return Option.isSome(ref) && owner.metadata.uid !== undefined && ref.value.uid === owner.metadata.uid
}

/**
 * Returns `object` with `owner` as its controller reference (`controller: true`,
 * `blockOwnerDeletion: true`), replacing an existing reference to the same owner. Fails with
 * {@link AlreadyOwned} if another owner already controls it, and with {@link InvalidOwner}
 * across namespaces or for a namespaced owner of a cluster-scoped object. Pure: nothing is
 * written.
 *
 * @example
 * const owned = yield* Ownership.setControllerReference(site, renderDeployment(site))
 * @since 0.1.0
 */
export const setControllerReference = <A extends KubeObject>(
  owner: KubeObject,
  object: A
): Either.Either<A, AlreadyOwned | InvalidOwner> =>
  Either.gen(function* () {
    const base = yield* referenceTo(owner)
    yield* validateOwner(owner, object)
    const ref: OwnerReference = { ...base, blockOwnerDeletion: true, controller: true }
    const existing = getControllerOf(object)
    if (Option.isSome(existing) && !referSameObject(existing.value, ref)) {
      return yield* Either.left(new AlreadyOwned({ object: keyOf(object), existing: existing.value }))
    }
    return upsert(object, ref)
  })

/**
 * Returns `object` with a plain (non-controller) owner reference to `owner`, replacing an
 * existing reference to the same owner (as controller-runtime does, which also drops a
 * `controller` flag on that entry). Same namespace rules as {@link setControllerReference}.
 *
 * @example
 * const shared = yield* Ownership.setOwnerReference(site, secret)
 * @since 0.1.0
 */
export const setOwnerReference = <A extends KubeObject>(owner: KubeObject, object: A): Either.Either<A, InvalidOwner> =>
  Either.gen(function* () {
    const ref = yield* referenceTo(owner)
    yield* validateOwner(owner, object)
    return upsert(object, ref)
  })

/**
 * Returns `object` without its owner reference to `owner` (matched by group, kind and name).
 *
 * @example
 * const orphaned = Ownership.removeOwnerReference(site, deployment)
 * @since 0.1.0
 */
export const removeOwnerReference = <A extends KubeObject>(owner: KubeObject, object: A): A => {
  const refs = object.metadata.ownerReferences
  if (refs === undefined) return object
  const target = {
    apiVersion: owner.apiVersion ?? "",
    kind: owner.kind ?? "",
    name: owner.metadata.name ?? "",
    uid: ""
  }
  const ownerReferences = refs.filter((r) => !referSameObject(r, target))
  return ownerReferences.length === refs.length
    ? object
    : { ...object, metadata: { ...object.metadata, ownerReferences } }
}

/**
 * Following the owner references from `object` led back to an object already on the path.
 * `path` lists the uids from `object` to the repeated one.
 *
 * @example
 * Effect.catchTag("OwnerCycle", (e) => Effect.fail(new TerminalError({ message: e.message })))
 * @since 0.1.0
 */
export class OwnerCycle extends Data.TaggedError("OwnerCycle")<{ readonly path: ReadonlyArray<string> }> {
  override get message(): string {
    return `owner references form a cycle: ${this.path.join(" -> ")}`
  }
}

/**
 * Walks the owner graph upwards from `object` (depth-first, every reference, bounded by
 * `maxDepth`, default 32) and fails with {@link OwnerCycle} if an owner is reached again on the
 * same path. `resolve` looks an owner up (typically in an informer cache; `None` = not found,
 * which ends that branch). Run it before adding an owner reference built from user input.
 *
 * @example
 * yield* Ownership.checkOwnerCycle(candidate, (ref, ns) => Effect.succeed(Option.fromNullable(cache.get(ref.uid))))
 * @since 0.1.0
 */
export const checkOwnerCycle = <E, R>(
  object: KubeObject,
  resolve: (ref: OwnerReference, namespace: string | undefined) => Effect.Effect<Option.Option<KubeObject>, E, R>,
  options?: { readonly maxDepth?: number }
): Effect.Effect<void, OwnerCycle | E, R> => {
  const maxDepth = options?.maxDepth ?? 32
  const uidOf = (o: KubeObject) => o.metadata.uid ?? `<no uid: ${keyOf(o)}>`
  const visit = (current: KubeObject, path: ReadonlyArray<string>): Effect.Effect<void, OwnerCycle | E, R> =>
    Effect.forEach(
      current.metadata.ownerReferences ?? [],
      (ref) => {
        if (path.includes(ref.uid)) return Effect.fail(new OwnerCycle({ path: [...path, ref.uid] }))
        if (path.length >= maxDepth) return Effect.void
        return Effect.flatMap(resolve(ref, current.metadata.namespace), (owner) =>
          Option.isSome(owner) ? visit(owner.value, [...path, ref.uid]) : Effect.void
        )
      },
      { discard: true }
    )
  return visit(object, [uidOf(object)])
}

/**
 * The outcome of {@link createOrUpdate} / {@link createOrPatch}, with the object as stored.
 *
 * @example
 * const { result, object } = yield* Ownership.createOrUpdate(api, template, mutate)
 * @since 0.1.0
 */
export interface OperationResult<A> {
  readonly result: "created" | "updated" | "unchanged"
  readonly object: A
}

/**
 * `mutate` changed the object's name or namespace, which would write a different object.
 *
 * @example
 * Ownership.createOrUpdate(api, cm, (c) => Effect.succeed({ ...c, metadata: { ...c.metadata, name: "other" } })) // fails
 * @since 0.1.0
 */
export class MutationChangedIdentity extends Data.TaggedError("MutationChangedIdentity")<{
  readonly message: string
}> {}

/**
 * Options of {@link createOrUpdate} / {@link createOrPatch}.
 *
 * @example
 * Ownership.createOrUpdate(api, template, mutate, { maxAttempts: 10, fieldManager: "website" })
 * @since 0.1.0
 */
export interface WriteOptions {
  /** Attempts on a write conflict (re-read, mutate again); default 5. */
  readonly maxAttempts?: number
  readonly fieldManager?: string
}

const isRetryableWrite = (e: unknown): boolean =>
  typeof e === "object" && e !== null && "_tag" in e && (e._tag === "Conflict" || e._tag === "AlreadyExists")

const checkIdentity = <A extends KubeObject>(template: A, mutated: A): Effect.Effect<A, MutationChangedIdentity> =>
  mutated.metadata.name === template.metadata.name &&
  (mutated.metadata.namespace ?? "") === (template.metadata.namespace ?? "")
    ? Effect.succeed(mutated)
    : Effect.fail(
        new MutationChangedIdentity({
          message: `mutate must not change the name or namespace of ${keyOf(template)} (got ${keyOf(mutated)})`
        })
      )

const getOption = <A extends KubeObject>(api: Api<A>, object: A): Effect.Effect<Option.Option<A>, KubeError> =>
  Effect.catchTag(
    Effect.map(
      api.get(
        object.metadata.name ?? "",
        object.metadata.namespace ? { namespace: object.metadata.namespace } : undefined
      ),
      Option.some
    ),
    "NotFound",
    () => Effect.succeed(Option.none())
  )

const withRetries = <A, E, R>(attempt: Effect.Effect<A, E, R>, maxAttempts: number): Effect.Effect<A, E, R> =>
  Effect.retry(attempt, { times: Math.max(0, maxAttempts - 1), while: isRetryableWrite })

/**
 * Gets the object named like `object`; if absent, creates `mutate(object)`; otherwise applies
 * `mutate` to the live object and replaces it only if the result differs (deep equality).
 * `mutate` must be deterministic and must not change name or namespace. A `Conflict` (someone
 * wrote in between: the replace carries the read `resourceVersion`) or an `AlreadyExists` on
 * create re-reads and tries again, up to `maxAttempts`.
 *
 * @example
 * const { result } = yield* Ownership.createOrUpdate(configMaps, { metadata: { name: "web", namespace: "default" } }, (cm) =>
 *   Effect.succeed({ ...cm, data: { index: site.spec.page } }))
 * @since 0.1.0
 */
export const createOrUpdate = <A extends KubeObject, E, R>(
  api: Api<A>,
  object: A,
  mutate: (current: A) => Effect.Effect<A, E, R>,
  options?: WriteOptions
): Effect.Effect<OperationResult<A>, E | KubeError | MutationChangedIdentity, R> => {
  const writeOptions = { namespace: object.metadata.namespace, fieldManager: options?.fieldManager }
  const attempt = Effect.gen(function* () {
    const existing = yield* getOption(api, object)
    if (Option.isNone(existing)) {
      const desired = yield* Effect.flatMap(mutate(object), (m) => checkIdentity(object, m))
      const created = yield* api.create(desired, writeOptions)
      return { result: "created", object: created } as const
    }
    const desired = yield* Effect.flatMap(mutate(existing.value), (m) => checkIdentity(object, m))
    if (jsonEqual(existing.value, desired)) return { result: "unchanged", object: existing.value } as const
    const updated = yield* api.replace(desired, writeOptions)
    return { result: "updated", object: updated } as const
  })
  return withRetries(attempt, options?.maxAttempts ?? 5)
}

/**
 * Like {@link createOrUpdate} but writes a JSON merge patch of only what `mutate` changed, so
 * fields set by others are left alone and no conflict can arise from unrelated writes. When the
 * kind has a status subresource, a changed `status` is patched through `/status` separately.
 *
 * @example
 * const { result } = yield* Ownership.createOrPatch(deployments, template, (d) => Effect.succeed(withImage(d, site.spec.image)))
 * @since 0.1.0
 */
export const createOrPatch = <A extends KubeObject, E, R>(
  api: Api<A>,
  object: A,
  mutate: (current: A) => Effect.Effect<A, E, R>,
  options?: WriteOptions
): Effect.Effect<OperationResult<A>, E | KubeError | MutationChangedIdentity, R> => {
  const writeOptions = { namespace: object.metadata.namespace, fieldManager: options?.fieldManager }
  const splitStatus = api.resource.subresources.status
  const attempt = Effect.gen(function* () {
    const existing = yield* getOption(api, object)
    if (Option.isNone(existing)) {
      const desired = yield* Effect.flatMap(mutate(object), (m) => checkIdentity(object, m))
      const created = yield* api.create(desired, writeOptions)
      return { result: "created", object: created } as const
    }
    const before = existing.value
    const desired = yield* Effect.flatMap(mutate(before), (m) => checkIdentity(object, m))
    const name = before.metadata.name ?? ""
    const { status: beforeStatus, ...beforeRest } = asRecord(before)
    const { status: desiredStatus, ...desiredRest } = asRecord(desired)
    const mainDiff = splitStatus ? mergePatchDiff(beforeRest, desiredRest) : mergePatchDiff(before, desired)
    const statusDiff = splitStatus ? mergePatchDiff(beforeStatus, desiredStatus) : undefined
    let current = before
    if (mainDiff !== undefined) current = yield* api.patch(name, Patch.merge(mainDiff), writeOptions)
    if (statusDiff !== undefined) {
      current = yield* api.status.patch(name, Patch.merge({ status: statusDiff }), writeOptions)
    }
    if (mainDiff === undefined && statusDiff === undefined) return { result: "unchanged", object: before } as const
    return { result: "updated", object: current } as const
  })
  return withRetries(attempt, options?.maxAttempts ?? 5)
}
