/**
 * The Website operator against the real kube-apiserver (no controller-manager: no garbage
 * collector, no Deployment controller — the operator's own behaviour is what is tested):
 * create → children appear with owner references; edit the spec → children follow, generation
 * observed; edit a child by hand → restored; a Secret change → re-reconciled; delete → cleanup
 * ran once, finalizer removed, object gone.
 */
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Conditions from "@effect-kube/controller/Conditions"
import * as Controller from "@effect-kube/controller/Controller"
import { EventRecorder } from "@effect-kube/controller/EventRecorder"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"
import { InformerFactory } from "@effect-kube/processor/InformerFactory"
import * as KubeApiServer from "@effect-kube/testing/KubeApiServer"
import { FinalizerName, makeController, websiteObject } from "../src/controller.js"
import { ensureCrd } from "../src/program.js"
import { entryKey, Registry, make as makeRegistry } from "../src/Registry.js"
import { ContentHashAnnotation, SecretVersionAnnotation } from "../src/render.js"
import { Website } from "../src/Website.js"

const Namespace = "website-e2e"
const ControllerName = "website-e2e"

const calls = { register: 0, unregister: 0 }

const CountingRegistry = Layer.effect(
  Registry,
  Effect.map(makeRegistry, (real) => ({
    ...real,
    register: (site: KubeObject) =>
      Effect.zipRight(
        Effect.sync(() => calls.register++),
        real.register(site)
      ),
    unregister: (site: KubeObject) =>
      Effect.zipRight(
        Effect.sync(() => calls.unregister++),
        real.unregister(site)
      )
  }))
)

const KubeLive = Layer.unwrapEffect(
  Effect.map(KubeApiServer.KubeApiServer, (server) =>
    KubeApi.layerFromKubeConfig({ kubeconfig: server.kubeconfigPath })
  )
).pipe(Layer.provide(KubeApiServer.layerShared()))

const E2e = Layer.mergeAll(
  InformerFactory.layer,
  EventRecorder.layer({ reportingController: "example.com/website-operator", reportingInstance: "e2e" }),
  CountingRegistry
).pipe(Layer.provideMerge(KubeLive))

/** Polls `check` every 100 ms (real time) for up to 30 s. */
const until = <E, R>(what: string, check: Effect.Effect<boolean, E, R>): Effect.Effect<void, E, R> =>
  Effect.gen(function* () {
    for (let i = 0; i < 300; i++) {
      if (yield* check) return
      yield* Effect.sleep("100 millis")
    }
    return yield* Effect.dieMessage(`never converged: ${what}`)
  })

const path = (o: unknown, ...keys: ReadonlyArray<string | number>): unknown => {
  let cur: unknown = o
  for (const k of keys) {
    if (typeof cur !== "object" || cur === null) return undefined
    cur = Object.getOwnPropertyDescriptor(cur, k)?.value
  }
  return cur
}

const api = (kind: Resource.Any) =>
  Effect.map(KubeApi, (kube) => kube.resource(Resource.untyped(kind), { namespace: Namespace }))

const getOrUndefined = (kind: Resource.Any, name: string) =>
  Effect.flatMap(api(kind), (a) =>
    a.get(name).pipe(
      Effect.map((o): KubeObject | undefined => o),
      Effect.catchTag("NotFound", () => Effect.succeed(undefined))
    )
  )

const isReady = (name: string, generation: number) =>
  Effect.flatMap(KubeApi, (kube) =>
    kube
      .resource(Website, { namespace: Namespace })
      .get(name)
      .pipe(
        Effect.map(
          (site) =>
            Conditions.isTrue(site.status?.conditions, "Ready") &&
            site.status?.observedGeneration === generation &&
            site.metadata.generation === generation
        ),
        Effect.orElseSucceed(() => false)
      )
  )

layer(E2e, { timeout: "15 minutes", excludeTestServices: true })(
  "website-operator on the real kube-apiserver",
  (it) => {
    it.scoped(
      "create, edit the spec, edit a child by hand, change the Secret, delete",
      () =>
        Effect.gen(function* () {
          const kube = yield* KubeApi
          yield* kube
            .resource(Resource.untyped(Kinds.Namespace))
            .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: Namespace } })
            .pipe(Effect.catchTag("AlreadyExists", () => Effect.void))
          yield* ensureCrd()
          yield* Controller.start(makeController({ name: ControllerName, namespace: Namespace }))
          const websites = yield* api(Website)
          const secrets = yield* api(Kinds.Secret)

          // create
          yield* secrets.create({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "hello-env", namespace: Namespace },
            stringData: { GREETING: "hi" }
          })
          const created = yield* websites.create(
            websiteObject("hello", Namespace, {
              image: "nginx:1.27",
              replicas: 2,
              content: "<h1>v1</h1>",
              secretRef: { name: "hello-env" }
            })
          )
          yield* until("ready at generation 1", isReady("hello", 1))
          for (const [kind, name] of [
            [Kinds.ConfigMap, "hello-content"],
            [Kinds.Deployment, "hello"],
            [Kinds.Service, "hello"]
          ] as const) {
            const child = yield* getOrUndefined(kind, name)
            expect(child?.metadata.ownerReferences).toEqual([
              {
                apiVersion: "example.com/v1",
                kind: "Website",
                name: "hello",
                uid: created.metadata.uid,
                controller: true,
                blockOwnerDeletion: true
              }
            ])
          }
          expect((yield* websites.get("hello")).metadata.finalizers).toEqual([FinalizerName])
          expect(path(yield* (yield* Registry).entries, entryKey(created))).toBe(
            `http://hello.${Namespace}.svc.cluster.local`
          )

          // edit the spec → children follow
          const before = yield* getOrUndefined(Kinds.Deployment, "hello")
          yield* websites.patch("hello", Patch.merge({ spec: { replicas: 3, content: "<h1>v2</h1>" } }))
          yield* until("ready at generation 2", isReady("hello", 2))
          const after = yield* getOrUndefined(Kinds.Deployment, "hello")
          expect(path(after, "spec", "replicas")).toBe(3)
          expect(path(after, "spec", "template", "metadata", "annotations", ContentHashAnnotation)).not.toBe(
            path(before, "spec", "template", "metadata", "annotations", ContentHashAnnotation)
          )
          expect(path(yield* getOrUndefined(Kinds.ConfigMap, "hello-content"), "data", "index.html")).toBe(
            "<h1>v2</h1>"
          )

          // edit a child by hand → restored
          const deployments = yield* api(Kinds.Deployment)
          yield* deployments.patch("hello", Patch.merge({ spec: { replicas: 7 } }), { fieldManager: "kubectl-edit" })
          yield* until(
            "replicas restored",
            Effect.map(getOrUndefined(Kinds.Deployment, "hello"), (d) => path(d, "spec", "replicas") === 3)
          )
          yield* (yield* api(Kinds.Service)).delete("hello")
          yield* until(
            "service recreated",
            Effect.map(
              getOrUndefined(Kinds.Service, "hello"),
              (s) => s !== undefined && s.metadata.deletionTimestamp === undefined
            )
          )

          // the Secret changes → rolled into the pod template
          const rotated = yield* secrets.patch("hello-env", Patch.merge({ stringData: { GREETING: "hello" } }))
          yield* until(
            "secret version rolled",
            Effect.map(
              getOrUndefined(Kinds.Deployment, "hello"),
              (d) =>
                path(d, "spec", "template", "metadata", "annotations", SecretVersionAnnotation) ===
                rotated.metadata.resourceVersion
            )
          )

          // delete → cleanup once, finalizer removed, object gone
          expect(calls.unregister).toBe(0)
          yield* websites.delete("hello")
          yield* until(
            "website gone",
            Effect.map(getOrUndefined(Website, "hello"), (w) => w === undefined)
          )
          yield* Effect.sleep("1 second")
          expect(calls.unregister).toBe(1)
          expect(path(yield* (yield* Registry).entries, entryKey(created))).toBeUndefined()
          const errors = yield* Metric.value(Controller.metricsFor(ControllerName).reconcileErrors)
          expect(errors.count).toBe(0)
        }),
      180_000
    )
  }
)
