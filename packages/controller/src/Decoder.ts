/**
 * Typed decode at the controller boundary. Informer caches hold untyped `KubeObject`s (no Schema
 * decode per watch event); a controller decodes an object with its kind's Schema only when it
 * reconciles it, and a {@link Decoder} remembers the result per object uid + resourceVersion so a
 * requeued or resynced object that did not change is not decoded again.
 *
 * A decode failure is a value (`Either.left(DecodeError)`), never a throw: the controller turns
 * it into a typed error for that key.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as ObjectKey from "@effect-kube/core/ObjectKey"

/**
 * A decode result and whether it was computed by this call (`fresh`) or taken from the memo.
 *
 * @example
 * const { result, fresh } = decoder.decodeFresh(raw)
 * if (fresh && Either.isLeft(result)) yield* recordWarning(raw, result.left)
 * @since 0.1.0
 */
export interface Decoded<A> {
  readonly result: Either.Either<A, DecodeError>
  readonly fresh: boolean
}

/**
 * Counters of a decoder.
 *
 * @example
 * const { hits, misses, size } = decoder.stats()
 * @since 0.1.0
 */
export interface Stats {
  /** Decodes answered from the memo. */
  readonly hits: number
  /** Decodes that ran the Schema. */
  readonly misses: number
  /** Objects remembered. */
  readonly size: number
}

/**
 * A memoising decoder of one kind. Synchronous and single-threaded by design (plain `Map`); one
 * entry per object (the latest resourceVersion seen), removed by {@link Decoder.forget}.
 *
 * @example
 * const decoder = Decoder.make(Website)
 * const site = decoder.decode(raw) // Either<Website, DecodeError>
 * @since 0.1.0
 */
export interface Decoder<A> {
  readonly kind: string
  /** Decodes `object`, from the memo when its uid and resourceVersion were decoded before. */
  readonly decode: (object: KubeObject) => Either.Either<A, DecodeError>
  /** {@link Decoder.decode}, also saying whether the Schema ran now. */
  readonly decodeFresh: (object: KubeObject) => Decoded<A>
  /** Drops what is remembered about `object` (call it when the object is deleted). */
  readonly forget: (object: KubeObject) => void
  readonly stats: () => Stats
}

interface Entry<A> {
  readonly resourceVersion: string
  readonly result: Either.Either<A, DecodeError>
}

// Objects without a uid (fakes, dry runs) are remembered by key; real objects always have one.
const identity = (object: KubeObject): string => object.metadata.uid ?? `key:${ObjectKey.key(object)}`

/**
 * What a {@link Decoder} needs of a kind (every `Resource<A, I>` is one).
 *
 * @example
 * const kind: Decoder.Decodable<ConfigMap> = Kinds.ConfigMap
 * @since 0.1.0
 */
export interface Decodable<A> {
  readonly kind: string
  /** False for unstructured kinds, whose decode is a cheap structural check. */
  readonly typed: boolean
  readonly decode: (u: unknown) => Either.Either<A, DecodeError>
}

/**
 * A memoising decoder for `resource`. Objects without a `resourceVersion` are decoded every time
 * (nothing proves two of them equal). Untyped kinds (`resource.typed === false`) are checked
 * structurally and never memoised: that check is cheaper than the lookup.
 *
 * @example
 * const decoder = Decoder.make(Kinds.ConfigMap)
 * decoder.decode(raw) // Right(ConfigMap) — the second call for the same uid+resourceVersion is a Map hit
 * @since 0.1.0
 */
export const make = <A extends KubeObject>(resource: Decodable<A>): Decoder<A> => {
  const memo = new Map<string, Entry<A>>()
  let hits = 0
  let misses = 0
  const decodeFresh = (object: KubeObject): Decoded<A> => {
    const resourceVersion = object.metadata.resourceVersion
    if (!resource.typed || resourceVersion === undefined || resourceVersion === "") {
      misses++
      return { result: resource.decode(object), fresh: true }
    }
    const id = identity(object)
    const entry = memo.get(id)
    if (entry !== undefined && entry.resourceVersion === resourceVersion) {
      hits++
      return { result: entry.result, fresh: false }
    }
    misses++
    const result = resource.decode(object)
    memo.set(id, { resourceVersion, result })
    return { result, fresh: true }
  }
  return {
    kind: resource.kind,
    decode: (object) => decodeFresh(object).result,
    decodeFresh,
    forget: (object) => {
      memo.delete(identity(object))
    },
    stats: () => ({ hits, misses, size: memo.size })
  }
}
