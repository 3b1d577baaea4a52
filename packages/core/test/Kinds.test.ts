import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Kinds from "../src/Kinds.js"
import type * as Resource from "../src/Resource.js"

// Shapes as a real kube-apiserver returns them (kubectl get -o json), nulls included.
const deploymentFromServer = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    namespace: "default",
    uid: "0b5c",
    resourceVersion: "812",
    generation: 2,
    creationTimestamp: "2026-01-01T00:00:00Z",
    annotations: { "deployment.kubernetes.io/revision": "1" }
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { creationTimestamp: null, labels: { app: "web" } },
      spec: {
        containers: [
          {
            name: "web",
            image: "nginx:1.27",
            resources: {},
            terminationMessagePath: "/dev/termination-log",
            imagePullPolicy: "IfNotPresent"
          }
        ],
        restartPolicy: "Always",
        dnsPolicy: "ClusterFirst",
        schedulerName: "default-scheduler"
      }
    },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600
  },
  status: {
    observedGeneration: 2,
    replicas: 2,
    readyReplicas: 2,
    conditions: [
      {
        type: "Available",
        status: "True",
        lastUpdateTime: "2026-01-01T00:00:05Z",
        lastTransitionTime: "2026-01-01T00:00:05Z",
        reason: "MinimumReplicasAvailable",
        message: "Deployment has minimum availability."
      }
    ]
  }
}

const coreEventFromServer = {
  kind: "Event",
  apiVersion: "v1",
  metadata: { name: "web.17a", namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z" },
  involvedObject: { kind: "Pod", namespace: "default", name: "web-0", apiVersion: "v1" },
  reason: "Scheduled",
  message: "Successfully assigned default/web-0 to node-1",
  source: {},
  firstTimestamp: null,
  lastTimestamp: null,
  type: "Normal",
  eventTime: "2026-01-01T00:00:00.123456Z",
  action: "Binding",
  reportingComponent: "default-scheduler",
  reportingInstance: "default-scheduler-node-1"
}

describe("Kinds", () => {
  it("decodes a Deployment as the apiserver serves it (null template creationTimestamp, unknown fields kept)", () => {
    const decoded = Either.getOrThrow(Kinds.Deployment.decode(deploymentFromServer))
    expect(decoded.spec?.replicas).toBe(2)
    expect(decoded.spec?.template.metadata?.creationTimestamp).toBeUndefined()
    expect(decoded.spec?.template.spec.containers[0]?.image).toBe("nginx:1.27")
    expect(decoded.spec?.strategy?.rollingUpdate?.maxSurge).toBe("25%")
    // untyped fields survive: a read-modify-write loses nothing
    expect(decoded.spec?.template.spec).toHaveProperty("dnsPolicy", "ClusterFirst")
    expect(decoded.spec?.template.spec.containers[0]).toHaveProperty("terminationMessagePath", "/dev/termination-log")
    expect(decoded.status?.conditions?.[0]?.reason).toBe("MinimumReplicasAvailable")
  })

  it("decodes a core/v1 Event with null timestamps to absent fields", () => {
    const decoded = Either.getOrThrow(Kinds.CoreEvent.decode(coreEventFromServer))
    expect(decoded.firstTimestamp).toBeUndefined()
    expect(decoded.lastTimestamp).toBeUndefined()
    expect(decoded.eventTime).toBe("2026-01-01T00:00:00.123456Z")
    expect(decoded.involvedObject.name).toBe("web-0")
  })

  it("defaults apiVersion and kind for list items that omit them", () => {
    const decoded = Either.getOrThrow(Kinds.Lease.decode({ metadata: { name: "op", namespace: "kube-system" } }))
    expect(decoded.apiVersion).toBe("coordination.k8s.io/v1")
    expect(decoded.kind).toBe("Lease")
  })

  it("rejects an object of another kind and a spec of the wrong shape", () => {
    const wrongKind = Kinds.ConfigMap.decode({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" } })
    expect(Either.isLeft(wrongKind)).toBe(true)
    const badSpec = Kinds.Deployment.decode({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "x" },
      spec: { replicas: "two" }
    })
    expect(Either.isLeft(badSpec) && badSpec.left._tag).toBe("DecodeError")
  })

  it("places each kind in the API with the right scope and subresources", () => {
    const table: ReadonlyArray<[Resource.Any, string, string, "Namespaced" | "Cluster", boolean]> = [
      [Kinds.Namespace, "v1", "namespaces", "Cluster", true],
      [Kinds.ConfigMap, "v1", "configmaps", "Namespaced", false],
      [Kinds.Secret, "v1", "secrets", "Namespaced", false],
      [Kinds.ServiceAccount, "v1", "serviceaccounts", "Namespaced", false],
      [Kinds.Service, "v1", "services", "Namespaced", true],
      [Kinds.Pod, "v1", "pods", "Namespaced", true],
      [Kinds.Deployment, "apps/v1", "deployments", "Namespaced", true],
      [Kinds.Lease, "coordination.k8s.io/v1", "leases", "Namespaced", false],
      [Kinds.CoreEvent, "v1", "events", "Namespaced", false],
      [Kinds.Event, "events.k8s.io/v1", "events", "Namespaced", false],
      [Kinds.Node, "v1", "nodes", "Cluster", true],
      [Kinds.CustomResourceDefinition, "apiextensions.k8s.io/v1", "customresourcedefinitions", "Cluster", true]
    ]
    for (const [kind, apiVersion, plural, scope, status] of table) {
      expect([kind.apiVersion, kind.plural, kind.scope, kind.subresources.status], kind.kind).toEqual([
        apiVersion,
        plural,
        scope,
        status
      ])
      expect(Kinds.all).toContain(kind)
      expect(Kinds.findByPlural(apiVersion, plural)).toBe(kind)
    }
    expect(Kinds.all).toHaveLength(table.length)
    expect(Kinds.Deployment.subresources.scale?.specReplicasPath).toBe(".spec.replicas")
    expect(Kinds.find("apps/v1", "Deployment")).toBe(Kinds.Deployment)
    expect(Kinds.find("events.k8s.io/v1", "Event")).toBe(Kinds.Event)
    expect(Kinds.find("v1", "Event")).toBe(Kinds.CoreEvent)
    expect(Kinds.find("v1", "Nope")).toBeUndefined()
    expect(Kinds.findByPlural("apps/v1", "configmaps")).toBeUndefined()
  })

  it("encodes a typed value without inventing nulls", () => {
    const cm: Kinds.ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cfg", namespace: "default" },
      data: { k: "v" }
    }
    expect(Either.getOrThrow(Kinds.ConfigMap.encode(cm))).toEqual(cm)
  })

  it("decodes an events.k8s.io Event converted from core/v1 (null eventTime and series)", () => {
    const decoded = Either.getOrThrow(
      Kinds.Event.decode({
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        metadata: { name: "web.1", namespace: "default" },
        eventTime: null,
        series: null,
        reportingController: "",
        regarding: { kind: "Pod", name: "web-0", namespace: "default" },
        note: "Pulled image",
        type: "Normal",
        deprecatedFirstTimestamp: "2026-01-01T00:00:00Z",
        deprecatedCount: 3
      })
    )
    expect([decoded.eventTime, decoded.series, decoded.note, decoded.deprecatedCount]).toEqual([
      undefined,
      undefined,
      "Pulled image",
      3
    ])
  })

  it("decodes a CRD with its opaque openAPIV3Schema and rejects an unknown scope", () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "websites.example.com" },
      spec: {
        group: "example.com",
        names: { plural: "websites", singular: "website", kind: "Website", listKind: "WebsiteList" },
        scope: "Namespaced",
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
            subresources: { status: {} }
          }
        ]
      },
      status: { storedVersions: ["v1"], acceptedNames: { plural: "websites", kind: "Website" } }
    }
    const decoded = Either.getOrThrow(Kinds.CustomResourceDefinition.decode(crd))
    expect(decoded.spec.versions[0]?.schema?.openAPIV3Schema).toEqual(crd.spec.versions[0]?.schema.openAPIV3Schema)
    expect(decoded.status?.storedVersions).toEqual(["v1"])
    const badScope = Kinds.CustomResourceDefinition.decode({ ...crd, spec: { ...crd.spec, scope: "Global" } })
    expect(Either.isLeft(badScope)).toBe(true)
  })

  it("decodes a CRD as the real server returns it right after create (null conditions)", () => {
    const fresh = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "things.example.com" },
      spec: {
        group: "example.com",
        names: { plural: "things", kind: "Thing" },
        scope: "Cluster",
        versions: [{ name: "v1", served: true, storage: true }]
      },
      status: { conditions: null, acceptedNames: { plural: "", kind: "" }, storedVersions: ["v1"] }
    }
    const decoded = Either.getOrThrow(Kinds.CustomResourceDefinition.decode(fresh))
    expect(decoded.status?.conditions).toBeUndefined()
    expect(decoded.status?.storedVersions).toEqual(["v1"])
  })

  it("a Node is cluster-scoped: its key hint has no namespace", () => {
    const bad = Kinds.Node.decode({ metadata: { name: "node-1" }, spec: { unschedulable: "yes" } })
    expect(Either.isLeft(bad) && [bad.left.kind, bad.left.key]).toEqual(["Node", "node-1"])
  })
})
