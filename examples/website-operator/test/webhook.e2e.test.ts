/**
 * The Website webhooks called by the real kube-apiserver over TLS: the webhook server runs
 * in-process under the Manager (its `Webhook` phase, `/readyz` gated on it) with a generated
 * certificate, registered with the configurations `Manifests` generates from the same webhooks
 * (url client config, the test CA as caBundle). An unpinned image is denied with our message; a
 * Website without `replicas`/`content` is stored with our defaults; a dry run is defaulted and
 * validated but stores nothing.
 *
 * The configurations are narrowed to this test's namespace: the apiserver may be shared with
 * other e2e files, whose Website writes must not depend on this server.
 */
import { expect, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeError } from "@effect-kube/core/Errors"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Resource from "@effect-kube/core/Resource"
import * as Manager from "@effect-kube/manager/Manager"
import type * as Probes from "@effect-kube/manager/Probes"
import * as Certificates from "@effect-kube/testing/Certificates"
import * as KubeApiServer from "@effect-kube/testing/KubeApiServer"
import * as Manifests from "@effect-kube/webhook/Manifests"
import * as WebhookServer from "@effect-kube/webhook/WebhookServer"
import { websiteObject } from "../src/controller.js"
import { ensureCrd, webhookRunnable } from "../src/program.js"
import { Website } from "../src/Website.js"
import { DefaultReplicas, defaultContent, webhooks } from "../src/webhooks.js"

const Namespace = "website-webhook-e2e"
const ConfigName = "website-webhook-e2e"

class Fixture extends Context.Tag("website-operator/WebhookE2e")<
  Fixture,
  { readonly readyz: Effect.Effect<ReadonlyArray<Probes.CheckResult>> }
>() {}

/** A port free right now (the manager's webhook runnable needs a fixed one to register its URL). */
const freePort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const certDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "website-webhook-e2e-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

const onlyOurNamespace = <C extends { readonly webhooks: ReadonlyArray<object> }>(config: C): C => ({
  ...config,
  webhooks: config.webhooks.map((w) => ({
    ...w,
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": Namespace } }
  }))
})

const setup = Layer.scoped(
  Fixture,
  Effect.gen(function* () {
    const kube = yield* KubeApi
    yield* kube
      .resource(Resource.untyped(Kinds.Namespace))
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: Namespace } })
      .pipe(Effect.catchTag("AlreadyExists", () => Effect.void))
    yield* ensureCrd()

    const dir = yield* certDir
    const certs = yield* Certificates.generate()
    yield* Effect.promise(async () => {
      await writeFile(join(dir, "tls.crt"), certs.cert)
      await writeFile(join(dir, "tls.key"), certs.key)
    })
    const port = yield* freePort
    const manager = yield* Manager.make({
      webhooks: [webhookRunnable({ port, certDir: dir, host: "127.0.0.1" })],
      leaderElection: false,
      metricsPort: false,
      probesPort: false
    })
    const running = yield* Effect.forkScoped(manager.run)
    yield* Effect.addFinalizer(() => Fiber.interrupt(running))
    yield* manager.started

    // Registered after the server starts, removed before it stops (scope order). Applied, not
    // created, so a leftover of an aborted run is taken over.
    const clientConfig = { url: `https://127.0.0.1:${port}` }
    const apply = { fieldManager: "website-webhook-e2e", force: true }
    const validating = kube.resource(Manifests.ValidatingWebhookConfigurations)
    const mutating = kube.resource(Manifests.MutatingWebhookConfigurations)
    const options = { name: ConfigName, clientConfig, caBundle: certs.caCert }
    yield* Effect.acquireRelease(
      mutating.apply(onlyOurNamespace(Manifests.mutatingWebhookConfiguration(webhooks, options)), apply),
      () => Effect.ignore(mutating.delete(ConfigName))
    )
    yield* Effect.acquireRelease(
      validating.apply(onlyOurNamespace(Manifests.validatingWebhookConfiguration(webhooks, options)), apply),
      () => Effect.ignore(validating.delete(ConfigName))
    )

    // The apiserver picks configurations up asynchronously: wait until a dry run is denied by us.
    const websites = kube.resource(Resource.untyped(Website), { namespace: Namespace })
    yield* websites
      .create(websiteObject("probe", Namespace, { image: "probe", replicas: 1, content: "probe" }), { dryRun: true })
      .pipe(
        Effect.flatMap(() => Effect.fail("the probe was not denied")),
        Effect.catchAll((error) =>
          typeof error !== "string" && error.message.includes("has no tag") ? Effect.void : Effect.fail(error)
        ),
        Effect.retry(Schedule.spaced("250 millis").pipe(Schedule.intersect(Schedule.recurs(120))))
      )
    return { readyz: manager.readyz }
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

const requests = (path: string) =>
  Effect.map(
    Metric.value(Metric.tagged(Metric.tagged(WebhookServer.requestsTotal, "webhook", path), "code", "200")),
    (state) => state.count
  )

const websitesApi = Effect.map(KubeApi, (kube) => kube.resource(Resource.untyped(Website), { namespace: Namespace }))

layer(live, { excludeTestServices: true, timeout: "10 minutes" })(
  "Website webhooks called by the real kube-apiserver",
  (it) => {
    it.effect("the manager reports the webhook server in /readyz", () =>
      Effect.gen(function* () {
        const checks = yield* (yield* Fixture).readyz
        const webhookCheck = checks.find((c) => c.name === "webhooks")
        expect(webhookCheck?.ok).toBe(true)
      })
    )

    it.effect("a Website with an unpinned image is denied with our message and not stored", () =>
      Effect.gen(function* () {
        const websites = yield* websitesApi
        const error: KubeError = yield* Effect.flip(
          websites.create(websiteObject("unpinned", Namespace, { image: "nginx", replicas: 1, content: "x" }))
        )
        expect(error._tag).toBe("Invalid")
        expect(error.message).toContain(
          'admission webhook "vwebsite.example.com" denied the request: spec.image "nginx" has no tag'
        )
        expect((yield* Effect.flip(websites.get("unpinned")))._tag).toBe("NotFound")
      })
    )

    it.effect("a Website without replicas and content is stored with our defaults", () =>
      Effect.gen(function* () {
        const websites = yield* websitesApi
        yield* Effect.ignore(websites.delete("defaulted")) // a leftover of an aborted run
        const before = yield* requests("/mutate-example-com-v1-website")
        yield* websites.create({
          apiVersion: Website.apiVersion,
          kind: Website.kind,
          metadata: { name: "defaulted", namespace: Namespace },
          spec: { image: "nginx:1.27" }
        })
        const stored = yield* (yield* KubeApi).resource(Website, { namespace: Namespace }).get("defaulted")
        expect(stored.spec).toEqual({
          image: "nginx:1.27",
          replicas: DefaultReplicas,
          content: defaultContent("defaulted")
        })
        expect(yield* requests("/mutate-example-com-v1-website")).toBeGreaterThan(before)
        yield* websites.delete("defaulted")
      })
    )

    it.effect("a dry-run create is defaulted and validated, and nothing is stored", () =>
      Effect.gen(function* () {
        const websites = yield* websitesApi
        const mutateBefore = yield* requests("/mutate-example-com-v1-website")
        const validateBefore = yield* requests("/validate-example-com-v1-website")
        const answered = yield* websites.create(
          {
            apiVersion: Website.apiVersion,
            kind: Website.kind,
            metadata: { name: "dry", namespace: Namespace },
            spec: { image: "nginx:1.27" }
          },
          { dryRun: true }
        )
        expect(answered.spec).toEqual({
          image: "nginx:1.27",
          replicas: DefaultReplicas,
          content: defaultContent("dry")
        })
        expect(yield* requests("/mutate-example-com-v1-website")).toBeGreaterThan(mutateBefore)
        expect(yield* requests("/validate-example-com-v1-website")).toBeGreaterThan(validateBefore)
        expect((yield* Effect.flip(websites.get("dry")))._tag).toBe("NotFound")

        // Validation runs on dry runs too.
        const denied = yield* Effect.flip(
          websites.create(websiteObject("dry-bad", Namespace, { image: "nginx:latest", replicas: 1, content: "x" }), {
            dryRun: true
          })
        )
        expect(denied.message).toContain("uses the latest tag")
      })
    )
  }
)
