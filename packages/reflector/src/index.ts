/**
 * @effect-kube/reflector — the list+watch state machine (`Watcher`) and its bridge into the
 * store (`Reflector`).
 *
 * @since 0.1.0
 */
export * as Reflector from "./Reflector.js"
export * as Watcher from "./Watcher.js"
export type { WatcherEvent, WatcherHandle, WatcherOptions, WatcherStatus } from "./Watcher.js"
