import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import type * as Tracer from "effect/Tracer"
import * as Action from "@effect-kube/controller/Action"
import * as Controller from "@effect-kube/controller/Controller"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Resource from "@effect-kube/core/Resource"
import { InformerFactory } from "@effect-kube/processor/InformerFactory"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as Tracing from "../src/Tracing.js"

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
const SPAN = "00f067aa0ba902b7"

const withTraceparent = (value: string) => ({
  metadata: { name: "web", annotations: { [Tracing.traceparentAnnotation]: value } }
})

describe("Tracing", () => {
  it("parses W3C traceparent values and rejects invalid ones", () => {
    const ok = Tracing.parseTraceparent(`00-${TRACE}-${SPAN}-01`)
    expect(Option.map(ok, (s) => [s.traceId, s.spanId, s.sampled])).toEqual(Option.some([TRACE, SPAN, true]))
    expect(Option.map(Tracing.parseTraceparent(`00-${TRACE}-${SPAN}-00`), (s) => s.sampled)).toEqual(Option.some(false))
    // a future version may append fields
    expect(Option.isSome(Tracing.parseTraceparent(`01-${TRACE}-${SPAN}-01-extra`))).toBe(true)
    for (const bad of [
      `ff-${TRACE}-${SPAN}-01`, // forbidden version
      `00-${"0".repeat(32)}-${SPAN}-01`, // zero trace id
      `00-${TRACE}-${"0".repeat(16)}-01`, // zero span id
      `00-${TRACE.toUpperCase()}-${SPAN}-01`, // upper case
      `00-${TRACE}-${SPAN}-01-extra`, // version 00 has exactly four fields
      `00-${TRACE.slice(1)}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-1`,
      "garbage"
    ]) {
      expect(Tracing.parseTraceparent(bad)).toEqual(Option.none())
    }
  })

  it("finds the trace context in the configured annotations", () => {
    expect(Option.isSome(Tracing.traceContextOf(withTraceparent(`00-${TRACE}-${SPAN}-01`)))).toBe(true)
    expect(Tracing.traceContextOf({ metadata: { name: "x" } })).toEqual(Option.none())
    const custom = { metadata: { name: "x", annotations: { "example.com/trace": `00-${TRACE}-${SPAN}-01` } } }
    expect(Tracing.traceContextOf(custom)).toEqual(Option.none())
    expect(Option.isSome(Tracing.traceContextOf(custom, { annotations: ["example.com/trace"] }))).toBe(true)
  })

  it.effect("withReconcileSpan: one span with the key attributes, the result, and a link to the object's trace", () =>
    Effect.gen(function* () {
      let span: Tracer.Span | undefined
      const value = yield* Tracing.withReconcileSpan(
        Effect.tap(Effect.succeed(Action.done), () =>
          Effect.map(Effect.currentSpan, (s) => {
            span = s
          })
        ),
        {
          controller: "website",
          key: "default/web",
          object: withTraceparent(`00-${TRACE}-${SPAN}-01`),
          reconcileID: "r-1",
          resultOf: (action) => (action._tag === "Done" ? "success" : "requeue")
        }
      )
      expect(value).toEqual(Action.done)
      expect(span?.name).toBe("reconcile")
      expect(Object.fromEntries(span?.attributes ?? [])).toEqual({
        controller: "website",
        key: "default/web",
        namespace: "default",
        name: "web",
        reconcileID: "r-1",
        result: "success"
      })
      expect(span?.links.map((l) => [l.span.traceId, l.span.spanId])).toEqual([[TRACE, SPAN]])
      expect(span?.status._tag).toBe("Ended")
    })
  )

  it.effect("linkTraceContext inside a real reconcile links the runner's reconcile span", () =>
    Effect.gen(function* () {
      const spans: Array<Tracer.Span> = []
      const controller = Controller.make({
        name: "tracing-ctrl",
        for: Resource.untyped(Kinds.ConfigMap),
        namespace: "default",
        reconcile: (cm) =>
          Effect.gen(function* () {
            yield* Tracing.linkTraceContext(cm)
            spans.push(yield* Effect.orDie(Effect.currentSpan))
            return Action.done
          })
      })
      yield* Effect.gen(function* () {
        yield* Controller.start(controller)
        for (let i = 0; i < 20; i++) yield* TestClock.adjust("10 millis")
      }).pipe(Effect.scoped, Effect.provide(InformerFactory.layer))
      const byName = new Map(spans.map((s) => [s.attributes.get("name"), s]))
      const traced = byName.get("traced")
      expect(traced?.name).toBe("reconcile")
      expect(traced?.attributes.get("controller")).toBe("tracing-ctrl")
      expect(traced?.attributes.get("result")).toBe("success")
      expect(traced?.links.map((l) => l.span.traceId)).toEqual([TRACE])
      expect(byName.get("plain")?.links).toEqual([])
    }).pipe(
      Effect.provide(
        TestKube.layer({
          objects: [
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: {
                name: "traced",
                namespace: "default",
                annotations: { [Tracing.traceparentAnnotation]: `00-${TRACE}-${SPAN}-01` }
              }
            },
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plain", namespace: "default" } }
          ]
        })
      )
    )
  )

  it.effect("OpenTelemetry export: one reconcile → one exported span with key, result and the annotation's link", () =>
    Effect.gen(function* () {
      const memory = new InMemorySpanExporter()
      const controller = Controller.make({
        name: "otel-ctrl",
        for: Resource.untyped(Kinds.ConfigMap),
        namespace: "default",
        reconcile: (cm) => Effect.as(Tracing.linkTraceContext(cm), Action.done)
      })
      // Read before the layer is released: shutting the provider down clears the memory exporter.
      const finished = yield* Effect.gen(function* () {
        yield* Controller.start(controller)
        for (let i = 0; i < 20; i++) yield* TestClock.adjust("10 millis")
        return memory.getFinishedSpans()
      }).pipe(
        Effect.scoped,
        Effect.provide(InformerFactory.layer),
        Effect.provide(
          Tracing.layer({ exporter: Tracing.exporter(memory, { serviceName: "otel-test", processor: "simple" }) })
        )
      )
      const spans = finished.filter((s) => s.name === "reconcile")
      expect(spans).toHaveLength(1)
      const [span] = spans
      expect(span?.attributes).toMatchObject({
        controller: "otel-ctrl",
        key: "default/traced",
        namespace: "default",
        name: "traced",
        result: "success"
      })
      expect(span?.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[TRACE, SPAN]])
      expect(span?.resource.attributes["service.name"]).toBe("otel-test")
    }).pipe(
      Effect.provide(
        TestKube.layer({
          objects: [
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: {
                name: "traced",
                namespace: "default",
                annotations: { [Tracing.traceparentAnnotation]: `00-${TRACE}-${SPAN}-01` }
              }
            }
          ]
        })
      )
    )
  )

  it.effect("layerFromEnv exports nothing without OTEL_EXPORTER_OTLP_ENDPOINT", () =>
    Effect.gen(function* () {
      const tracer = yield* Effect.tracer
      expect(tracer).toBe(yield* Effect.provide(Effect.tracer, Layer.empty))
    }).pipe(
      Effect.provide(Tracing.layerFromEnv({ serviceName: "x" })),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
    )
  )
})
