/**
 * Turns the case list into vitest tests for one target: one `it` per case, each in a fresh
 * namespace; known divergences run too and are checked to still diverge.
 */
import { describe, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import { allCases } from "../cases/index.js"
import { type Divergence, divergenceOf } from "../divergences.js"
import { ConformanceFailure, show } from "./Check.js"
import type { ConformanceMeta } from "./meta.js"
import {
  type ConformanceCase,
  ensureCrd,
  Gadget,
  gadgetCrd,
  Target,
  type TargetName,
  type TargetService,
  waitForCrdEstablished,
  Widget,
  widgetCrd
} from "./Target.js"

/** What a target layer provides besides `KubeApi`: its name and how to compact it. */
export interface TargetControlService {
  readonly name: TargetName
  readonly compact: Effect.Effect<void, ConformanceFailure, KubeApi>
  readonly widgets: Effect.Effect<Resource.Resource<KubeObject, KubeObject>, ConformanceFailure, KubeApi>
  readonly gadgets: Effect.Effect<Resource.Resource<KubeObject, KubeObject>, ConformanceFailure, KubeApi>
}

/** The target-wide part of {@link Target}. */
export class TargetControl extends Context.Tag("conformance/TargetControl")<TargetControl, TargetControlService>() {}

/** Builds the {@link TargetControl} of a target: fixtures are installed once, on first use. */
export const targetControl = <E, R>(
  name: TargetName,
  compact: Effect.Effect<Effect.Effect<void, ConformanceFailure, KubeApi>, E, R>
): Layer.Layer<TargetControl, E, R> =>
  Layer.effect(
    TargetControl,
    Effect.gen(function* () {
      const compactEffect = yield* compact
      const widgets = yield* Effect.cached(Effect.as(ensureCrd(widgetCrd), Widget))
      const gadgets = yield* Effect.cached(Effect.as(ensureCrd(gadgetCrd), Gadget))
      return { name, compact: compactEffect, widgets, gadgets }
    })
  )

const Namespaces = Resource.untyped(Kinds.Namespace)

let counter = 0
const uniqueToken = (): string => {
  counter++
  const random = Math.floor(Math.random() * 36 ** 3)
    .toString(36)
    .padStart(3, "0")
  return `${counter.toString(36)}${random}`
}

const createNamespace = (name: string): Effect.Effect<string, ConformanceFailure, KubeApi> =>
  Effect.flatMap(KubeApi, (kube) =>
    kube
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
      .pipe(
        Effect.as(name),
        Effect.mapError(
          (e) => new ConformanceFailure({ message: `set-up: creating namespace ${name}: ${e._tag}: ${e.message}` })
        )
      )
  )

const describeCause = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  if (failure._tag === "Some") {
    const e = failure.value
    if (e instanceof ConformanceFailure) return e.message
    if (typeof e === "object" && e !== null && "_tag" in e && "message" in e) {
      return `unexpected ${String(e._tag)}: ${String(e.message)}`
    }
    return `unexpected failure ${show(e)}`
  }
  return Cause.pretty(cause)
}

/** Outcome of one case on one target, as decided with the divergence list. */
export type Outcome =
  | { readonly _tag: "Passed" }
  | { readonly _tag: "Failed"; readonly message: string }
  | { readonly _tag: "Divergent"; readonly reason: string; readonly message: string }
  | { readonly _tag: "StaleDivergence"; readonly reason: string }

/** Runs one case in a fresh namespace and classifies the result against the divergence list. */
export const runCase = (
  c: ConformanceCase,
  lookup: (caseId: string, target: TargetName) => Divergence | undefined = divergenceOf
): Effect.Effect<Outcome, never, KubeApi | TargetControl> =>
  Effect.gen(function* () {
    const control = yield* TargetControl
    const unique = uniqueToken()
    const exit = yield* Effect.exit(
      Effect.gen(function* () {
        const namespace = yield* createNamespace(`conf-${unique}`)
        let extra = 0
        const service: TargetService = {
          name: control.name,
          namespace,
          unique,
          newNamespace: Effect.suspend(() => createNamespace(`conf-${unique}-${++extra}`)),
          compact: control.compact,
          waitForCrdEstablished,
          widgets: control.widgets,
          gadgets: control.gadgets
        }
        yield* Effect.scoped(Effect.provideService(c.run, Target, service))
      })
    )
    const divergence = lookup(c.id, control.name)
    if (Exit.isSuccess(exit)) {
      return divergence === undefined
        ? { _tag: "Passed" }
        : { _tag: "StaleDivergence", reason: `${divergence.kind}: ${divergence.reason}` }
    }
    const message = describeCause(exit.cause)
    return divergence === undefined
      ? { _tag: "Failed", message }
      : { _tag: "Divergent", reason: `${divergence.kind}: ${divergence.reason}`, message }
  })

/**
 * Declares the suite for one target: one test per case. A failing case fails its test; a
 * listed divergence that still fails passes (and is reported as divergent); a listed divergence
 * that passes fails, so the list cannot rot.
 *
 * Cases run concurrently (each has its own namespace), except the `exclusive` ones — those
 * that compact (on the real target: restart) the server or depend on the kind's latest
 * resourceVersion — which run one at a time afterwards.
 */
export const defineSuite = <E>(
  target: TargetName,
  targetLayer: Layer.Layer<KubeApi | TargetControl, E>,
  options: { readonly caseTimeout?: number; readonly setupTimeout?: Duration.DurationInput } = {}
): void =>
  layer(targetLayer, { excludeTestServices: true, timeout: options.setupTimeout ?? "20 minutes" })(
    `conformance[${target}]`,
    (it) => {
      const test = (c: ConformanceCase, concurrent: boolean) =>
        it.effect(
          c.id,
          (ctx) =>
            Effect.flatMap(runCase(c), (outcome) => {
              const meta: ConformanceMeta = { target, caseId: c.id, outcome: outcome._tag }
              switch (outcome._tag) {
                case "Passed":
                  ctx.task.meta.conformance = meta
                  return Effect.void
                case "Divergent":
                  ctx.task.meta.conformance = { ...meta, reason: outcome.reason }
                  return Effect.void
                case "Failed":
                  ctx.task.meta.conformance = { ...meta, detail: outcome.message }
                  return Effect.fail(
                    new ConformanceFailure({ message: `${c.id} [${target}] ${c.title}: ${outcome.message}` })
                  )
                case "StaleDivergence":
                  ctx.task.meta.conformance = {
                    ...meta,
                    detail: "passes but is listed as a divergence: remove it from test/conformance/divergences.ts"
                  }
                  return Effect.fail(
                    new ConformanceFailure({
                      message: `${c.id} [${target}] passes but is listed as a divergence ("${outcome.reason}"): remove it from test/conformance/divergences.ts`
                    })
                  )
              }
            }),
          { timeout: options.caseTimeout ?? 60_000, concurrent }
        )
      describe("independent", () => {
        for (const c of allCases) if (c.exclusive !== true) test(c, true)
      })
      describe("exclusive", () => {
        for (const c of allCases) if (c.exclusive === true) test(c, false)
      })
    }
  )
