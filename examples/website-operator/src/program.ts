/**
 * The operator as a program: install the CRD, wait until the apiserver serves it, run the
 * controller until interrupted. Plus the layers it runs on (a real cluster, or the embedded mock
 * apiserver over HTTPS) and the demo that creates a sample Website.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type { ConfigError } from "effect/ConfigError"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as KubeConfig from "@effect-kube/client/KubeConfig"
import * as Conditions from "@effect-kube/controller/Conditions"
import { EventRecorder } from "@effect-kube/controller/EventRecorder"
import * as Runner from "@effect-kube/controller/Runner"
import type { KubeError } from "@effect-kube/core/Errors"
import type { CrdGenerationError } from "@effect-kube/core/Crd"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Ownership from "@effect-kube/controller/Ownership"
import * as Manager from "@effect-kube/manager/Manager"
import * as Runnable from "@effect-kube/manager/Runnable"
import * as Resource from "@effect-kube/core/Resource"
import * as MockHttpServer from "@effect-kube/testing/MockHttpServer"
import { type ServeSettings, serveLayer } from "@effect-kube/testing/bin/program"
import * as WebhookServer from "@effect-kube/webhook/WebhookServer"
import { FieldManager, websiteController, websiteObject } from "./controller.js"
import { Registry } from "./Registry.js"
import { crd, Website } from "./Website.js"
import { webhooks } from "./webhooks.js"

/**
 * The CRD did not become `Established` in time.
 *
 * @example
 * ensureCrd.pipe(Effect.catchTag("CrdNotEstablished", (e) => Effect.logError(e.message)))
 * @since 0.1.0
 */
export class CrdNotEstablished extends Data.TaggedError("CrdNotEstablished")<{ readonly message: string }> {}

const conditionsOf = (object: KubeObject): ReadonlyArray<string> => {
  const status = object.status
  const conditions = typeof status === "object" && status !== null && "conditions" in status ? status.conditions : null
  return Array.isArray(conditions)
    ? conditions.map((c: unknown) =>
        typeof c === "object" && c !== null && "type" in c && "status" in c
          ? `${String(c.type)}=${String(c.status)}`
          : ""
      )
    : []
}

/**
 * Server-side applies the Website CRD (generated from its Schema) and waits until it is
 * `Established` (at most `timeout`, default 1 minute).
 *
 * @example
 * yield* ensureCrd()
 * @since 0.1.0
 */
export const ensureCrd = (
  timeout: Duration.DurationInput = Duration.minutes(1)
): Effect.Effect<void, KubeError | CrdGenerationError | CrdNotEstablished, KubeApi> =>
  Effect.gen(function* () {
    const definition = yield* crd
    // Untyped: a CRD fresh from the apiserver carries null status fields.
    const crds = (yield* KubeApi).resource(Resource.untyped(Kinds.CustomResourceDefinition))
    const name = definition.metadata.name ?? ""
    yield* crds.apply(
      { apiVersion: definition.apiVersion, kind: definition.kind, metadata: { name }, spec: definition.spec },
      { fieldManager: FieldManager, force: true }
    )
    yield* crds.get(name).pipe(
      Effect.filterOrFail(
        (c) => conditionsOf(c).includes("Established=True"),
        () => new CrdNotEstablished({ message: `CRD ${name} is not established within ${Duration.format(timeout)}` })
      ),
      Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo(timeout)))
    )
    yield* Effect.logInfo(`CRD ${name} is established`)
  })

/**
 * The operator's services over the `KubeApi` in context: the event recorder and the registry.
 *
 * @since 0.1.0
 */
export const OperatorLayer: Layer.Layer<EventRecorder | Registry, KubeError, KubeApi> = Layer.mergeAll(
  EventRecorder.layer({ reportingController: "example.com/website-operator" }),
  Registry.layer
)

/**
 * The operator: CRD, then the Website controller until interrupted (then a graceful stop).
 *
 * @example
 * NodeRuntime.runMain(operator.pipe(Effect.provide(OperatorLayer), Effect.provide(KubeApi.layerFromKubeConfig())))
 * @since 0.1.0
 */
export const operator = Effect.zipRight(ensureCrd(), Runner.run([websiteController]))

/**
 * Where the admission webhooks are served (see {@link Settings.webhook}).
 *
 * @example
 * const webhook: Program.WebhookSettings = { port: 9443, certDir: "/tmp/k8s-webhook-server/serving-certs" }
 * @since 0.1.0
 */
export interface WebhookSettings {
  /** HTTPS port (`0` = any free port). */
  readonly port: number
  /** Directory holding `tls.crt` and `tls.key` (re-read when they rotate). */
  readonly certDir: string
  /** Interface to bind (default all). */
  readonly host?: string
}

/**
 * How the operator runs under the manager (see {@link managed}).
 *
 * @example
 * const settings: Program.Settings = { metricsPort: 8080, probesPort: 8081, leaseNamespace: "default" }
 * @since 0.1.0
 */
export interface Settings {
  /** `/metrics` port (`0` = any free port). */
  readonly metricsPort: number
  /** `/healthz` and `/readyz` port (`0` = any free port). */
  readonly probesPort: number
  /** Namespace of the `website-operator` Lease. */
  readonly leaseNamespace: string
  /** Leader election identity (default `hostname_uuid`). */
  readonly identity?: string
  /**
   * Serve the Website admission webhooks (`webhooks.ts`) in the manager's `Webhook` phase, on
   * every replica (the apiserver calls any of them), gating `/readyz`. Absent: no webhook server.
   */
  readonly webhook?: WebhookSettings
}

/**
 * {@link Settings} from the environment: `METRICS_PORT` (default 8080), `PROBES_PORT` (default
 * 8081), `POD_NAMESPACE` (default `default`), `POD_NAME` as the leader election identity
 * (default `hostname_uuid`; a pod name is unique among running replicas), and the webhook
 * server when `WEBHOOK_CERT_DIR` is set (port `WEBHOOK_PORT`, default 9443).
 *
 * @example
 * const { metricsPort } = yield* settingsFromEnv
 * @since 0.1.0
 */
// `Config.port` rejects 0, which means "any free port" here.
const portOrZero = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: "Expected a port in 0..65535", validation: (n) => n >= 0 && n <= 65535 }),
    Config.withDefault(fallback)
  )

export const settingsFromEnv: Effect.Effect<Settings, ConfigError> = Config.all({
  metricsPort: portOrZero("METRICS_PORT", 8080),
  probesPort: portOrZero("PROBES_PORT", 8081),
  leaseNamespace: Config.nonEmptyString("POD_NAMESPACE").pipe(Config.withDefault("default")),
  identity: Config.nonEmptyString("POD_NAME").pipe(Config.option, Config.map(Option.getOrUndefined)),
  webhook: Config.all({
    certDir: Config.nonEmptyString("WEBHOOK_CERT_DIR").pipe(Config.option),
    port: portOrZero("WEBHOOK_PORT", 9443)
  }).pipe(
    Config.map(({ certDir, port }) =>
      Option.getOrUndefined(Option.map(certDir, (dir): WebhookSettings => ({ certDir: dir, port })))
    )
  )
})

/**
 * The webhook server of {@link webhooks} as a manager runnable: ready once it listens, closed
 * (in-flight calls get their grace period) when the manager stops.
 *
 * @example
 * Manager.make({ controllers: [websiteController], webhooks: [webhookRunnable({ port: 9443, certDir })] })
 * @since 0.1.0
 */
export const webhookRunnable = (settings: WebhookSettings): Runnable.Runnable<WebhookServer.WebhookServerError> =>
  Runnable.make({
    name: "webhook-server",
    group: "Webhook",
    // The server lives in its own scope: listening → ready, then serving until the stop.
    run: ({ ready, stopping }) =>
      Effect.scoped(
        Effect.gen(function* () {
          const server = yield* WebhookServer.make({
            webhooks,
            port: settings.port,
            certDir: settings.certDir,
            ...(settings.host !== undefined ? { host: settings.host } : {})
          })
          yield* Effect.logInfo(`admission webhooks on ${server.url} (${server.paths.join(", ")})`)
          yield* ready
          yield* stopping
        })
      )
  })

/**
 * The operator under the manager: installs the CRD, then runs the Website controller as the
 * leader of Lease `website-operator` (standbys wait), with `/metrics` and the probes served,
 * and — with `settings.webhook` — the admission webhooks served on every replica before the
 * caches start (`/readyz` fails until they listen: check `webhooks`).
 * Interruption stops it gracefully (in-flight reconciles finish, then the Lease is released);
 * a lost lease fails it with `LeadershipLost`.
 *
 * @example
 * Manager.runMain(Effect.flatMap(settingsFromEnv, managed).pipe(Effect.provide(OperatorLayer), Effect.provide(KubeApi.layerFromKubeConfig())))
 * @since 0.1.0
 */
export const managed = (settings: Settings) =>
  Effect.gen(function* () {
    yield* ensureCrd()
    const manager = yield* Manager.make({
      controllers: [websiteController],
      leaderElection: {
        name: "website-operator",
        namespace: settings.leaseNamespace,
        ...(settings.identity !== undefined ? { identity: settings.identity } : {})
      },
      metricsPort: settings.metricsPort,
      probesPort: settings.probesPort,
      webhooks: settings.webhook !== undefined ? [webhookRunnable(settings.webhook)] : []
    })
    // Ports may be random (0): say where the servers actually listen.
    yield* Effect.forkScoped(
      Effect.flatMap(manager.addresses, ({ metrics, probes }) =>
        Effect.logInfo(
          `metrics on ${Option.match(metrics, { onNone: () => "(off)", onSome: (a) => `http://${a.host}:${a.port}/metrics` })}, probes on ${Option.match(probes, { onNone: () => "(off)", onSome: (a) => `http://${a.host}:${a.port}/healthz and /readyz` })}`
        )
      )
    )
    yield* Effect.forkScoped(
      Effect.zipRight(manager.elected, Effect.logInfo("leading Lease website-operator: the controller runs here"))
    )
    return yield* manager.run
  }).pipe(Effect.scoped)

/**
 * `KubeApi` over the embedded mock apiserver served on HTTPS (`pnpm start` without a
 * KUBECONFIG): the same live HTTP client a cluster gets, and a kubeconfig on disk for kubectl.
 *
 * @example
 * operator.pipe(Effect.provide(OperatorLayer), Effect.provide(mockKubeApi(settings)))
 * @since 0.1.0
 */
export const mockKubeApi = (settings: ServeSettings) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const server = yield* MockHttpServer.MockHttpServer
      const access = yield* KubeConfig.fromString(server.kubeconfigYaml())
      return KubeApi.layerFromAccess(access)
    })
  ).pipe(Layer.provide(serveLayer(settings)))

const sampleSecret: KubeObject = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "hello-env", namespace: "default" },
  stringData: { GREETING: "hello from a Secret" }
}

const sampleWebsite = websiteObject("hello", "default", {
  image: "nginx:1.27",
  replicas: 2,
  content: "<h1>Hello from effect-kube</h1>",
  secretRef: { name: "hello-env" }
})

const describeChild = (kind: string, child: KubeObject): string => {
  const owner = Ownership.getControllerOf(child)
  const owned = owner._tag === "Some" ? `, controlled by ${owner.value.kind} ${owner.value.name}` : ""
  return `${kind} ${child.metadata.namespace}/${child.metadata.name} (resourceVersion ${child.metadata.resourceVersion}${owned})`
}

/**
 * Creates a sample Secret and Website, waits until the Website is Ready and logs what the
 * operator made of it.
 *
 * @example
 * yield* demo
 * @since 0.1.0
 */
export const demo = Effect.gen(function* () {
  const kube = yield* KubeApi
  yield* kube.resource(Resource.untyped(Kinds.Secret)).apply(sampleSecret, { fieldManager: "demo" })
  // The operator installs the CRD: until the apiserver serves Websites, this is a 404.
  yield* kube
    .resource(Resource.untyped(Website))
    .apply(sampleWebsite, { fieldManager: "demo" })
    .pipe(
      Effect.retry({
        schedule: Schedule.spaced("200 millis").pipe(Schedule.upTo("30 seconds")),
        while: (e) => e._tag === "NotFound"
      })
    )
  yield* Effect.logInfo("demo: applied Secret default/hello-env and Website default/hello")
  const websites = kube.resource(Website, { namespace: "default" })
  const ready = yield* websites.get("hello").pipe(
    Effect.filterOrFail(
      (site) => Conditions.isTrue(site.status?.conditions, "Ready"),
      () => "not ready yet"
    ),
    Effect.retry(Schedule.spaced("250 millis").pipe(Schedule.upTo("30 seconds")))
  )
  const lines = [
    `demo: Website default/hello is Ready (observedGeneration ${ready.status?.observedGeneration}, url ${ready.status?.url}, finalizers ${JSON.stringify(ready.metadata.finalizers)})`
  ]
  for (const [kind, name] of [
    [Kinds.ConfigMap, "hello-content"],
    [Kinds.Deployment, "hello"],
    [Kinds.Service, "hello"]
  ] as const) {
    const child = yield* kube.resource(Resource.untyped(kind), { namespace: "default" }).get(name)
    lines.push(`demo:   ${describeChild(kind.kind, child)}`)
  }
  const registry = yield* Registry
  lines.push(`demo:   registry entries: ${JSON.stringify(yield* registry.entries)}`)
  yield* Effect.logInfo(lines.join("\n"))
})
