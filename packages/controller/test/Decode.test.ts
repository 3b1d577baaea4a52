/**
 * Typed decode at the controller boundary: the Decoder memoises per uid + resourceVersion, and
 * an object that fails its Schema becomes a typed DecodeError for its key (plus one Warning
 * Event per bad version) — never a crash, and other objects are unaffected.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"
import { InformerFactory } from "@effect-kube/processor/InformerFactory"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as Action from "../src/Action.js"
import * as Controller from "../src/Controller.js"
import * as Decoder from "../src/Decoder.js"
import * as EventRecorder from "../src/EventRecorder.js"

let schemaRuns = 0
const CountedSize = Schema.Number.pipe(
  Schema.filter((n) => {
    schemaRuns++
    return n >= 0 && n <= 100 ? undefined : `size ${n} is outside 0..100`
  })
)

const Widget = Resource.custom({
  group: "example.com",
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  spec: Schema.Struct({ size: CountedSize })
})

const widget = (name: string, size: unknown, rv?: string, uid?: string): KubeObject => ({
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: {
    name,
    namespace: "default",
    ...(rv !== undefined ? { resourceVersion: rv } : {}),
    ...(uid !== undefined ? { uid } : {})
  },
  spec: { size }
})

describe("Decoder", () => {
  it("decodes once per uid + resourceVersion, again when either changes, and forgets deleted objects", () => {
    const decoder = Decoder.make(Widget)
    schemaRuns = 0
    const v1 = widget("a", 1, "10", "u1")
    expect(Either.getOrThrow(decoder.decode(v1)).spec.size).toBe(1)
    expect(decoder.decodeFresh(v1).fresh).toBe(false)
    expect(decoder.decodeFresh(structuredClone(v1)).fresh).toBe(false) // equal by uid + rv, not identity
    const perDecode = schemaRuns // the Schema's filter runs a fixed number of times per decode
    expect(perDecode).toBeGreaterThan(0)
    expect(Either.getOrThrow(decoder.decode(widget("a", 2, "11", "u1"))).spec.size).toBe(2)
    expect(decoder.decodeFresh(widget("a", 2, "11", "u2")).fresh).toBe(true) // recreated: new uid
    expect(schemaRuns).toBe(3 * perDecode)
    expect(decoder.stats()).toEqual({ hits: 2, misses: 3, size: 2 })
    decoder.forget(widget("a", 2, "11", "u1"))
    decoder.forget(widget("a", 2, "11", "u2"))
    expect(decoder.stats().size).toBe(0)
  })

  it("memoises failures too, as a typed DecodeError naming kind, key and resourceVersion", () => {
    const decoder = Decoder.make(Widget)
    const bad = widget("b", 500, "7", "u-b")
    const first = decoder.decodeFresh(bad)
    expect(first.fresh).toBe(true)
    const error = Either.flip(first.result).pipe(Either.getOrThrow)
    expect(error).toMatchObject({ _tag: "DecodeError", kind: "Widget", key: "default/b", resourceVersion: "7" })
    expect(error.message).toContain("size 500 is outside 0..100")
    expect(decoder.decodeFresh(bad)).toMatchObject({ fresh: false, result: first.result })
  })

  it("never memoises objects without a resourceVersion, nor untyped kinds", () => {
    const decoder = Decoder.make(Widget)
    schemaRuns = 0
    decoder.decode(widget("c", 1, undefined, "u-c"))
    const perDecode = schemaRuns
    decoder.decode(widget("c", 1, undefined, "u-c"))
    expect(perDecode).toBeGreaterThan(0)
    expect(schemaRuns).toBe(2 * perDecode)
    const untyped = Decoder.make(Resource.untyped(Widget))
    untyped.decode(widget("c", 1, "1", "u-c"))
    expect(untyped.stats()).toEqual({ hits: 0, misses: 1, size: 0 })
  })
})

const TestLayer = Layer.mergeAll(
  InformerFactory.layer,
  EventRecorder.EventRecorder.layer({ reportingController: "example.com/widgets", reportingInstance: "t" })
).pipe(Layer.provideMerge(TestKube.layer({ kinds: [Widget] })))

const eventually = (check: () => boolean, what: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let i = 0; i < 20_000; i++) {
      if (check()) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`eventually: ${what} never held`)
  })

describe("Controller decode failures", () => {
  it.effect(
    "an object failing its Schema reaches the error policy as a DecodeError with a Warning Event; others reconcile",
    () =>
      Effect.gen(function* () {
        const api = (yield* KubeApi).resource(Resource.untyped(Widget), { namespace: "default" })
        const server = yield* ApiServer
        const recorder = yield* EventRecorder.EventRecorder
        yield* api.create(widget("good", 5))
        yield* api.create(widget("bad", 500))
        const reconciled: Array<string> = []
        yield* Controller.start(
          Controller.make({
            name: "decode-failures",
            for: Widget,
            reconcile: (w, ctx) =>
              Effect.sync(() => reconciled.push(`${ctx.name}:${w.spec.size}`)).pipe(Effect.as(Action.done))
          })
        )
        const errors = Controller.metricsFor("decode-failures").reconcileErrors
        yield* eventually(() => reconciled.includes("good:5"), "good reconciled")
        for (let i = 0; i < 200 && (yield* Metric.value(errors)).count < 1; i++) yield* Effect.yieldNow()
        expect((yield* Metric.value(errors)).count).toBe(1)

        // retried with backoff; the same bad version is not decoded again, nor reported again
        schemaRuns = 0
        yield* TestClock.adjust("5 millis")
        for (let i = 0; i < 200 && (yield* Metric.value(errors)).count < 2; i++) yield* Effect.yieldNow()
        yield* TestClock.adjust("10 millis")
        for (let i = 0; i < 200 && (yield* Metric.value(errors)).count < 3; i++) yield* Effect.yieldNow()
        expect((yield* Metric.value(errors)).count).toBe(3)
        expect(schemaRuns).toBe(0)
        yield* recorder.flush
        const warnings = (yield* server.list(Kinds.Event, "default")).filter(
          (e) => e.reason === "DecodeFailed" && e.type === "Warning"
        )
        expect(warnings.length).toBe(1)
        expect(warnings[0]).toMatchObject({
          regarding: { apiVersion: "example.com/v1", kind: "Widget", name: "bad", namespace: "default" },
          action: "Reconcile"
        })
        expect(String(warnings[0].note)).toContain("size 500 is outside 0..100")
        expect(reconciled).toEqual(["good:5"])

        // fixing the object reconciles it
        yield* api.patch("bad", Patch.merge({ spec: { size: 50 } }))
        yield* eventually(() => reconciled.includes("bad:50"), "fixed object reconciled")
      }).pipe(Effect.scoped, Effect.provide(TestLayer))
  )
})
