/**
 * The Website operator against the in-memory apiserver (TestKube), with the TestClock:
 * create → children with owner references; edit the spec → children follow, generation
 * observed; edit a child by hand → restored; a Secret change → re-reconciled; delete → cleanup
 * ran once, finalizer removed, object gone; a Website failing its Schema → typed error and a
 * Warning Event, the others unaffected.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Conditions from "@effect-kube/controller/Conditions"
import * as Controller from "@effect-kube/controller/Controller"
import { EventRecorder } from "@effect-kube/controller/EventRecorder"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"
import { InformerFactory } from "@effect-kube/processor/InformerFactory"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import { FinalizerName, makeController, websiteObject } from "../src/controller.js"
import { ensureCrd, operator } from "../src/program.js"
import { Registry, RegistryName, RegistryNamespace, make as makeRegistry } from "../src/Registry.js"
import { ContentHashAnnotation, SecretVersionAnnotation } from "../src/render.js"
import { Website } from "../src/Website.js"

interface Calls {
  register: number
  unregister: number
}

/** The real (ConfigMap) registry, counting calls. */
const countingRegistry = (calls: Calls) =>
  Layer.effect(
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

const layerFor = (calls: Calls, options: TestKube.TestKubeOptions = {}) =>
  Layer.mergeAll(
    InformerFactory.layer,
    EventRecorder.layer({ reportingController: "example.com/website-operator", reportingInstance: "test" }),
    countingRegistry(calls)
  ).pipe(Layer.provideMerge(TestKube.layer(options)))

type Env = KubeApi | ApiServer | InformerFactory | EventRecorder | Registry | Scope.Scope

const run = <A, E>(calls: Calls, effect: Effect.Effect<A, E, Env>, options?: TestKube.TestKubeOptions) =>
  effect.pipe(Effect.scoped, Effect.provide(layerFor(calls, options)))

/**
 * Waits until `check` holds, letting fibers run and time pass in 1 ms steps (so a retry backoff
 * can elapse); fails after a bounded number of steps.
 */
const converge = <E, R>(what: string, check: Effect.Effect<boolean, E, R>): Effect.Effect<void, E, R> =>
  Effect.gen(function* () {
    for (let i = 0; i < 20_000; i++) {
      if (yield* check) return
      yield* Effect.yieldNow()
      if (i % 50 === 49) yield* TestClock.adjust("1 millis")
    }
    return yield* Effect.dieMessage(`never converged: ${what}`)
  })

const getObject = (kind: Resource.Any, name: string, namespace = "default") =>
  Effect.flatMap(ApiServer, (server) => server.get(kind, name, namespace))

const exists = (kind: Resource.Any, name: string, namespace = "default") =>
  Effect.map(getObject(kind, name, namespace), Option.isSome)

const object = (kind: Resource.Any, name: string, namespace = "default") =>
  Effect.flatMap(getObject(kind, name, namespace), (o) =>
    Option.isSome(o) ? Effect.succeed(o.value) : Effect.dieMessage(`${kind.kind} ${namespace}/${name} is missing`)
  )

const path = (o: unknown, ...keys: ReadonlyArray<string | number>): unknown => {
  let cur: unknown = o
  for (const k of keys) {
    if (typeof cur !== "object" || cur === null) return undefined
    cur = Object.getOwnPropertyDescriptor(cur, k)?.value
  }
  return cur
}

const typedWebsite = (name: string) =>
  Effect.flatMap(KubeApi, (kube) => kube.resource(Website, { namespace: "default" }).get(name))

const isReady = (name: string, generation: number) =>
  Effect.map(
    typedWebsite(name),
    (site) =>
      Conditions.isTrue(site.status?.conditions, "Ready") &&
      site.status?.observedGeneration === generation &&
      site.metadata.generation === generation
  ).pipe(Effect.orElseSucceed(() => false))

const eventsAbout = (name: string) =>
  Effect.flatMap(EventRecorder, (recorder) =>
    Effect.zipRight(
      recorder.flush,
      Effect.map(
        Effect.flatMap(ApiServer, (server) => server.list(Kinds.Event, "default")),
        (events) => events.filter((e) => path(e, "regarding", "name") === name)
      )
    )
  )

const errorsOf = (controller: string) =>
  Effect.map(Metric.value(Controller.metricsFor(controller).reconcileErrors), (s) => s.count)

const secret = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: "default" },
  stringData: data
})

describe("website-operator on the mock apiserver", () => {
  it.effect("create, edit the spec, edit a child by hand, change the Secret, delete", () => {
    const calls: Calls = { register: 0, unregister: 0 }
    return run(
      calls,
      Effect.gen(function* () {
        const kube = yield* KubeApi
        const websites = kube.resource(Resource.untyped(Website), { namespace: "default" })
        const secrets = kube.resource(Resource.untyped(Kinds.Secret), { namespace: "default" })
        yield* ensureCrd()
        yield* Controller.start(makeController({ name: "website-lifecycle" }))

        // create → children appear with owner references, status Ready with observedGeneration 1
        yield* secrets.create(secret("hello-env", { GREETING: "hi" }))
        const created = yield* websites.create(
          websiteObject("hello", "default", {
            image: "nginx:1.27",
            replicas: 2,
            content: "<h1>v1</h1>",
            secretRef: { name: "hello-env" }
          })
        )
        yield* converge("ready at generation 1", isReady("hello", 1))
        const owner = {
          apiVersion: "example.com/v1",
          kind: "Website",
          name: "hello",
          uid: created.metadata.uid,
          controller: true,
          blockOwnerDeletion: true
        }
        for (const [kind, name] of [
          [Kinds.ConfigMap, "hello-content"],
          [Kinds.Deployment, "hello"],
          [Kinds.Service, "hello"]
        ] as const) {
          expect((yield* object(kind, name)).metadata.ownerReferences).toEqual([owner])
        }
        expect(path(yield* object(Kinds.ConfigMap, "hello-content"), "data", "index.html")).toBe("<h1>v1</h1>")
        const deployment = yield* object(Kinds.Deployment, "hello")
        expect(path(deployment, "spec", "replicas")).toBe(2)
        expect(path(deployment, "spec", "template", "spec", "containers", 0, "image")).toBe("nginx:1.27")
        const site = yield* typedWebsite("hello")
        expect(site.metadata.finalizers).toEqual([FinalizerName])
        expect(site.status?.url).toBe("http://hello.default.svc.cluster.local")
        const registry = yield* object(Kinds.ConfigMap, RegistryName, RegistryNamespace)
        expect(path(registry, "data", "default.hello")).toBe("http://hello.default.svc.cluster.local")
        expect((yield* eventsAbout("hello")).map((e) => path(e, "reason"))).toContain("Deployed")

        // edit the spec → the children follow, the new generation is observed
        const hashBefore = path(deployment, "spec", "template", "metadata", "annotations", ContentHashAnnotation)
        yield* websites.patch("hello", Patch.merge({ spec: { replicas: 3, content: "<h1>v2</h1>" } }))
        yield* converge("ready at generation 2", isReady("hello", 2))
        const deployment2 = yield* object(Kinds.Deployment, "hello")
        expect(path(deployment2, "spec", "replicas")).toBe(3)
        expect(path(deployment2, "spec", "template", "metadata", "annotations", ContentHashAnnotation)).not.toBe(
          hashBefore
        )
        expect(path(yield* object(Kinds.ConfigMap, "hello-content"), "data", "index.html")).toBe("<h1>v2</h1>")

        // edit a child by hand → restored; delete one → recreated
        const deployments = kube.resource(Resource.untyped(Kinds.Deployment), { namespace: "default" })
        yield* deployments.patch("hello", Patch.merge({ spec: { replicas: 7 } }), { fieldManager: "kubectl-edit" })
        yield* converge(
          "replicas restored",
          Effect.map(object(Kinds.Deployment, "hello"), (d) => path(d, "spec", "replicas") === 3)
        )
        yield* kube.resource(Resource.untyped(Kinds.Service), { namespace: "default" }).delete("hello")
        yield* converge("service recreated", exists(Kinds.Service, "hello"))

        // the referenced Secret changes → the pods get its new version
        const rotated = yield* secrets.patch("hello-env", Patch.merge({ stringData: { GREETING: "hello" } }))
        yield* converge(
          "secret version rolled into the pod template",
          Effect.map(
            object(Kinds.Deployment, "hello"),
            (d) =>
              path(d, "spec", "template", "metadata", "annotations", SecretVersionAnnotation) ===
              rotated.metadata.resourceVersion
          )
        )
        expect(yield* errorsOf("website-lifecycle")).toBe(0)

        // delete → cleanup ran once, the finalizer released, the object gone
        expect(calls.unregister).toBe(0)
        yield* websites.delete("hello")
        yield* converge(
          "website gone",
          Effect.map(exists(Website, "hello"), (present) => !present)
        )
        expect(calls.unregister).toBe(1)
        const registryAfter = yield* object(Kinds.ConfigMap, RegistryName, RegistryNamespace)
        expect(path(registryAfter, "data", "default.hello")).toBeUndefined()
        expect((yield* eventsAbout("hello")).map((e) => path(e, "reason"))).toContain("CleanedUp")
        // nothing more happens to it
        yield* TestClock.adjust("1 minute")
        yield* converge("settled", Effect.succeed(true))
        expect(calls.unregister).toBe(1)
        expect(yield* errorsOf("website-lifecycle")).toBe(0)
      })
    )
  })

  it.effect("a missing Secret makes the Website not Ready with a Warning; creating it fixes the Website", () => {
    const calls: Calls = { register: 0, unregister: 0 }
    return run(
      calls,
      Effect.gen(function* () {
        const kube = yield* KubeApi
        yield* ensureCrd()
        yield* Controller.start(makeController({ name: "website-missing-secret" }))
        yield* kube.resource(Resource.untyped(Website), { namespace: "default" }).create(
          websiteObject("needs-secret", "default", {
            image: "nginx:1.27",
            replicas: 1,
            content: "x",
            secretRef: { name: "later" }
          })
        )
        yield* converge(
          "Ready=False SecretNotFound",
          Effect.map(typedWebsite("needs-secret"), (site) =>
            Conditions.hasStatusAndReason(site.status?.conditions, "Ready", "False", "SecretNotFound")
          )
        )
        const warnings = (yield* eventsAbout("needs-secret")).filter((e) => path(e, "type") === "Warning")
        expect(warnings.map((e) => path(e, "reason"))).toContain("SecretNotFound")
        expect(yield* exists(Kinds.Deployment, "needs-secret")).toBe(false)

        yield* kube
          .resource(Resource.untyped(Kinds.Secret), { namespace: "default" })
          .create(secret("later", { K: "v" }))
        yield* converge("ready once the Secret exists", isReady("needs-secret", 1))
        expect(yield* exists(Kinds.Deployment, "needs-secret")).toBe(true)
      })
    )
  })

  it.effect(
    "a Website failing its Schema reaches the error policy as a DecodeError with a Warning; others reconcile",
    () => {
      const calls: Calls = { register: 0, unregister: 0 }
      // Served without the CRD's validation (as after a CRD/Schema drift): the apiserver takes
      // what the operator's Schema rejects.
      return run(
        calls,
        Effect.gen(function* () {
          const kube = yield* KubeApi
          const websites = kube.resource(Resource.untyped(Website), { namespace: "default" })
          yield* websites.create(websiteObject("good", "default", { image: "nginx:1.27", replicas: 1, content: "ok" }))
          yield* websites.create({
            ...websiteObject("bad", "default", { image: "nginx:1.27", replicas: 1, content: "ok" }),
            spec: { image: "nginx:1.27", replicas: 20, content: "too many" }
          })
          yield* Controller.start(makeController({ name: "website-decode" }))
          yield* converge("good is ready", isReady("good", 1).pipe(Effect.orElseSucceed(() => false)))
          yield* converge(
            "decode failure counted",
            Effect.map(errorsOf("website-decode"), (n) => n >= 1)
          )
          const warnings = yield* eventsAbout("bad")
          expect(warnings.map((e) => [path(e, "type"), path(e, "reason")])).toEqual([["Warning", "DecodeFailed"]])
          expect(String(path(warnings[0], "note"))).toContain("replicas")
          expect(yield* exists(Kinds.Deployment, "bad")).toBe(false)
          expect(yield* exists(Kinds.Deployment, "good")).toBe(true)
          const bad = yield* websites.get("bad")
          expect(bad.metadata.finalizers).toBeUndefined()
        }),
        { kinds: [Website] }
      )
    }
  )

  it.effect("the operator program installs the CRD and runs the controller until interrupted", () => {
    const calls: Calls = { register: 0, unregister: 0 }
    return run(
      calls,
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(operator)
        const kube = yield* KubeApi
        yield* converge(
          "CRD installed",
          Effect.map(
            Effect.flatMap(ApiServer, (s) => s.get(Kinds.CustomResourceDefinition, "websites.example.com")),
            Option.isSome
          )
        )
        yield* converge(
          "Website kind served",
          kube
            .resource(Resource.untyped(Website), { namespace: "default" })
            .create(websiteObject("via-program", "default", { image: "nginx:1.27", replicas: 1, content: "p" }))
            .pipe(
              Effect.as(true),
              Effect.orElseSucceed(() => false)
            )
        )
        yield* converge("ready", isReady("via-program", 1))
        yield* Fiber.interrupt(fiber)
        expect(calls.register).toBeGreaterThanOrEqual(1)
      })
    )
  })
})
