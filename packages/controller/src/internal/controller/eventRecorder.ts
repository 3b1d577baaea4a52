import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { Api } from "@effect-kube/client/Api"
import type { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeError } from "@effect-kube/core/Errors"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import type * as ObjectKey from "@effect-kube/core/ObjectKey"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"

/** @internal */
export const dropped = Metric.counter("event_recorder_dropped_total", {
  description: "Events dropped because the recorder's queue was full",
  incremental: true
})

/** @internal */
export const spamFiltered = Metric.counter("event_recorder_spam_filtered_total", {
  description: "Events discarded by the per source+object spam filter",
  incremental: true
})

/** @internal */
export const writes = Metric.counter("event_recorder_writes_total", {
  description: "Event writes by operation (create, series)",
  incremental: true
})

/** @internal */
export const writeFailures = Metric.counter("event_recorder_write_failures_total", {
  description: "Event writes that failed after retries",
  incremental: true
})

/** A reference to an object as Events carry it (core/v1 ObjectReference). @internal */
export interface Reference {
  readonly apiVersion?: string
  readonly kind?: string
  readonly namespace?: string
  readonly name: string
  readonly uid?: string
}

/** @internal */
export interface Input {
  readonly type: "Normal" | "Warning"
  readonly reason: string
  readonly action: string
  readonly note?: string
  readonly related?: KubeObject | ObjectKey.ObjectRef
}

/** @internal */
export interface Config {
  readonly reportingController: string
  readonly reportingInstance: string
  readonly queueSize: number
  readonly seriesWindowMillis: number
  readonly spamBurst: number
  readonly spamRefillMillis: number
  readonly retries: number
}

/** @internal */
export interface Stats {
  readonly accepted: number
  readonly processed: number
  readonly created: number
  readonly seriesUpdates: number
  readonly dropped: number
  readonly filtered: number
  readonly failed: number
  readonly api: "events.k8s.io/v1" | "v1"
}

/** @internal */
export interface Recorder {
  readonly record: (regarding: KubeObject | ObjectKey.ObjectRef, input: Input) => Effect.Effect<void>
  readonly flush: Effect.Effect<void>
  readonly stats: Effect.Effect<Stats>
}

interface Item {
  readonly regarding: Reference
  readonly related: Reference | undefined
  readonly type: string
  readonly reason: string
  readonly action: string
  readonly note: string | undefined
  readonly time: number
}

interface Series {
  readonly name: string
  readonly namespace: string
  readonly api: "events.k8s.io/v1" | "v1"
  readonly firstTime: number
  count: number
  lastObserved: number
}

interface Bucket {
  tokens: number
  last: number
}

const isObject = (u: KubeObject | ObjectKey.ObjectRef): u is KubeObject => "metadata" in u

/** @internal */
export const referenceOf = (u: KubeObject | ObjectKey.ObjectRef): Reference => {
  if (isObject(u)) {
    const { namespace, name, uid } = u.metadata
    return {
      ...(u.apiVersion !== undefined ? { apiVersion: u.apiVersion } : {}),
      ...(u.kind !== undefined ? { kind: u.kind } : {}),
      ...(namespace ? { namespace } : {}),
      name: name ?? "",
      ...(uid !== undefined ? { uid } : {})
    }
  }
  return {
    apiVersion: u.apiVersion,
    kind: u.kind,
    ...(u.namespace ? { namespace: u.namespace } : {}),
    name: u.name,
    ...(u.uid !== undefined ? { uid: u.uid } : {})
  }
}

const refId = (r: Reference): string =>
  `${r.apiVersion ?? ""}|${r.kind ?? ""}|${r.namespace ?? ""}|${r.name}|${r.uid ?? ""}`

// `metav1.MicroTime`: RFC 3339 with microseconds.
const microTime = (millis: number): string => `${new Date(millis).toISOString().slice(0, 23)}000Z`
// `metav1.Time`: RFC 3339, seconds.
const time = (millis: number): string => `${new Date(Math.floor(millis / 1000) * 1000).toISOString().slice(0, 19)}Z`

// The apiserver limits: note ≤ 1 kB (events.k8s.io), reason and action ≤ 128 characters.
const truncateBytes = (s: string, max: number): string => {
  if (Buffer.byteLength(s, "utf8") <= max) return s
  let out = s.slice(0, max)
  while (Buffer.byteLength(out, "utf8") > max - 3) out = out.slice(0, -1)
  return `${out}...`
}
const truncate = (s: string, max: number): string => (s.length <= max ? s : s.slice(0, max))

const isNotFound = (e: KubeError): boolean => e._tag === "NotFound"

/** @internal */
export const make = (kube: Context.Tag.Service<KubeApi>, config: Config): Effect.Effect<Recorder, never, Scope.Scope> =>
  Effect.gen(function* () {
    const labels = [MetricLabel.make("reporting_controller", config.reportingController)]
    const createLabels = [...labels, MetricLabel.make("operation", "create")]
    const seriesLabels = [...labels, MetricLabel.make("operation", "series")]
    dropped.unsafeUpdate(0, labels)
    spamFiltered.unsafeUpdate(0, labels)
    writes.unsafeUpdate(0, createLabels)
    writes.unsafeUpdate(0, seriesLabels)
    writeFailures.unsafeUpdate(0, labels)

    const queue = yield* Queue.dropping<Item>(config.queueSize)
    yield* Effect.addFinalizer(() => Queue.shutdown(queue))
    const processed = yield* SubscriptionRef.make(0)
    const series = new Map<string, Series>()
    const buckets = new Map<string, Bucket>()
    let api: "events.k8s.io/v1" | "v1" = "events.k8s.io/v1"
    let accepted = 0
    let created = 0
    let seriesUpdates = 0
    let droppedCount = 0
    let filteredCount = 0
    let failedCount = 0
    let sequence = 0

    const eventsApi: Api<KubeObject> = kube.resource(Resource.untyped(Kinds.Event))
    const coreApi: Api<KubeObject> = kube.resource(Resource.untyped(Kinds.CoreEvent))

    // client-go's EventSourceObjectSpamFilter: a token bucket per source + object.
    const allow = (regarding: Reference, now: number): boolean => {
      const id = refId(regarding)
      const bucket = buckets.get(id)
      if (bucket === undefined) {
        buckets.set(id, { tokens: config.spamBurst - 1, last: now })
        return true
      }
      const refill = config.spamRefillMillis > 0 ? (now - bucket.last) / config.spamRefillMillis : config.spamBurst
      bucket.tokens = Math.min(config.spamBurst, bucket.tokens + refill)
      bucket.last = now
      if (bucket.tokens < 1) return false
      bucket.tokens -= 1
      return true
    }

    const record = (regarding: KubeObject | ObjectKey.ObjectRef, input: Input): Effect.Effect<void> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          const ref = referenceOf(regarding)
          if (!allow(ref, now)) {
            filteredCount++
            spamFiltered.unsafeUpdate(1, labels)
            return
          }
          const item: Item = {
            regarding: ref,
            related: input.related === undefined ? undefined : referenceOf(input.related),
            type: input.type,
            reason: truncate(input.reason, 128),
            action: truncate(input.action, 128),
            note: input.note === undefined ? undefined : truncateBytes(input.note, 1024),
            time: now
          }
          if (queue.unsafeOffer(item)) {
            accepted++
          } else {
            droppedCount++
            dropped.unsafeUpdate(1, labels)
          }
        })
      )

    const retrying = <A>(effect: Effect.Effect<A, KubeError>): Effect.Effect<A, KubeError> =>
      Effect.retry(effect, {
        schedule: Schedule.exponential("500 millis"),
        times: config.retries,
        while: (e) => e.retryable
      })

    const eventName = (item: Item): string => {
      sequence = (sequence + 1) % 1_000_000
      const suffix = (BigInt(item.time) * 1_000_000n + BigInt(sequence)).toString(16)
      const base = item.regarding.name === "" ? "event" : item.regarding.name
      return `${base.slice(0, 253 - suffix.length - 1)}.${suffix}`
    }

    const namespaceOf = (item: Item): string => item.regarding.namespace ?? "default"

    const eventsBody = (item: Item, name: string): KubeObject => ({
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name, namespace: namespaceOf(item) },
      eventTime: microTime(item.time),
      reportingController: config.reportingController,
      reportingInstance: config.reportingInstance,
      action: item.action,
      reason: item.reason,
      type: item.type,
      regarding: item.regarding,
      ...(item.related !== undefined ? { related: item.related } : {}),
      ...(item.note !== undefined ? { note: item.note } : {})
    })

    const coreBody = (item: Item, name: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace: namespaceOf(item) },
      involvedObject: item.regarding,
      ...(item.related !== undefined ? { related: item.related } : {}),
      reason: item.reason,
      message: item.note ?? "",
      type: item.type,
      action: item.action,
      source: { component: config.reportingController },
      reportingComponent: config.reportingController,
      reportingInstance: config.reportingInstance,
      firstTimestamp: time(item.time),
      lastTimestamp: time(item.time),
      count: 1
    })

    const create = (item: Item): Effect.Effect<Series, KubeError> => {
      const name = eventName(item)
      const namespace = namespaceOf(item)
      const entry = (which: "events.k8s.io/v1" | "v1"): Series => ({
        name,
        namespace,
        api: which,
        firstTime: item.time,
        count: 1,
        lastObserved: item.time
      })
      const viaCore = Effect.as(retrying(coreApi.create(coreBody(item, name), { namespace })), entry("v1"))
      if (api === "v1") return viaCore
      return Effect.catchIf(
        Effect.as(retrying(eventsApi.create(eventsBody(item, name), { namespace })), entry("events.k8s.io/v1")),
        isNotFound,
        // events.k8s.io may not be served (old or trimmed apiservers): if core/v1 takes the same
        // event, stay on core/v1. A 404 of both is something else (a missing namespace).
        () =>
          Effect.tap(viaCore, () =>
            Effect.suspend(() => {
              if (api === "v1") return Effect.void
              api = "v1"
              return Effect.logInfo("events.k8s.io/v1 is not served; recording core/v1 Events instead")
            })
          )
      )
    }

    const patchSeries = (entry: Series, item: Item): Effect.Effect<void, KubeError> => {
      const options = { namespace: entry.namespace }
      return entry.api === "events.k8s.io/v1"
        ? Effect.asVoid(
            retrying(
              eventsApi.patch(
                entry.name,
                Patch.merge({ series: { count: entry.count, lastObservedTime: microTime(item.time) } }),
                options
              )
            )
          )
        : Effect.asVoid(
            retrying(
              coreApi.patch(entry.name, Patch.merge({ count: entry.count, lastTimestamp: time(item.time) }), options)
            )
          )
    }

    const seriesKey = (item: Item): string =>
      [
        refId(item.regarding),
        item.related === undefined ? "" : refId(item.related),
        item.type,
        item.reason,
        item.action
      ].join("\u0000")

    const process = (item: Item): Effect.Effect<void> => {
      const key = seriesKey(item)
      const existing = series.get(key)
      const fresh = Effect.matchEffect(create(item), {
        onSuccess: (entry) =>
          Effect.sync(() => {
            series.set(key, entry)
            created++
            writes.unsafeUpdate(1, createLabels)
          }),
        onFailure: (e) => failed(item, e)
      })
      if (existing === undefined || item.time - existing.lastObserved > config.seriesWindowMillis) return fresh
      existing.count++
      existing.lastObserved = item.time
      return Effect.matchEffect(patchSeries(existing, item), {
        onSuccess: () =>
          Effect.sync(() => {
            seriesUpdates++
            writes.unsafeUpdate(1, seriesLabels)
          }),
        // The Event expired (1 h TTL) or was deleted: start a new one.
        onFailure: (e) => (isNotFound(e) ? fresh : failed(item, e))
      })
    }

    const failed = (item: Item, e: KubeError): Effect.Effect<void> =>
      Effect.zipRight(
        Effect.sync(() => {
          failedCount++
          writeFailures.unsafeUpdate(1, labels)
        }),
        Effect.logWarning(
          `could not record event ${item.reason} for ${item.regarding.kind ?? "object"} ${item.regarding.namespace ? `${item.regarding.namespace}/` : ""}${item.regarding.name}: ${e._tag}: ${e.message}`
        )
      )

    yield* Effect.forkScoped(
      Effect.forever(
        Effect.flatMap(Queue.take(queue), (item) =>
          Effect.zipRight(
            process(item),
            SubscriptionRef.update(processed, (n) => n + 1)
          )
        )
      )
    )

    // client-go finishes series older than the window every window; also forget full buckets.
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.zipRight(
          Effect.sleep(config.seriesWindowMillis),
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.sync(() => {
              for (const [key, entry] of series) {
                if (now - entry.lastObserved > config.seriesWindowMillis) series.delete(key)
              }
              for (const [key, bucket] of buckets) {
                if (now - bucket.last >= config.spamBurst * config.spamRefillMillis) buckets.delete(key)
              }
            })
          )
        )
      )
    )

    const flush = Effect.suspend(() => {
      const target = accepted
      return processed.changes.pipe(
        Stream.takeUntil((n) => n >= target),
        Stream.runDrain
      )
    })

    return {
      record,
      flush,
      stats: Effect.map(SubscriptionRef.get(processed), (n) => ({
        accepted,
        processed: n,
        created,
        seriesUpdates,
        dropped: droppedCount,
        filtered: filteredCount,
        failed: failedCount,
        api
      }))
    }
  })
