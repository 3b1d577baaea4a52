#!/usr/bin/env node
/**
 * `pnpm start`: the Website operator under the manager.
 *
 * - With `KUBECONFIG` set: runs against that cluster (installs the CRD, reconciles Websites).
 * - Without: starts the embedded mock apiserver over HTTPS (kubeconfig written to
 *   `.effect-kube/kubeconfig`, port `EFFECT_KUBE_PORT`, default 6443), runs the operator against
 *   it through the live client, and creates a sample Website whose reconciles and children show
 *   in the log.
 *
 * Either way: leader election on Lease `website-operator` (namespace `POD_NAMESPACE`, default
 * `default`), `/metrics` on `METRICS_PORT` (8080), `/healthz` `/readyz` on `PROBES_PORT` (8081;
 * `0` = a random port, logged), JSON logs when `NODE_ENV=production`, OTLP/HTTP trace export when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set, the Website admission webhooks over HTTPS on
 * `WEBHOOK_PORT` (9443) when `WEBHOOK_CERT_DIR` holds `tls.crt`/`tls.key` (off by default; the
 * embedded mock apiserver never calls webhooks). The first SIGINT/SIGTERM stops gracefully (intake stops,
 * in-flight reconciles finish, the Lease is released, exit 0); a lost lease exits 1.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Manager from "@effect-kube/manager/Manager"
import * as Tracing from "@effect-kube/manager/Tracing"
import { serveSettings } from "@effect-kube/testing/bin/program"
import { demo, managed, mockKubeApi, OperatorLayer, settingsFromEnv } from "./program.js"

const againstCluster = (kubeconfig: string) =>
  Effect.zipRight(
    Effect.logInfo(`website-operator: using the cluster of KUBECONFIG=${kubeconfig}`),
    Effect.flatMap(settingsFromEnv, managed).pipe(
      Effect.provide(OperatorLayer),
      Effect.provide(KubeApi.layerFromKubeConfig())
    )
  )

const againstMock = Effect.flatMap(serveSettings, (settings) =>
  Effect.all(
    [
      Effect.flatMap(settingsFromEnv, managed),
      // The demo's failure is reported, not fatal: the operator keeps running.
      demo.pipe(
        Effect.catchAllCause((cause) => Effect.logError("demo failed", cause)),
        Effect.zipRight(Effect.never)
      )
    ],
    { concurrency: "unbounded" }
  ).pipe(Effect.provide(OperatorLayer), Effect.provide(mockKubeApi(settings)))
)

const main = Effect.flatMap(Config.option(Config.nonEmptyString("KUBECONFIG")), (kubeconfig) =>
  Option.isSome(kubeconfig) ? againstCluster(kubeconfig.value) : againstMock
).pipe(
  Effect.onInterrupt(() => Effect.logInfo("website-operator: stopped")),
  Effect.provide(Tracing.layerFromEnv({ serviceName: "website-operator" }))
)

Manager.runMain(main)
