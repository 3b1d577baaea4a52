/**
 * The real kube-apiserver calling our server over TLS: a CRD with two versions converted by our
 * conversion webhook, a mutating webhook applying the kind's Schema defaults and a validating
 * webhook with side effects guarded for dry runs, all registered with the manifests this
 * package generates (url client configs with the test CA as caBundle).
 */
import { expect, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeError } from "@effect-kube/core/Errors"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Resource from "@effect-kube/core/Resource"
import * as Certificates from "@effect-kube/testing/Certificates"
import * as KubeApiServer from "@effect-kube/testing/KubeApiServer"
import * as Admission from "../src/Admission.js"
import * as Conversion from "../src/Conversion.js"
import * as Manifests from "../src/Manifests.js"
import * as WebhookServer from "../src/WebhookServer.js"
import { tempDir, writeCerts } from "./fixtures.js"

const group = "e2e.effect-kube.io"

const GizmoV1 = Resource.custom({
  group,
  version: "v1",
  kind: "Gizmo",
  plural: "gizmos",
  scope: "Namespaced",
  spec: Schema.Struct({
    size: Schema.Int,
    tier: Schema.optionalWith(Schema.String, { default: () => "standard" })
  })
})

const GizmoV2 = Resource.custom({
  group,
  version: "v2",
  kind: "Gizmo",
  plural: "gizmos",
  scope: "Namespaced",
  spec: Schema.Struct({ replicas: Schema.Int, tier: Schema.String })
})

const crd = {
  apiVersion: "apiextensions.k8s.io/v1" as const,
  kind: "CustomResourceDefinition" as const,
  metadata: { name: `gizmos.${group}` },
  spec: {
    group,
    names: { plural: "gizmos", singular: "gizmo", kind: "Gizmo", listKind: "GizmoList" },
    scope: "Namespaced" as const,
    versions: ["v1", "v2"].map((name) => ({
      name,
      served: true,
      storage: name === "v1",
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } }
        }
      }
    }))
  }
}

interface Fixture {
  /** `dryRun` of every call the validating handler saw. */
  readonly validatorCalls: Ref.Ref<ReadonlyArray<boolean>>
  /** Side effects the validating handler performed (skipped on dry runs). */
  readonly sideEffects: Ref.Ref<number>
  readonly server: WebhookServer.Service
}
class E2e extends Context.Tag("webhook/E2e")<E2e, Fixture>() {}

const retryUntilReady = Schedule.spaced("250 millis").pipe(Schedule.intersect(Schedule.recurs(120)))

const setup = Layer.scoped(
  E2e,
  Effect.gen(function* () {
    const kube = yield* KubeApi
    const validatorCalls = yield* Ref.make<ReadonlyArray<boolean>>([])
    const sideEffects = yield* Ref.make(0)

    const webhooks = [
      Admission.defaulting(GizmoV1),
      Admission.validator({
        resource: GizmoV1,
        sideEffects: "NoneOnDryRun",
        create: (gizmo, req) =>
          Effect.gen(function* () {
            yield* Ref.update(validatorCalls, (calls) => [...calls, req.dryRun])
            yield* Admission.unlessDryRun(
              req,
              Ref.update(sideEffects, (n) => n + 1)
            )
            return gizmo.spec.size > 10
              ? Admission.denied(`size ${gizmo.spec.size} is over the limit of 10`)
              : Admission.allowed()
          })
      }),
      Conversion.hub(GizmoV1, [
        Conversion.spoke(GizmoV2, {
          toHub: (v2) =>
            Effect.succeed({
              ...v2,
              apiVersion: `${group}/v1` as const,
              spec: { size: v2.spec.replicas, tier: v2.spec.tier }
            }),
          fromHub: (v1) =>
            Effect.succeed({
              ...v1,
              apiVersion: `${group}/v2` as const,
              spec: { replicas: v1.spec.size, tier: v1.spec.tier }
            })
        })
      ])
    ]

    const dir = yield* tempDir
    const certs = yield* Certificates.generate()
    yield* writeCerts(dir, certs)
    const server = yield* WebhookServer.make({ webhooks, port: 0, host: "127.0.0.1", certDir: dir })
    const clientConfig = { url: server.url }

    // Registered after the server starts, removed before it stops (scope order).
    // Untyped: a fresh CRD's status has `conditions: null`, which Kinds.CustomResourceDefinition
    // does not decode. Applied (not created) so a leftover from an aborted run is taken over.
    const crds = kube.resource(Resource.untyped(Kinds.CustomResourceDefinition))
    const apply = { fieldManager: "effect-kube-webhook-e2e", force: true }
    yield* Effect.acquireRelease(
      crds.apply(Manifests.conversionWebhookFor(crd, { clientConfig, caBundle: certs.caCert }), apply),
      () => Effect.ignore(crds.delete(crd.metadata.name))
    )
    const validating = kube.resource(Manifests.ValidatingWebhookConfigurations)
    const mutating = kube.resource(Manifests.MutatingWebhookConfigurations)
    yield* Effect.acquireRelease(
      validating.apply(
        Manifests.validatingWebhookConfiguration(webhooks, {
          name: "effect-kube-webhook-e2e",
          clientConfig,
          caBundle: certs.caCert
        }),
        apply
      ),
      () => Effect.ignore(validating.delete("effect-kube-webhook-e2e"))
    )
    yield* Effect.acquireRelease(
      mutating.apply(
        Manifests.mutatingWebhookConfiguration(webhooks, {
          name: "effect-kube-webhook-e2e",
          clientConfig,
          caBundle: certs.caCert
        }),
        apply
      ),
      () => Effect.ignore(mutating.delete("effect-kube-webhook-e2e"))
    )

    // The CRD must be established and both webhooks live in the apiserver's view: a dry-run
    // create of an oversized gizmo is denied by us (and defaulted by us) once they are.
    const gizmos = kube.resource(GizmoV1, { namespace: "default" })
    yield* gizmos
      .create(
        { apiVersion: `${group}/v1`, kind: "Gizmo", metadata: { name: "probe" }, spec: { size: 99, tier: "probe" } },
        { dryRun: true }
      )
      .pipe(
        Effect.flatMap(() => Effect.fail("the probe was not denied")),
        Effect.catchAll((error) =>
          typeof error !== "string" && error.message.includes("over the limit") ? Effect.void : Effect.fail(error)
        ),
        Effect.retry(retryUntilReady)
      )
    yield* Ref.set(validatorCalls, [])
    yield* Ref.set(sideEffects, 0)
    return { validatorCalls, sideEffects, server }
  })
)

const live = setup.pipe(
  Layer.provideMerge(
    Layer.unwrapEffect(
      Effect.map(KubeApiServer.KubeApiServer, (s) => KubeApi.layerFromKubeConfig({ kubeconfig: s.kubeconfigPath }))
    )
  ),
  Layer.provide(KubeApiServer.layerShared())
)

layer(live, { excludeTestServices: true, timeout: "10 minutes" })(
  "webhooks called by the real kube-apiserver",
  (it) => {
    it.effect("a create the validating webhook denies fails with our message", () =>
      Effect.gen(function* () {
        const gizmos = (yield* KubeApi).resource(GizmoV1, { namespace: "default" })
        const error: KubeError = yield* Effect.flip(
          gizmos.create({
            apiVersion: `${group}/v1`,
            kind: "Gizmo",
            metadata: { name: "too-big" },
            spec: { size: 11, tier: "x" }
          })
        )
        expect(error._tag).toBe("Forbidden")
        expect(error.message).toContain(
          `admission webhook "vgizmo.${group}" denied the request: size 11 is over the limit of 10`
        )
        const missing = yield* Effect.flip(gizmos.get("too-big"))
        expect(missing._tag).toBe("NotFound")
      })
    )

    it.effect("a created object is stored with the Schema defaults the mutating webhook patched in", () =>
      Effect.gen(function* () {
        const fixture = yield* E2e
        const callsBefore = (yield* Ref.get(fixture.validatorCalls)).length
        const sideEffectsBefore = yield* Ref.get(fixture.sideEffects)
        const raw = (yield* KubeApi).resource(Resource.untyped(GizmoV1), { namespace: "default" })
        yield* raw.create({
          apiVersion: `${group}/v1`,
          kind: "Gizmo",
          metadata: { name: "defaulted" },
          spec: { size: 3 }
        })
        const stored = yield* raw.get("defaulted")
        expect(stored.spec).toEqual({ size: 3, tier: "standard" })
        // The validating webhook ran once, after the mutation, not as a dry run.
        expect((yield* Ref.get(fixture.validatorCalls)).slice(callsBefore)).toEqual([false])
        expect(yield* Ref.get(fixture.sideEffects)).toBe(sideEffectsBefore + 1)
        const mutateCalls = yield* Metric.value(
          Metric.tagged(
            Metric.tagged(WebhookServer.requestsTotal, "webhook", "/mutate-e2e-effect-kube-io-v1-gizmo"),
            "code",
            "200"
          )
        )
        expect(mutateCalls.count).toBeGreaterThan(0)
      })
    )

    it.effect("a dry-run create runs the webhooks without side effects and stores nothing", () =>
      Effect.gen(function* () {
        const fixture = yield* E2e
        const before = yield* Ref.get(fixture.sideEffects)
        const raw = (yield* KubeApi).resource(Resource.untyped(GizmoV1), { namespace: "default" })
        const answered = yield* raw.create(
          { apiVersion: `${group}/v1`, kind: "Gizmo", metadata: { name: "dry" }, spec: { size: 4 } },
          { dryRun: true }
        )
        // The mutation applies to the dry-run answer…
        expect(answered.spec).toEqual({ size: 4, tier: "standard" })
        // …the validating webhook saw dryRun and skipped its side effect, and nothing is stored.
        expect((yield* Ref.get(fixture.validatorCalls)).at(-1)).toBe(true)
        expect(yield* Ref.get(fixture.sideEffects)).toBe(before)
        expect((yield* Effect.flip(raw.get("dry")))._tag).toBe("NotFound")
      })
    )

    it.effect("objects are converted between versions by the conversion webhook", () =>
      Effect.gen(function* () {
        const kube = yield* KubeApi
        const v1 = kube.resource(GizmoV1, { namespace: "default" })
        const v2 = kube.resource(GizmoV2, { namespace: "default" })
        yield* v1.create({
          apiVersion: `${group}/v1`,
          kind: "Gizmo",
          metadata: { name: "converted", labels: { app: "g" } },
          spec: { size: 5, tier: "gold" }
        })
        const asV2 = yield* v2.get("converted")
        expect(asV2.apiVersion).toBe(`${group}/v2`)
        expect(asV2.spec).toEqual({ replicas: 5, tier: "gold" })
        expect(asV2.metadata.labels).toEqual({ app: "g" })

        // Written as v2, stored as v1 (through the webhooks registered for v1: matchPolicy Equivalent).
        yield* v2.create({
          apiVersion: `${group}/v2`,
          kind: "Gizmo",
          metadata: { name: "from-v2" },
          spec: { replicas: 7, tier: "silver" }
        })
        expect((yield* v1.get("from-v2")).spec).toEqual({ size: 7, tier: "silver" })
        const tooBig = yield* Effect.flip(
          v2.create({
            apiVersion: `${group}/v2`,
            kind: "Gizmo",
            metadata: { name: "big-v2" },
            spec: { replicas: 12, tier: "x" }
          })
        )
        expect(tooBig.message).toContain("size 12 is over the limit of 10")
      })
    )
  }
)
