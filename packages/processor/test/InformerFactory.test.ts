import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Store from "@effect-kube/store/Store"
import { InformerFactory } from "../src/InformerFactory.js"
import { ConfigMaps, makeFakeKube } from "./fakeKube.js"
import { eventually } from "./helpers.js"

const strip = { id: "strip-managed-fields", f: Store.stripManagedFields<KubeObject> }

const withFactory = <A, E>(
  fake: ReturnType<typeof makeFakeKube>,
  program: Effect.Effect<A, E, InformerFactory | Scope.Scope>
) =>
  program.pipe(
    Effect.provide(InformerFactory.layer.pipe(Layer.provide(Layer.succeed(KubeApi, fake.kube)))),
    Effect.scoped
  )

describe("InformerFactory", () => {
  it.effect("two users of the same key share one informer and one watch; it stops with the last user", () => {
    const fake = makeFakeKube()
    return withFactory(
      fake,
      Effect.gen(function* () {
        yield* fake.upsert("a")
        const factory = yield* InformerFactory
        const first = yield* Scope.make()
        const second = yield* Scope.make()
        const i1 = yield* factory.informer(ConfigMaps, { namespace: "default" }).pipe(Scope.extend(first))
        const i2 = yield* factory.informer(ConfigMaps, { namespace: "default" }).pipe(Scope.extend(second))
        expect(i2).toBe(i1)
        yield* factory.waitForCacheSync([i1])
        yield* eventually(() => fake.activeWatches() === 1, "watch open")
        expect(fake.counts.list).toBe(1)
        expect(fake.counts.watch).toBe(1)
        expect(i1.store.keys()).toEqual(["default/a"])

        yield* Scope.close(first, Exit.void)
        yield* fake.upsert("b")
        yield* eventually(() => i2.store.size() === 2, "still running for the second user")

        yield* Scope.close(second, Exit.void)
        yield* eventually(() => fake.activeWatches() === 0, "watch closed with the last user")

        const again = yield* factory.informer(ConfigMaps, { namespace: "default" })
        expect(again).not.toBe(i1)
        yield* again.awaitSynced
        expect(fake.counts.list).toBe(2)
      })
    )
  })

  it.effect("namespace, selectors, transform id and metadata-only are part of the key", () => {
    const fake = makeFakeKube()
    return withFactory(
      fake,
      Effect.gen(function* () {
        yield* fake.upsert("a", "default")
        yield* fake.upsert("b", "other")
        const factory = yield* InformerFactory
        const all = yield* factory.informer(ConfigMaps)
        const defaultNs = yield* factory.informer(ConfigMaps, { namespace: "default" })
        const labelled = yield* factory.informer(ConfigMaps, { namespace: "default", labelSelector: "app=web" })
        const stripped = yield* factory.informer(ConfigMaps, { namespace: "default", transform: strip })
        const strippedAgain = yield* factory.informer(ConfigMaps, { namespace: "default", transform: strip })
        const meta = yield* factory.informer(ConfigMaps, { namespace: "default", metadataOnly: true })
        const distinct = new Set([all, defaultNs, labelled, stripped, meta])
        expect(distinct.size).toBe(5)
        expect(strippedAgain).toBe(stripped)
        yield* factory.waitForCacheSync([all, defaultNs, labelled, stripped, meta])

        expect([...all.store.keys()].sort()).toEqual(["default/a", "other/b"])
        expect(defaultNs.store.keys()).toEqual(["default/a"])
        expect(defaultNs.store.get("default/a")?.metadata.managedFields).toEqual([{ manager: "test" }])
        expect(stripped.store.get("default/a")?.metadata.managedFields).toBeUndefined()
        expect(stripped.target).toMatchObject({ kind: "ConfigMap", plural: "configmaps", namespace: "default" })

        const metaObject = meta.store.get("default/a")
        expect(metaObject?.kind).toBe("PartialObjectMetadata")
        expect(metaObject?.data).toBeUndefined()
        expect(metaObject?.metadata.name).toBe("a")
        expect(fake.counts.metadataList).toBe(1)
        expect(fake.counts.metadataWatch).toBeGreaterThanOrEqual(1)
        // One list per non-metadata informer: the two stripped users shared one.
        expect(fake.counts.list).toBe(4)

        const changed = yield* fake.upsert("a", "default", "changed")
        yield* eventually(
          () => meta.store.get("default/a")?.metadata.resourceVersion === changed.metadata.resourceVersion,
          "metadata-only watch delivers updates"
        )
      })
    )
  })
})
