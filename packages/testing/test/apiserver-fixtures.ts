import type { KubeRequest, KubeResponse } from "@effect-kube/client/Transport"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { ApiServer } from "../src/ApiServer.js"

/** One request through `handle`. */
export const call = (request: KubeRequest): Effect.Effect<KubeResponse, never, ApiServer> =>
  Effect.flatMap(ApiServer, (server) => server.handle(request))

/** A JSON object view of a response body (tests read fields off it). */
export type Json = { readonly [key: string]: Json } & { readonly [key: number]: Json } & {
  readonly length: number
}

/** The body of a response as a loosely typed JSON value (tests only). */
export const body = (response: KubeResponse): Json => JSON.parse(JSON.stringify(response.body ?? null))

export const cmPath = (ns = "default", name?: string): string =>
  name === undefined ? `/api/v1/namespaces/${ns}/configmaps` : `/api/v1/namespaces/${ns}/configmaps/${name}`

export const deployPath = (ns = "default", name?: string): string =>
  name === undefined
    ? `/apis/apps/v1/namespaces/${ns}/deployments`
    : `/apis/apps/v1/namespaces/${ns}/deployments/${name}`

export const configMap = (
  name: string,
  data: Record<string, string> = { k: "v" },
  extra: Record<string, unknown> = {}
) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...extra },
  data
})

export const deployment = (name: string, replicas = 1, extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, ...extra },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } }
  }
})

export const createCm = (
  name: string,
  ns = "default",
  data: Record<string, string> = { k: "v" },
  extra: Record<string, unknown> = {}
) => call({ method: "POST", path: cmPath(ns), body: configMap(name, data, extra) })

/** A CRD for `widgets.example.com` (namespaced, status subresource, a small schema). */
export const widgetCRD = (overrides: Record<string, unknown> = {}) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"] },
    scope: "Namespaced",
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
                required: ["size"],
                properties: {
                  size: { type: "integer", minimum: 1, maximum: 10 },
                  color: { type: "string", enum: ["red", "blue"], default: "red" },
                  labels: { type: "object", additionalProperties: { type: "string" } },
                  free: { type: "object", "x-kubernetes-preserve-unknown-fields": true }
                }
              },
              status: { type: "object", properties: { ready: { type: "boolean" } } }
            }
          }
        }
      }
    ],
    ...overrides
  }
})

export const widgetPath = (ns = "default", name?: string): string =>
  name === undefined
    ? `/apis/example.com/v1/namespaces/${ns}/widgets`
    : `/apis/example.com/v1/namespaces/${ns}/widgets/${name}`

/** Collects the first `n` frames of a watch. */
export const frames = (request: KubeRequest, n: number) =>
  Effect.flatMap(ApiServer, (server) =>
    server.watch(request).pipe(Stream.take(n), Stream.runCollect, Effect.map(Chunk.toArray))
  )

/** A frame as loosely typed JSON. */
export const frame = (u: unknown): Json => JSON.parse(JSON.stringify(u))
