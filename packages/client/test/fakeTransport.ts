import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { KubeError, TransportError } from "@effect-kube/core/Errors"
import { ObjectMeta } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import * as Schema from "effect/Schema"
import { KubeApi } from "../src/KubeApi.js"
import { type KubeRequest, type KubeResponse, KubeTransport } from "../src/Transport.js"

/** A scripted transport: records every request; answers with `respond` / `watch`. */
export interface FakeTransport {
  readonly requests: Array<KubeRequest>
  readonly watches: Array<KubeRequest>
  readonly layer: Layer.Layer<KubeApi>
}

export const ok = (body: unknown, status = 200): KubeResponse => ({ status, headers: {}, body })

export const statusBody = (code: number, reason: string, message = `${reason}!`, extra: object = {}) => ({
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  code,
  reason,
  message,
  ...extra
})

export const fakeTransport = (script: {
  readonly respond?: (request: KubeRequest) => Effect.Effect<KubeResponse, TransportError>
  readonly watch?: (request: KubeRequest) => Stream.Stream<unknown, KubeError>
}): FakeTransport => {
  const requests: Array<KubeRequest> = []
  const watches: Array<KubeRequest> = []
  const transport = KubeTransport.of({
    request: (request) =>
      Effect.suspend(() => {
        requests.push(request)
        return script.respond ? script.respond(request) : Effect.succeed(ok({}))
      }),
    watch: (request) =>
      Stream.suspend(() => {
        watches.push(request)
        return script.watch ? script.watch(request) : Stream.empty
      })
  })
  return { requests, watches, layer: KubeApi.layer.pipe(Layer.provide(Layer.succeed(KubeTransport, transport))) }
}

/** Local test kinds (core's Kinds module is not there yet). */
export const ConfigMap = Resource.make(
  { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", scope: "Namespaced" },
  Resource.objectSchema("v1", "ConfigMap", {
    data: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
  })
)

export const Deployment = Resource.make(
  {
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    scope: "Namespaced",
    subresources: { status: true }
  },
  Resource.objectSchema("apps/v1", "Deployment", {
    spec: Schema.Struct({ replicas: Schema.Number }),
    status: Schema.optional(Schema.Struct({ readyReplicas: Schema.optional(Schema.Number) }))
  })
)

export const Namespace = Resource.make(
  { group: "", version: "v1", kind: "Namespace", plural: "namespaces", scope: "Cluster" },
  Schema.Struct({
    apiVersion: Schema.optional(Schema.String),
    kind: Schema.optional(Schema.String),
    metadata: ObjectMeta
  })
)

export const Widget = Resource.unstructured({
  group: "acme.io",
  version: "v1alpha1",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced"
})

export const ClusterWidget = Resource.unstructured({
  group: "acme.io",
  version: "v1",
  kind: "ClusterWidget",
  plural: "clusterwidgets",
  scope: "Cluster"
})
