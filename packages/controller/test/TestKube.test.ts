/**
 * The helpers against the in-memory apiserver of @effect-kube/testing (real JSON patch `test`
 * semantics, finalizer-held deletion, resourceVersion preconditions, the status subresource).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Resource from "@effect-kube/core/Resource"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as Action from "../src/Action.js"
import * as Conditions from "../src/Conditions.js"
import * as Finalizer from "../src/Finalizer.js"
import * as Ownership from "../src/Ownership.js"
import * as Status from "../src/Status.js"

const Widget = Resource.custom({
  group: "example.com",
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  spec: Schema.Struct({ size: Schema.Number }),
  status: Schema.Struct({ conditions: Schema.optional(Schema.Array(Schema.Unknown)) })
})

const FIN = "example.com/cleanup"

const provide = <A, E>(effect: Effect.Effect<A, E, KubeApi | ApiServer>) =>
  Effect.provide(effect, TestKube.layer({ kinds: [Widget] }))

describe("helpers on TestKube", () => {
  it.effect("finalizer lifecycle: add → apply → delete held → cleanup → gone", () =>
    provide(
      Effect.gen(function* () {
        const kube = yield* KubeApi
        const cms = kube.resource(Kinds.ConfigMap, { namespace: "default" })
        const created = yield* cms.create({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "a", namespace: "default" },
          data: { k: "v" }
        })
        const log: Array<string> = []
        const handlers = {
          apply: () => Effect.sync(() => log.push("apply")).pipe(Effect.as(Action.done)),
          cleanup: () => Effect.sync(() => log.push("cleanup")).pipe(Effect.as(Action.done))
        }
        yield* Finalizer.finalizer(cms, FIN, created, handlers)
        const withFinalizer = yield* cms.get("a")
        expect(withFinalizer.metadata.finalizers).toEqual([FIN])
        yield* Finalizer.finalizer(cms, FIN, withFinalizer, handlers)

        yield* cms.delete("a")
        const deleting = yield* cms.get("a")
        expect(deleting.metadata.deletionTimestamp).toBeDefined()
        yield* Finalizer.finalizer(cms, FIN, deleting, handlers)
        expect(log).toEqual(["apply", "cleanup"])
        const server = yield* ApiServer
        expect(Option.isNone(yield* server.get(Kinds.ConfigMap, "a", "default"))).toBe(true)
      })
    )
  )

  it.effect("the add patch's test op rejects a stale view instead of duplicating the finalizer", () =>
    provide(
      Effect.gen(function* () {
        const cms = (yield* KubeApi).resource(Kinds.ConfigMap, { namespace: "default" })
        const created = yield* cms.create({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "b", namespace: "default" }
        })
        yield* Finalizer.finalizer(cms, FIN, created, {
          apply: () => Effect.succeed(Action.done),
          cleanup: () => Effect.succeed(Action.done)
        })
        // `created` is stale: it has no finalizers, but the server now has ours
        const error = yield* Effect.flip(
          Finalizer.finalizer(cms, FIN, created, {
            apply: () => Effect.succeed(Action.done),
            cleanup: () => Effect.succeed(Action.done)
          })
        )
        expect(error._tag).toBe("AddFinalizer")
        expect((yield* cms.get("b")).metadata.finalizers).toEqual([FIN])
      })
    )
  )

  it.effect("createOrUpdate and Status.update with the Ready condition", () =>
    provide(
      Effect.gen(function* () {
        const widgets = (yield* KubeApi).resource(Widget, { namespace: "default" })
        const template: Resource.TypeOf<typeof Widget> = {
          apiVersion: "example.com/v1",
          kind: "Widget",
          metadata: { name: "w", namespace: "default" },
          spec: { size: 1 }
        }
        const first = yield* Ownership.createOrUpdate(widgets, template, (w) =>
          Effect.succeed({ ...w, spec: { size: 2 } })
        )
        expect(first.result).toBe("created")
        const second = yield* Ownership.createOrUpdate(widgets, template, (w) =>
          Effect.succeed({ ...w, spec: { size: 2 } })
        )
        expect(second.result).toBe("unchanged")
        const third = yield* Ownership.createOrUpdate(widgets, template, (w) =>
          Effect.succeed({ ...w, spec: { size: 3 } })
        )
        expect(third.result).toBe("updated")

        const backoff = yield* Status.makeFailureBackoff()
        const action = yield* Status.withReadyCondition(third.object, Effect.succeed(Action.done), {
          api: widgets,
          backoff
        })
        expect(action).toEqual(Action.done)
        const stored = yield* widgets.get("w")
        expect(Conditions.isTrue(Conditions.get(stored), "Ready")).toBe(true)
        expect(Conditions.find(Conditions.get(stored), "Ready")?.observedGeneration).toBe(stored.metadata.generation)
        expect(stored.spec).toEqual({ size: 3 })
      })
    )
  )
})
