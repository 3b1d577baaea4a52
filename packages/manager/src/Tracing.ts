/**
 * Tracing of reconciles on Effect's built-in tracer. The controller runner opens one
 * `reconcile` span per reconcile (attributes `controller`, `key`, `namespace`, `name`,
 * `reconcileID`, and `result` when it ends). This module adds:
 *
 * - W3C trace context on objects: a `traceparent` annotation (written by whatever created or
 *   changed the object — a CI pipeline, an API gateway, another controller) becomes a **span
 *   link** on the reconcile span, so a trace of "who asked for this" leads to "what the operator
 *   did about it". A link, not a parent: one reconcile serves many changes (level-based).
 * - {@link layer}: exporting is off by default (spans stay in-process, nothing is sent); pass an
 *   exporter layer — {@link otlp} (OTLP/HTTP), {@link exporter} (any OpenTelemetry
 *   `SpanExporter`), or your own `@effect/opentelemetry` setup — to turn it on;
 *   {@link layerFromEnv} turns OTLP on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
 *
 * @since 0.1.0
 */
import * as OtelResource from "@effect/opentelemetry/Resource"
import * as OtelTracer from "@effect/opentelemetry/Tracer"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter
} from "@opentelemetry/sdk-trace-base"
import * as Config from "effect/Config"
import type { ConfigError } from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import type { KubeObject } from "@effect-kube/core/Meta"

/**
 * The default annotation holding a W3C `traceparent` value.
 *
 * @example
 * metadata: { annotations: { [Tracing.traceparentAnnotation]: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } }
 * @since 0.1.0
 */
export const traceparentAnnotation = "effect-kube.io/traceparent"

const hex = /^[0-9a-f]+$/

/**
 * Parses a W3C `traceparent` header value (`version-traceid-parentid-flags`). Rejects version
 * `ff`, all-zero ids and malformed fields; accepts future versions' extra fields as the spec asks.
 *
 * @example
 * Tracing.parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
 * // Some(ExternalSpan { traceId: "4bf9…", spanId: "00f0…", sampled: true })
 * @since 0.1.0
 */
export const parseTraceparent = (value: string): Option.Option<Tracer.ExternalSpan> => {
  const v = value.trim()
  const [version = "", traceId = "", spanId = "", flags = ""] = v.split("-")
  if (version.length !== 2 || !hex.test(version) || version === "ff") return Option.none()
  if (version === "00" ? v.length !== 55 : v.length < 55 || (v.length > 55 && v[55] !== "-")) return Option.none()
  if (traceId.length !== 32 || !hex.test(traceId) || /^0+$/.test(traceId)) return Option.none()
  if (spanId.length !== 16 || !hex.test(spanId) || /^0+$/.test(spanId)) return Option.none()
  if (flags.length !== 2 || !hex.test(flags)) return Option.none()
  return Option.some(Tracer.externalSpan({ traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 }))
}

/**
 * Options of {@link traceContextOf}.
 *
 * @example
 * Tracing.traceContextOf(site, { annotations: ["example.com/traceparent"] })
 * @since 0.1.0
 */
export interface TraceContextOptions {
  /** Annotation keys to look at, in order (default `[traceparentAnnotation]`). */
  readonly annotations?: ReadonlyArray<string>
}

/**
 * The trace context an object carries in its annotations, if any (and valid).
 *
 * @example
 * const origin = Tracing.traceContextOf(site) // Option<ExternalSpan>
 * @since 0.1.0
 */
export const traceContextOf = (
  object: Pick<KubeObject, "metadata">,
  options: TraceContextOptions = {}
): Option.Option<Tracer.ExternalSpan> => {
  const annotations = object.metadata.annotations
  if (annotations === undefined) return Option.none()
  for (const key of options.annotations ?? [traceparentAnnotation]) {
    const value = annotations[key]
    if (value !== undefined) {
      const parsed = parseTraceparent(value)
      if (Option.isSome(parsed)) return parsed
    }
  }
  return Option.none()
}

/**
 * Links the current span (the reconcile span, inside a reconcile) to the trace context the object
 * carries; a no-op when it carries none. Call it at the start of a reconcile.
 *
 * @example
 * reconcile: (site) => Effect.gen(function* () {
 *   yield* Tracing.linkTraceContext(site)
 *   // …
 * })
 * @since 0.1.0
 */
export const linkTraceContext = (
  object: Pick<KubeObject, "metadata">,
  options: TraceContextOptions = {}
): Effect.Effect<void> =>
  Option.match(traceContextOf(object, options), {
    onNone: () => Effect.void,
    onSome: (span) => Effect.linkSpanCurrent(span, { "k8s.object.trace_context": "annotation" })
  })

/**
 * Wraps `effect` in a `reconcile` span with the reconcile attributes and a link to the object's
 * trace context — for runners that do not open the span themselves. The span records `result`
 * when `resultOf` is given.
 *
 * @example
 * const traced = Tracing.withReconcileSpan(reconcile(site), { controller: "website", key: "default/web", object: site })
 * @since 0.1.0
 */
export const withReconcileSpan = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: {
    readonly controller: string
    readonly key: string
    readonly object?: Pick<KubeObject, "metadata">
    readonly reconcileID?: string
    readonly resultOf?: (value: A) => string
    readonly traceContext?: TraceContextOptions
  }
): Effect.Effect<A, E, R> => {
  const slash = options.key.indexOf("/")
  const links = Option.match(
    options.object === undefined ? Option.none() : traceContextOf(options.object, options.traceContext),
    {
      onNone: (): ReadonlyArray<Tracer.SpanLink> => [],
      onSome: (span): ReadonlyArray<Tracer.SpanLink> => [
        { _tag: "SpanLink", span, attributes: { "k8s.object.trace_context": "annotation" } }
      ]
    }
  )
  const resultOf = options.resultOf
  const body =
    resultOf === undefined
      ? effect
      : Effect.tap(effect, (value) => Effect.annotateCurrentSpan("result", resultOf(value)))
  return Effect.withSpan(body, "reconcile", {
    kind: "internal",
    links,
    attributes: {
      controller: options.controller,
      key: options.key,
      namespace: slash < 0 ? "" : options.key.slice(0, slash),
      name: slash < 0 ? options.key : options.key.slice(slash + 1),
      ...(options.reconcileID !== undefined ? { reconcileID: options.reconcileID } : {})
    }
  })
}

/**
 * Tracing setup: without an exporter (the default) this is `Layer.empty` — spans are created
 * in-process by Effect's native tracer and never leave it. With one, the exporter's layer is used
 * as is (it is expected to install a `Tracer`).
 *
 * @example
 * // with @effect/opentelemetry installed:
 * // Tracing.layer({ exporter: NodeSdk.layer(() => ({ resource: { serviceName: "website-operator" },
 * //   spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter()) })) })
 * program.pipe(Effect.provide(Tracing.layer()))
 * @since 0.1.0
 */
export const layer = <E = never, R = never>(
  options: { readonly exporter?: Layer.Layer<never, E, R> } = {}
): Layer.Layer<never, E, R> => options.exporter ?? Layer.empty

/**
 * Options of {@link exporter} and {@link otlp}.
 *
 * @example
 * const options: Tracing.ExporterOptions = { serviceName: "website-operator", serviceVersion: "1.2.0" }
 * @since 0.1.0
 */
export interface ExporterOptions {
  /** `service.name` of the resource. */
  readonly serviceName: string
  readonly serviceVersion?: string
  /** More resource attributes (e.g. `k8s.pod.name`). */
  readonly attributes?: Readonly<Record<string, string | number | boolean>>
  /**
   * `"batch"` (default: spans are sent in the background, in batches) or `"simple"` (each span
   * is handed to the exporter when it ends — for tests and debugging).
   */
  readonly processor?: "batch" | "simple"
}

/**
 * An exporter layer for {@link layer}: Effect's spans become OpenTelemetry spans (attributes,
 * links, status, parent/child) handed to `spanExporter`. The provider is flushed and shut down
 * when the layer is released, so spans of the last reconciles are not lost on a graceful stop.
 *
 * @example
 * const memory = new InMemorySpanExporter()
 * program.pipe(Effect.provide(Tracing.layer({ exporter: Tracing.exporter(memory, { serviceName: "test", processor: "simple" }) })))
 * @since 0.1.0
 */
export const exporter = (spanExporter: SpanExporter, options: ExporterOptions): Layer.Layer<never> => {
  const resource = OtelResource.layer({
    serviceName: options.serviceName,
    ...(options.serviceVersion !== undefined ? { serviceVersion: options.serviceVersion } : {}),
    ...(options.attributes !== undefined ? { attributes: { ...options.attributes } } : {})
  })
  const provider = Layer.scoped(
    OtelTracer.OtelTracerProvider,
    Effect.flatMap(OtelResource.Resource, (otelResource) =>
      Effect.acquireRelease(
        Effect.sync(
          () =>
            new BasicTracerProvider({
              resource: otelResource,
              spanProcessors: [
                options.processor === "simple"
                  ? new SimpleSpanProcessor(spanExporter)
                  : new BatchSpanProcessor(spanExporter)
              ]
            })
        ),
        // Flushes what is buffered; an unreachable collector must not fail or hang the stop.
        (p) => Effect.promise(() => p.shutdown()).pipe(Effect.timeoutOption("5 seconds"), Effect.ignore)
      )
    )
  )
  return OtelTracer.layerWithoutOtelTracer.pipe(
    Layer.provide(OtelTracer.layerTracer),
    Layer.provide(provider),
    Layer.provide(resource)
  )
}

/**
 * An OTLP/HTTP (protobuf-free JSON over HTTP) exporter layer for {@link layer}. `endpoint` is the
 * collector's base URL (`/v1/traces` is appended), as `OTEL_EXPORTER_OTLP_ENDPOINT`; without it
 * the exporter's own defaults and `OTEL_EXPORTER_OTLP_*` variables apply.
 *
 * @example
 * program.pipe(Effect.provide(Tracing.layer({ exporter: Tracing.otlp({ serviceName: "website-operator", endpoint: "http://otel-collector:4318" }) })))
 * @since 0.1.0
 */
export const otlp = (
  options: ExporterOptions & {
    readonly endpoint?: string
    readonly headers?: Readonly<Record<string, string>>
  }
): Layer.Layer<never> =>
  Layer.unwrapEffect(
    Effect.sync(() =>
      exporter(
        new OTLPTraceExporter({
          ...(options.endpoint !== undefined ? { url: `${options.endpoint.replace(/\/+$/, "")}/v1/traces` } : {}),
          ...(options.headers !== undefined ? { headers: { ...options.headers } } : {})
        }),
        options
      )
    )
  )

/**
 * {@link layer} configured from the environment: OTLP/HTTP export to `OTEL_EXPORTER_OTLP_ENDPOINT`
 * when it is set (service name from `OTEL_SERVICE_NAME`, else `serviceName`), nothing otherwise.
 *
 * @example
 * program.pipe(Effect.provide(Tracing.layerFromEnv({ serviceName: "website-operator" })))
 * @since 0.1.0
 */
export const layerFromEnv = (options: Omit<ExporterOptions, "processor">): Layer.Layer<never, ConfigError> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const endpoint = yield* Config.option(Config.nonEmptyString("OTEL_EXPORTER_OTLP_ENDPOINT"))
      if (Option.isNone(endpoint)) return layer()
      const serviceName = yield* Config.nonEmptyString("OTEL_SERVICE_NAME").pipe(
        Config.withDefault(options.serviceName)
      )
      yield* Effect.logInfo(`tracing: exporting spans over OTLP/HTTP to ${endpoint.value}`)
      return layer({ exporter: otlp({ ...options, serviceName, endpoint: endpoint.value }) })
    })
  )
