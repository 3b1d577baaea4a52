import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Resource from "@effect-kube/core/Resource"
import * as Conversion from "../src/Conversion.js"

const WidgetV1 = Resource.custom({
  group: "example.com",
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  spec: Schema.Struct({ image: Schema.String, size: Schema.Int })
})
type WidgetV1 = Resource.TypeOf<typeof WidgetV1>

const WidgetV2 = Resource.custom({
  group: "example.com",
  version: "v2",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  spec: Schema.Struct({ image: Schema.String, replicas: Schema.Int, paused: Schema.Boolean })
})
type WidgetV2 = Resource.TypeOf<typeof WidgetV2>

const WidgetV3 = Resource.custom({
  group: "example.com",
  version: "v3",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  spec: Schema.Struct({ template: Schema.Struct({ image: Schema.String }), replicas: Schema.Int })
})

const widgets = Conversion.hub(WidgetV2, [
  Conversion.spoke(WidgetV1, {
    toHub: (old: WidgetV1) =>
      old.spec.size < 0
        ? Effect.fail(new Conversion.ConversionFailure({ message: "size must not be negative" }))
        : Effect.succeed<WidgetV2>({
            apiVersion: "example.com/v2",
            kind: "Widget",
            // A conversion may change labels and annotations, nothing else in metadata.
            metadata: { ...old.metadata, name: "renamed", labels: { ...old.metadata.labels, converted: "v1" } },
            spec: { image: old.spec.image, replicas: old.spec.size, paused: false }
          }),
    fromHub: (hub: WidgetV2) =>
      Effect.succeed<WidgetV1>({
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: hub.metadata,
        spec: { image: hub.spec.image, size: hub.spec.replicas }
      })
  }),
  Conversion.spoke(WidgetV3, {
    toHub: (v3) =>
      Effect.succeed<WidgetV2>({
        apiVersion: "example.com/v2",
        kind: "Widget",
        metadata: v3.metadata,
        spec: { image: v3.spec.template.image, replicas: v3.spec.replicas, paused: false }
      }),
    fromHub: (hub) =>
      hub.spec.image === "boom"
        ? Effect.die("defect in conversion")
        : Effect.succeed({
            apiVersion: "example.com/v3" as const,
            kind: "Widget" as const,
            metadata: hub.metadata,
            spec: { template: { image: hub.spec.image }, replicas: hub.spec.replicas }
          })
  })
])

const meta = {
  name: "w",
  namespace: "default",
  uid: "u-1",
  resourceVersion: "42",
  creationTimestamp: "2026-01-01T00:00:00Z",
  labels: { app: "w" },
  annotations: { note: "keep" }
}
const v1 = { apiVersion: "example.com/v1", kind: "Widget", metadata: meta, spec: { image: "nginx", size: 3 } }
const v2 = {
  apiVersion: "example.com/v2",
  kind: "Widget",
  metadata: meta,
  spec: { image: "nginx", replicas: 3, paused: true }
}

const reviewOf = (desiredAPIVersion: string, objects: ReadonlyArray<unknown>) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "ConversionReview",
  request: { uid: "c-1", desiredAPIVersion, objects }
})

describe("Conversion.hub", () => {
  it("lists its versions and resources, hub first", () => {
    expect(widgets.versions).toEqual(["v2", "v1", "v3"])
    expect(widgets.resources.map((r) => r.apiVersion)).toEqual(["example.com/v2", "example.com/v1", "example.com/v3"])
    expect(widgets.path).toBe("/convert")
  })

  it.effect("converts a spoke to the hub, restoring metadata except labels and annotations", () =>
    Effect.gen(function* () {
      const out = yield* widgets.convert(v1, "example.com/v2")
      expect(out).toEqual({
        apiVersion: "example.com/v2",
        kind: "Widget",
        metadata: { ...meta, labels: { app: "w", converted: "v1" } },
        spec: { image: "nginx", replicas: 3, paused: false }
      })
    })
  )

  it.effect("converts the hub to a spoke and spoke to spoke through the hub", () =>
    Effect.gen(function* () {
      expect(yield* widgets.convert(v2, "example.com/v1")).toEqual({
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: meta,
        spec: { image: "nginx", size: 3 }
      })
      expect(yield* widgets.convert(v1, "example.com/v3")).toEqual({
        apiVersion: "example.com/v3",
        kind: "Widget",
        metadata: { ...meta, labels: { app: "w", converted: "v1" } },
        spec: { template: { image: "nginx" }, replicas: 3 }
      })
    })
  )

  it.effect("returns an object already at the desired version unchanged", () =>
    Effect.gen(function* () {
      expect(yield* widgets.convert(v2, "example.com/v2")).toBe(v2)
    })
  )

  it.effect("fails with a message for unknown versions, undecodable objects and conversion errors", () =>
    Effect.gen(function* () {
      const unknownFrom = yield* Effect.flip(widgets.convert({ ...v1, apiVersion: "example.com/v9" }, "example.com/v2"))
      expect(unknownFrom.message).toContain("cannot convert example.com/v9")
      const unknownTo = yield* Effect.flip(widgets.convert(v1, "other.com/v2"))
      expect(unknownTo.message).toContain("other.com/v2")
      const undecodable = yield* Effect.flip(widgets.convert({ ...v1, spec: { image: 1, size: 1 } }, "example.com/v2"))
      expect(undecodable.message).toContain("Widget does not match its schema")
      const refused = yield* Effect.flip(widgets.convert({ ...v1, spec: { image: "a", size: -1 } }, "example.com/v2"))
      expect(refused.message).toContain("size must not be negative")
      const notObject = yield* Effect.flip(widgets.convert("x", "example.com/v2"))
      expect(notObject._tag).toBe("ConversionFailure")
    })
  )
})

describe("Conversion.handleReview", () => {
  it.effect("converts every object and echoes the uid", () =>
    Effect.gen(function* () {
      const reply = yield* Conversion.handleReview([widgets], reviewOf("example.com/v1", [v2, v1]))
      expect(reply.status).toBe(200)
      expect(reply.body).toEqual({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "ConversionReview",
        response: {
          uid: "c-1",
          result: { status: "Success" },
          convertedObjects: [
            { apiVersion: "example.com/v1", kind: "Widget", metadata: meta, spec: { image: "nginx", size: 3 } },
            v1
          ]
        }
      })
    })
  )

  it.effect("ignores the empty response placeholder the apiserver sends with every request", () =>
    Effect.gen(function* () {
      // Captured from kube-apiserver v1.37: the request review carries a zero-valued response.
      const body = {
        ...reviewOf("example.com/v2", [v1]),
        response: { uid: "", convertedObjects: null, result: { metadata: {} } }
      }
      const reply = yield* Conversion.handleReview([widgets], body)
      expect(reply.status).toBe(200)
      expect(reply.body.response?.result).toEqual({ status: "Success" })
      expect(reply.body.response?.convertedObjects).toHaveLength(1)
    })
  )

  it.effect("is all or nothing: one failure answers Failure with no objects", () =>
    Effect.gen(function* () {
      const reply = yield* Conversion.handleReview(
        [widgets],
        reviewOf("example.com/v2", [v1, { ...v1, spec: { image: "a", size: -1 } }])
      )
      expect(reply.status).toBe(200)
      expect(reply.body.response?.convertedObjects).toEqual([])
      expect(reply.body.response?.result).toMatchObject({ status: "Failure", code: 400 })
      expect(reply.body.response?.result.message).toContain("size must not be negative")
    })
  )

  it.effect("an unregistered kind or a defect is a Failure, not a crash", () =>
    Effect.gen(function* () {
      const other = yield* Conversion.handleReview(
        [widgets],
        reviewOf("example.com/v2", [{ apiVersion: "example.com/v1", kind: "Gadget", metadata: {} }])
      )
      expect(other.body.response?.result.message).toBe("no conversion registered for Gadget.example.com")
      const defect = yield* Conversion.handleReview(
        [widgets],
        reviewOf("example.com/v3", [{ ...v2, spec: { image: "boom", replicas: 1, paused: false } }])
      )
      expect(defect.body.response?.result).toMatchObject({ status: "Failure", code: 500 })
      expect(defect.body.response?.result.message).toContain("defect in conversion")
    })
  )

  const bad: ReadonlyArray<readonly [string, unknown]> = [
    ["not an object", "x"],
    ["wrong apiVersion", { ...reviewOf("example.com/v1", []), apiVersion: "apiextensions.k8s.io/v1beta1" }],
    ["an AdmissionReview", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "a" } }],
    ["no request", { apiVersion: "apiextensions.k8s.io/v1", kind: "ConversionReview" }],
    [
      "objects not a list",
      { ...reviewOf("example.com/v1", []), request: { uid: "c", desiredAPIVersion: "x", objects: {} } }
    ]
  ]
  for (const [name, body] of bad) {
    it.effect(`${name} → 400 with a failed result`, () =>
      Effect.gen(function* () {
        const reply = yield* Conversion.handleReview([widgets], body)
        expect(reply.status).toBe(400)
        expect(reply.body.response?.result).toMatchObject({ status: "Failure", code: 400 })
        expect(reply.body.response?.convertedObjects).toEqual([])
      })
    )
  }
})
