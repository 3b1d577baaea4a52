/**
 * CRDs from `Crd.make` against the real kube-apiserver: the generated schema is accepted as
 * structural and stored unchanged, every object the decoder accepts is accepted (with the
 * defaults the decoder fills), and every object the decoder rejects is rejected naming the same
 * field.
 */
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Crd from "@effect-kube/core/Crd"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import * as KubeApiServer from "@effect-kube/testing/KubeApiServer"
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"

const Port = Schema.Struct({
  name: Schema.String.pipe(Schema.maxLength(15)),
  port: Schema.Int.pipe(Schema.between(1, 65535)),
  protocol: Schema.optionalWith(Schema.Literal("TCP", "UDP"), { default: () => "TCP" })
})

const bigSitesNeedPorts = "self.replicas <= 5 || has(self.ports)"

const WebsiteSpec = Schema.Struct({
  image: Schema.String.pipe(Schema.minLength(1)),
  replicas: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10)), { default: () => 1 }),
  ports: Schema.optional(Schema.Array(Port).annotations({ ...Crd.listType("map"), ...Crd.listMapKeys(["name"]) })),
  env: Schema.optional(Schema.Record({ key: Schema.String.pipe(Schema.pattern(/^[A-Z_]+$/)), value: Schema.String })),
  maxSurge: Schema.optional(
    Schema.Union(Schema.Int.pipe(Schema.nonNegative()), Schema.String.pipe(Schema.pattern(/^\d+%$/)))
  ),
  tier: Schema.NullOr(Schema.Literal("frontend", "backend")),
  values: Schema.optional(Schema.Unknown),
  template: Schema.optional(Schema.Unknown.annotations(Crd.embeddedResource())),
  hosts: Schema.optional(
    Schema.NonEmptyArray(Schema.String.pipe(Schema.pattern(/^[a-z0-9.-]+$/))).annotations(Crd.listType("set"))
  ),
  ratio: Schema.optional(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1))),
  schedule: Schema.optional(Schema.Tuple(Schema.Int, Schema.Int)),
  createdAt: Schema.optional(Schema.Date)
}).pipe(
  // The same rule twice: as a filter for the decoder and as CEL for the apiserver.
  Schema.filter((s) => s.replicas <= 5 || s.ports !== undefined, { message: () => "big sites need ports" }),
  Schema.annotations(Crd.validations([{ rule: bigSitesNeedPorts, message: "big sites need ports" }]))
)

const Website = Resource.custom({
  group: "e2e.example.com",
  version: "v1",
  kind: "Website",
  plural: "websites",
  scope: "Namespaced",
  shortNames: ["ws"],
  spec: WebsiteSpec,
  status: Schema.Struct({ readyReplicas: Schema.optional(Schema.Int), selector: Schema.optional(Schema.String) }),
  scale: {
    specReplicasPath: ".spec.replicas",
    statusReplicasPath: ".status.readyReplicas",
    labelSelectorPath: ".status.selector"
  }
})

const crdOf = (
  resource: Crd.Source | ReadonlyArray<Crd.Version>,
  options?: Crd.Options
): Crd.CustomResourceDefinition => Either.getOrThrowWith(Crd.make(resource, options), (e) => new Error(e.message))

const conditionsOf = (crd: KubeObject): ReadonlyArray<string> => {
  const status = crd.status
  const conditions = typeof status === "object" && status !== null && "conditions" in status ? status.conditions : null
  return Array.isArray(conditions)
    ? conditions.map((c: unknown) =>
        typeof c === "object" && c !== null && "type" in c && "status" in c
          ? `${String(c.type)}=${String(c.status)}`
          : "?"
      )
    : []
}

/**
 * Creates the CRD and waits until the apiserver serves it. Untyped: a fresh CRD's status has
 * `conditions: null`, which `Kinds.CustomResourceDefinition` does not decode.
 */
const install = (crd: Crd.CustomResourceDefinition) =>
  Effect.gen(function* () {
    const crds = (yield* KubeApi).resource(Resource.untyped(Kinds.CustomResourceDefinition))
    yield* crds.create({ apiVersion: crd.apiVersion, kind: crd.kind, metadata: crd.metadata, spec: crd.spec })
    const established = yield* crds.get(crd.metadata.name).pipe(
      Effect.filterOrFail(
        (c) => conditionsOf(c).includes("Established=True"),
        () => "not established yet"
      ),
      Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds")))
    )
    return established
  })

/** The fields a decode failure names, as the apiserver writes them (`spec.ports[0].port`). */
const decoderFields = (u: unknown): ReadonlyArray<string> =>
  Either.match(Website.decode(u), {
    onRight: () => [],
    onLeft: (e) =>
      ParseResult.isParseError(e.cause)
        ? ParseResult.ArrayFormatter.formatErrorSync(e.cause).map((i) =>
            i.path.map((p, n) => (typeof p === "number" ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`)).join("")
          )
        : ["?"]
  })

const site = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: "e2e.example.com/v1",
  kind: "Website",
  metadata: { name, namespace: "default" },
  spec
})

const KubeLive = Layer.unwrapEffect(
  Effect.map(KubeApiServer.KubeApiServer, (server) =>
    KubeApi.layerFromKubeConfig({ kubeconfig: server.kubeconfigPath })
  )
)

// Real sockets and a real process: the layer runs without TestServices, so it.effect has the live clock.
layer(KubeLive.pipe(Layer.provide(KubeApiServer.layerShared())), { timeout: "10 minutes", excludeTestServices: true })(
  "Crd.make against the real kube-apiserver",
  (it) => {
    it.effect(
      "accepts the generated CRD as structural, stores it unchanged and establishes it",
      () =>
        Effect.gen(function* () {
          const crd = crdOf(Website, {
            printerColumns: [
              Crd.printerColumn({ name: "Image", type: "string", jsonPath: ".spec.image" }),
              Crd.printerColumn({ name: "Ready", type: "integer", jsonPath: ".status.readyReplicas" })
            ]
          })
          const stored = yield* install(crd)
          expect(conditionsOf(stored)).toContain("Established=True")
          expect(conditionsOf(stored)).not.toContain("NonStructuralSchema=True")
          // Every keyword we emit is one the apiserver knows: it drops unknown ones.
          expect(stored).toMatchObject({ spec: crd.spec })
        }),
      120_000
    )

    it.effect(
      "accepts what the decoder accepts, filling the defaults the decoder fills",
      () =>
        Effect.gen(function* () {
          const websites = (yield* KubeApi).resource(Resource.untyped(Website), { namespace: "default" })
          const valid = [
            site("minimal", { image: "nginx", tier: null }),
            site("full", {
              image: "nginx:1.27",
              replicas: 8,
              ports: [
                { name: "http", port: 80 },
                { name: "https", port: 443, protocol: "TCP" }
              ],
              env: { LOG_LEVEL: "debug" },
              maxSurge: "25%",
              tier: "frontend",
              values: { anything: [1, "two", { three: null }] },
              template: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "b" } },
              hosts: ["example.com", "www.example.com"],
              ratio: 0.5,
              schedule: [9, 17],
              createdAt: "2026-01-01T00:00:00.000Z"
            }),
            site("int-surge", { image: "nginx", tier: "backend", maxSurge: 2 })
          ]
          for (const object of valid) {
            expect(decoderFields(object)).toEqual([])
            const created = yield* websites.create(object)
            const fromServer = Either.getOrThrowWith(Website.decode(created), (e) => new Error(e.message))
            const local = Either.getOrThrowWith(Website.decode(object), (e) => new Error(e.message))
            expect(Schema.encodeSync(WebsiteSpec)(fromServer.spec)).toEqual(Schema.encodeSync(WebsiteSpec)(local.spec))
          }
          const minimal = yield* websites.get("minimal")
          expect(minimal).toMatchObject({ spec: { replicas: 1 } })
          const full = yield* websites.get("full")
          expect(full).toMatchObject({ spec: { ports: [{ protocol: "TCP" }, { protocol: "TCP" }] } })
        }),
      120_000
    )

    it.effect(
      "rejects what the decoder rejects, naming the same field",
      () =>
        Effect.gen(function* () {
          const websites = (yield* KubeApi).resource(Resource.untyped(Website), { namespace: "default" })
          const base = { image: "nginx", tier: "frontend" }
          const invalid: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
            ["empty-image", { ...base, image: "" }],
            ["too-many", { ...base, replicas: 11 }],
            ["not-int", { ...base, replicas: 2.5 }],
            ["bad-tier", { ...base, tier: "middle" }],
            ["no-tier", { image: "nginx" }],
            ["bad-port", { ...base, ports: [{ name: "http", port: 0 }] }],
            ["long-port-name", { ...base, ports: [{ name: "a-very-long-port-name", port: 80 }] }],
            ["bad-protocol", { ...base, ports: [{ name: "http", port: 80, protocol: "SCTP" }] }],
            ["bad-env-value", { ...base, env: { LOG_LEVEL: 3 } }],
            ["bad-surge", { ...base, maxSurge: "lots" }],
            ["negative-surge", { ...base, maxSurge: -1 }],
            ["no-hosts", { ...base, hosts: [] }],
            ["bad-host", { ...base, hosts: ["Example.com"] }],
            ["zero-ratio", { ...base, ratio: 0 }],
            ["short-schedule", { ...base, schedule: [9] }],
            ["wrong-type", { ...base, image: 42 }],
            ["big-no-ports", { ...base, replicas: 8 }]
          ]
          for (const [name, spec] of invalid) {
            const object = site(name, spec)
            const local = decoderFields(object)
            expect(local, name).not.toEqual([])
            const error = yield* Effect.flip(websites.create(object))
            expect(error._tag, name).toBe("Invalid")
            const server = error._tag === "Invalid" ? error.causes.map((c) => c.field ?? "") : []
            // One side may name a part of the field the other names whole: a missing tuple
            // element (`spec.schedule[1]`) is the server's too-short `spec.schedule`; a failed
            // optional field (`spec.ports`, "not undefined") is the server's `spec.ports[0].port`.
            const within = (a: string, b: string) => a === b || a.startsWith(`${b}[`) || a.startsWith(`${b}.`)
            for (const field of local) {
              const named = server.some((f) => within(field, f) || within(f, field))
              expect({ name, field, named, server }).toEqual({ name, field, named: true, server })
            }
          }
        }),
      120_000
    )

    it.effect(
      "rejects map keys outside the Record's key filter (a generated CEL rule: stricter than the decoder)",
      () =>
        Effect.gen(function* () {
          const websites = (yield* KubeApi).resource(Resource.untyped(Website), { namespace: "default" })
          const object = site("bad-env-key", { image: "nginx", tier: null, env: { "log-level": "debug" } })
          // Effect reads a key filter as "these keys have string values" and keeps other keys as
          // unknown fields; the CRD takes the stricter reading the API author meant.
          expect(decoderFields(object)).toEqual([])
          const error = yield* Effect.flip(websites.create(object))
          expect(error._tag).toBe("Invalid")
          expect(error.message).toContain("spec.env")
          expect(error.message).toContain("keys must match ^[A-Z_]+$")
        }),
      120_000
    )

    it.effect(
      "serves several versions with one storage version",
      () =>
        Effect.gen(function* () {
          const placement = {
            group: "e2e.example.com",
            kind: "Cache",
            plural: "caches",
            scope: "Namespaced",
            status: Schema.Struct({ ready: Schema.optional(Schema.Boolean) })
          } as const
          const v1 = Resource.custom({
            ...placement,
            version: "v1",
            spec: Schema.Struct({ size: Schema.optional(Schema.Int) })
          })
          const v2 = Resource.custom({
            ...placement,
            version: "v2",
            spec: Schema.Struct({
              size: Schema.optional(Schema.Int),
              engine: Schema.optional(Schema.Literal("redis", "memcached"))
            })
          })
          const crd = crdOf(
            [
              {
                resource: v1,
                storage: false,
                deprecated: true,
                deprecationWarning: "e2e.example.com/v1 Cache is deprecated"
              },
              { resource: v2, storage: true }
            ],
            { conversion: { strategy: "None" } }
          )
          const stored = yield* install(crd)
          expect(stored).toMatchObject({
            spec: {
              versions: [
                { name: "v1", served: true, storage: false },
                { name: "v2", served: true, storage: true }
              ]
            }
          })
          const kube = yield* KubeApi
          const old = yield* kube
            .resource(Resource.untyped(v1), { namespace: "default" })
            .create({ apiVersion: "e2e.example.com/v1", kind: "Cache", metadata: { name: "c1" }, spec: { size: 1 } })
          const current = yield* kube.resource(Resource.untyped(v2), { namespace: "default" }).create({
            apiVersion: "e2e.example.com/v2",
            kind: "Cache",
            metadata: { name: "c2" },
            spec: { engine: "redis" }
          })
          expect([old.apiVersion, current.apiVersion]).toEqual(["e2e.example.com/v1", "e2e.example.com/v2"])
          const rejected = yield* Effect.flip(
            kube.resource(Resource.untyped(v2), { namespace: "default" }).create({
              apiVersion: "e2e.example.com/v2",
              kind: "Cache",
              metadata: { name: "c3" },
              spec: { engine: "etcd" }
            })
          )
          expect(rejected._tag).toBe("Invalid")
        }),
      120_000
    )
  }
)
