/**
 * @effect-kube/store — the informer cache: synchronous indexed reads, atomic relists, Changes.
 *
 * @since 0.1.0
 */
export * as Store from "./Store.js"
export type { Change, Indexer, Writer } from "./Store.js"
