/**
 * Test helpers: a scripted watcher source (events pushed by the test), a recording handler, and
 * a bounded "wait until" that fails instead of hanging.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { KubeObject } from "@effect-kube/core/Meta"
import type { WatcherEvent, WatcherHandle, WatcherStatus } from "@effect-kube/reflector/Watcher"
import type { Handler, Target } from "../src/SharedInformer.js"

export const cm = (name: string, rv: string, namespace = "default", labels?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, resourceVersion: rv, labels },
  data: { k: name }
})

export const initialStatus: WatcherStatus = {
  phase: "Starting",
  healthy: false,
  synced: false,
  lastError: Option.none(),
  lastErrorAt: Option.none(),
  failures: 0,
  consecutiveFailures: 0,
  relists: 0,
  lastSyncTime: Option.none(),
  initialList: "ListWatch"
}

export const target = (kind: string, namespace = "default"): Target => ({
  kind,
  plural: `${kind.toLowerCase()}s`,
  group: "",
  namespace,
  labelSelector: undefined,
  fieldSelector: undefined
})

export const clusterTarget = (kind: string, group: string): Target => ({
  kind,
  plural: `${kind.toLowerCase()}s`,
  group,
  namespace: undefined,
  labelSelector: undefined,
  fieldSelector: undefined
})

export interface FakeSource {
  readonly handle: WatcherHandle<KubeObject>
  readonly send: (...events: ReadonlyArray<WatcherEvent<KubeObject>>) => Effect.Effect<void>
  /** Sends Init, InitApply per object, InitDone. */
  readonly relistWith: (rv: string, ...objects: ReadonlyArray<KubeObject>) => Effect.Effect<void>
  readonly relists: () => number
}

export const fakeSource: Effect.Effect<FakeSource> = Effect.gen(function* () {
  const queue = yield* Queue.unbounded<WatcherEvent<KubeObject>>()
  const status = yield* SubscriptionRef.make(initialStatus)
  let relists = 0
  const send = (...events: ReadonlyArray<WatcherEvent<KubeObject>>) => Effect.asVoid(Queue.offerAll(queue, events))
  return {
    handle: {
      events: Stream.fromQueue(queue),
      status,
      relist: Effect.sync(() => {
        relists++
      })
    },
    send,
    relistWith: (rv, ...objects) =>
      send({ _tag: "Init" }, ...objects.map((object): WatcherEvent<KubeObject> => ({ _tag: "InitApply", object })), {
        _tag: "InitDone",
        resourceVersion: rv
      }),
    relists: () => relists
  }
})

/** Retries `check` (yielding to other fibers in between) until it holds; fails after `tries`. */
export const eventually = (check: () => boolean, what = "condition", tries = 10_000): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let i = 0; i < tries; i++) {
      if (check()) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`eventually: ${what} never held`)
  })

/** Same, with an effectful check. */
export const eventuallyEffect = (
  check: Effect.Effect<boolean>,
  what = "condition",
  tries = 10_000
): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let i = 0; i < tries; i++) {
      if (yield* check) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`eventually: ${what} never held`)
  })

const rv = (o: KubeObject) => o.metadata.resourceVersion ?? "?"

/** A handler that records every call as a line: `add a@1 initial`, `update a 1->2 sync`, `delete a@3 unknown`. */
export const recorder = (): { readonly log: Array<string>; readonly handler: Handler<KubeObject> } => {
  const log: Array<string> = []
  return {
    log,
    handler: {
      onAdd: (o, initial) => Effect.sync(() => log.push(`add ${o.metadata.name}@${rv(o)}${initial ? " initial" : ""}`)),
      onUpdate: (old, o, sync) =>
        Effect.sync(() => log.push(`update ${o.metadata.name} ${rv(old)}->${rv(o)}${sync ? " sync" : ""}`)),
      onDelete: (o, unknown) =>
        Effect.sync(() => log.push(`delete ${o.metadata.name}@${rv(o)}${unknown ? " unknown" : ""}`))
    }
  }
}

/**
 * A handler that replays what it is told into a replica map and records every inconsistency:
 * an update/delete of a key it was never told was added, or a second add without a delete.
 */
export const replicaHandler = (): {
  readonly replica: Map<string, KubeObject>
  readonly violations: Array<string>
  readonly handler: Handler<KubeObject>
} => {
  const replica = new Map<string, KubeObject>()
  const violations: Array<string> = []
  const key = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`
  return {
    replica,
    violations,
    handler: {
      onAdd: (o) =>
        Effect.sync(() => {
          if (replica.has(key(o))) violations.push(`duplicate add ${key(o)}`)
          replica.set(key(o), o)
        }),
      onUpdate: (old, o) =>
        Effect.sync(() => {
          const known = replica.get(key(o))
          if (known === undefined) violations.push(`update of unknown ${key(o)}`)
          else if (known !== old && known.metadata.resourceVersion !== old.metadata.resourceVersion)
            violations.push(`update of ${key(o)} from a state it never saw`)
          replica.set(key(o), o)
        }),
      onDelete: (o) =>
        Effect.sync(() => {
          if (!replica.has(key(o))) violations.push(`delete of unknown ${key(o)}`)
          replica.delete(key(o))
        })
    }
  }
}
