/**
 * `TestKube.layer`: `KubeApi` backed by the in-memory {@link ApiServer} — the same program that
 * runs against a cluster runs in a test, with no socket and deterministic time.
 *
 * @since 0.1.0
 */
import { KubeApi } from "@effect-kube/client/KubeApi"
import { KubeTransport } from "@effect-kube/client/Transport"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ApiServer, type Options } from "./ApiServer.js"

/**
 * Options of {@link layer}: those of `ApiServer.make`.
 *
 * @example
 * TestKube.layer({ objects: [namespace, configMap], kinds: [Website] })
 * @since 0.1.0
 */
export type TestKubeOptions = Options

/**
 * The in-memory apiserver as a `KubeTransport`.
 *
 * @example
 * const transport = TestKube.transport.pipe(Layer.provide(ApiServer.layer()))
 * @since 0.1.0
 */
export const transport: Layer.Layer<KubeTransport, never, ApiServer> = Layer.effect(
  KubeTransport,
  Effect.map(ApiServer, (server) => ({ request: server.request, watch: server.watch }))
)

/**
 * `KubeApi` (and the `KubeTransport` under it) over a fresh in-memory apiserver, plus the
 * `ApiServer` itself for seeding, assertions and fault injection. An invalid seeded object is a
 * defect (a bug in the test).
 *
 * @example
 * const test = Effect.gen(function* () {
 *   const kube = yield* KubeApi
 *   const cms = kube.resource(Kinds.ConfigMap, { namespace: "default" })
 *   yield* cms.create({ metadata: { name: "a" }, data: { k: "v" } })
 *   const server = yield* ApiServer
 *   expect(yield* server.requestCount({ verb: "create" })).toBe(1)
 * }).pipe(Effect.provide(TestKube.layer()))
 * @since 0.1.0
 */
export const layer = (options: TestKubeOptions = {}): Layer.Layer<KubeApi | KubeTransport | ApiServer> =>
  KubeApi.layer.pipe(Layer.provideMerge(transport), Layer.provideMerge(ApiServer.layer(options)))
