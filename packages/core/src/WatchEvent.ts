/**
 * Watch events as the apiserver sends them (minus `ERROR`, which a watch stream surfaces as a
 * typed failure).
 *
 * @since 0.1.0
 */
import type { KubeObject } from "./Meta.js"

/**
 * A BOOKMARK carries only a resourceVersion (and, for streaming lists, the
 * `k8s.io/initial-events-end` annotation).
 *
 * @since 0.1.0
 */
export interface Bookmark {
  readonly type: "BOOKMARK"
  readonly object: KubeObject
}

/**
 * One event of a watch stream.
 *
 * @example
 * const onEvent = (e: WatchEvent<KubeObject>) => e.type === "BOOKMARK" ? e.object.metadata.resourceVersion : e.object.metadata.name
 * @since 0.1.0
 */
export type WatchEvent<A> =
  | { readonly type: "ADDED"; readonly object: A }
  | { readonly type: "MODIFIED"; readonly object: A }
  | { readonly type: "DELETED"; readonly object: A }
  | Bookmark

/**
 * The annotation on the BOOKMARK that ends the initial events of a streaming list.
 *
 * @since 0.1.0
 */
export const InitialEventsEndAnnotation = "k8s.io/initial-events-end"

/**
 * Whether a bookmark ends the initial events of a `sendInitialEvents=true` watch.
 *
 * @since 0.1.0
 */
export const isInitialEventsEnd = (event: WatchEvent<unknown>): boolean =>
  event.type === "BOOKMARK" && event.object.metadata.annotations?.[InitialEventsEndAnnotation] === "true"
