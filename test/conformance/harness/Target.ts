/**
 * What a conformance case may ask of the target it runs on, in a target-neutral way: a fresh
 * namespace of its own, unique names for cluster-scoped objects, compaction, CRD fixtures.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import { ConformanceFailure, show } from "./Check.js"

/** The targets the suite runs on. */
export type TargetName = "mock" | "mock-http" | "real"

/** Every target, in report order. */
export const targetNames: ReadonlyArray<TargetName> = ["mock", "mock-http", "real"]

/** One case: written once against `KubeApi`, run on every target. */
export interface ConformanceCase {
  /** `<area>/<what>`, stable: divergences and reports refer to it. */
  readonly id: string
  readonly title: string
  readonly run: Effect.Effect<void, unknown, KubeApi | Target | Scope.Scope>
  /**
   * Runs alone, not next to other cases: it compacts (restarts) the server, or its assertions
   * depend on writes of other cases not happening meanwhile.
   */
  readonly exclusive?: boolean
}

/** The per-case view of the target. */
export interface TargetService {
  readonly name: TargetName
  /** A namespace created for this case alone (exists when the case starts). */
  readonly namespace: string
  /** A lowercase alphanumeric token unique in this run (for cluster-scoped names). */
  readonly unique: string
  /** Creates one more fresh namespace and returns its name. */
  readonly newNamespace: Effect.Effect<string, ConformanceFailure, KubeApi>
  /**
   * Makes every resourceVersion issued so far older than the server's history: watches from
   * them and continue tokens issued before get 410. Mock: drop the event history; real:
   * compact etcd and restart the apiserver (its watch cache outlives an etcd compaction).
   */
  readonly compact: Effect.Effect<void, ConformanceFailure, KubeApi>
  /** Waits until the CRD is Established and its resource answers a list. */
  readonly waitForCrdEstablished: (crdName: string) => Effect.Effect<void, ConformanceFailure, KubeApi>
  /** The shared namespaced CRD fixture ({@link widgetCrd}), installed on first use. */
  readonly widgets: Effect.Effect<Resource.Resource<KubeObject, KubeObject>, ConformanceFailure, KubeApi>
  /** The shared cluster-scoped CRD fixture ({@link gadgetCrd}), installed on first use. */
  readonly gadgets: Effect.Effect<Resource.Resource<KubeObject, KubeObject>, ConformanceFailure, KubeApi>
}

/** The target of the running case. */
export class Target extends Context.Tag("conformance/Target")<Target, TargetService>() {}

/** The group of the shared CRD fixtures. */
export const FixtureGroup = "conformance.effect-kube.io"

/**
 * A namespaced kind with a status subresource and a structural schema exercising pruning,
 * defaulting and validation; `spec.items` is a map-list keyed by `name` (for SSA).
 */
export const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `widgets.${FixtureGroup}` },
  spec: {
    group: FixtureGroup,
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList", shortNames: ["wdg"] },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["image"],
                properties: {
                  image: { type: "string", minLength: 1 },
                  replicas: { type: "integer", minimum: 0, maximum: 10 },
                  color: { type: "string", default: "blue" },
                  size: { type: "string", enum: ["small", "large"] },
                  nested: {
                    type: "object",
                    default: {},
                    properties: { mode: { type: "string", default: "auto" }, level: { type: "integer" } }
                  },
                  free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                  tags: { type: "array", items: { type: "string" } },
                  items: {
                    type: "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    items: {
                      type: "object",
                      required: ["name"],
                      properties: { name: { type: "string" }, value: { type: "string" } }
                    }
                  }
                }
              },
              status: {
                type: "object",
                properties: {
                  phase: { type: "string" },
                  observedGeneration: { type: "integer" },
                  message: { type: "string" }
                }
              }
            }
          }
        }
      }
    ]
  }
}

/** The Widget kind (read untyped: the cases check what the server sends, not a decode). */
export const Widget = Resource.unstructured({
  group: FixtureGroup,
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  subresources: { status: true }
})

/** A cluster-scoped kind without a status subresource and with a schema-less (preserved) spec. */
export const gadgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `gadgets.${FixtureGroup}` },
  spec: {
    group: FixtureGroup,
    scope: "Cluster",
    names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              status: { type: "object", "x-kubernetes-preserve-unknown-fields": true }
            }
          }
        }
      }
    ]
  }
}

/** The Gadget kind. */
export const Gadget = Resource.unstructured({
  group: FixtureGroup,
  version: "v1",
  kind: "Gadget",
  plural: "gadgets",
  scope: "Cluster"
})

/** CRDs read untyped. */
export const Crds = Resource.untyped(Kinds.CustomResourceDefinition)

const conditionTrue = (crd: KubeObject, type: string): boolean => {
  const status = crd.status
  if (typeof status !== "object" || status === null || !("conditions" in status)) return false
  const conditions: unknown = status.conditions
  return (
    Array.isArray(conditions) &&
    conditions.some(
      (c: unknown) =>
        typeof c === "object" && c !== null && "type" in c && c.type === type && "status" in c && c.status === "True"
    )
  )
}

const pollSchedule = Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds"))

/**
 * Waits for `Established=True` on the CRD, then for its resource to answer a list (the real
 * server installs the handler right after the condition flips; a request in between is a 404).
 */
export const waitForCrdEstablished = (crdName: string): Effect.Effect<void, ConformanceFailure, KubeApi> =>
  Effect.gen(function* () {
    const kube = yield* KubeApi
    const crds = kube.resource(Crds)
    const crd = yield* crds.get(crdName).pipe(
      Effect.filterOrFail(
        (c) => conditionTrue(c, "Established"),
        (c) => new ConformanceFailure({ message: `CRD ${crdName} not Established: ${show(c.status)}` })
      ),
      Effect.retry(pollSchedule),
      Effect.mapError((e) =>
        e._tag === "ConformanceFailure"
          ? e
          : new ConformanceFailure({ message: `CRD ${crdName}: ${e._tag}: ${e.message}` })
      )
    )
    const spec = crd.spec
    if (
      typeof spec !== "object" ||
      spec === null ||
      !("group" in spec) ||
      !("names" in spec) ||
      !("versions" in spec)
    ) {
      return yield* new ConformanceFailure({ message: `CRD ${crdName} has no usable spec: ${show(spec)}` })
    }
    const group = typeof spec.group === "string" ? spec.group : ""
    const names: unknown = spec.names
    const versions: unknown = spec.versions
    const plural =
      typeof names === "object" && names !== null && "plural" in names && typeof names.plural === "string"
        ? names.plural
        : ""
    const version =
      Array.isArray(versions) &&
      typeof versions[0] === "object" &&
      versions[0] !== null &&
      typeof versions[0].name === "string"
        ? versions[0].name
        : "v1"
    yield* kube.request({ method: "GET", path: `/apis/${group}/${version}/${plural}`, query: { limit: "1" } }).pipe(
      Effect.retry(pollSchedule),
      Effect.mapError(
        (e) =>
          new ConformanceFailure({ message: `CRD ${crdName}: its resource does not answer: ${e._tag}: ${e.message}` })
      )
    )
  })

/** Creates a CRD (or finds it there from an earlier use) and waits until it is served. */
export const ensureCrd = (crd: {
  readonly metadata: { readonly name: string }
}): Effect.Effect<void, ConformanceFailure, KubeApi> =>
  Effect.gen(function* () {
    const kube = yield* KubeApi
    yield* kube
      .request({ method: "POST", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crd })
      .pipe(
        Effect.catchTag("AlreadyExists", () => Effect.void),
        Effect.mapError(
          (e) => new ConformanceFailure({ message: `creating CRD ${crd.metadata.name}: ${e._tag}: ${e.message}` })
        )
      )
    yield* waitForCrdEstablished(crd.metadata.name)
  })
