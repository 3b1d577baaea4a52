#!/usr/bin/env node
/**
 * `pnpm start`: the Website operator.
 *
 * - With `KUBECONFIG` set: runs against that cluster (installs the CRD, reconciles Websites).
 * - Without: starts the embedded mock apiserver over HTTPS (kubeconfig written to
 *   `.effect-kube/kubeconfig`, port `EFFECT_KUBE_PORT`, default 6443), runs the operator against
 *   it through the live client, and creates a sample Website whose reconciles and children show
 *   in the log.
 *
 * Runs until SIGINT/SIGTERM, then stops gracefully: intake stops, in-flight reconciles finish,
 * informers and servers close.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import { KubeApi } from "@effect-kube/client/KubeApi"
import { serveSettings } from "@effect-kube/testing/bin/program"
import { demo, mockKubeApi, OperatorLayer, operator } from "./program.js"

// Logged once the controller has drained, before the services and connections close.
const stopping = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.onInterrupt(effect, () => Effect.logInfo("website-operator: controller stopped; closing connections"))

const againstCluster = (kubeconfig: string) =>
  Effect.zipRight(
    Effect.logInfo(`website-operator: using the cluster of KUBECONFIG=${kubeconfig}`),
    operator.pipe(stopping, Effect.provide(OperatorLayer), Effect.provide(KubeApi.layerFromKubeConfig()))
  )

const againstMock = Effect.flatMap(serveSettings, (settings) =>
  Effect.all(
    [
      operator,
      // The demo's failure is reported, not fatal: the operator keeps running.
      demo.pipe(
        Effect.catchAllCause((cause) => Effect.logError("demo failed", cause)),
        Effect.zipRight(Effect.never)
      )
    ],
    { concurrency: "unbounded" }
  ).pipe(stopping, Effect.provide(OperatorLayer), Effect.provide(mockKubeApi(settings)))
)

const main = Effect.flatMap(Config.option(Config.nonEmptyString("KUBECONFIG")), (kubeconfig) =>
  Option.isSome(kubeconfig) ? againstCluster(kubeconfig.value) : againstMock
).pipe(Effect.onInterrupt(() => Effect.logInfo("website-operator: stopped")))

NodeRuntime.runMain(main.pipe(Effect.provide(Logger.pretty)))
