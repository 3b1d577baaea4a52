import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { NotFound } from "@effect-kube/core/Errors"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Admission from "../src/Admission.js"
import { admissionRequest, admissionReview, applyPatch, decodePatch, Website, websiteObject } from "./fixtures.js"

class QuotaExceeded extends Data.TaggedError("QuotaExceeded")<{ readonly message: string }> {}
class Opaque extends Data.TaggedError("Opaque")<{}> {}

const review = <R>(webhook: Admission.Webhook<R>, overrides: Parameters<typeof admissionReview>[0] = {}) =>
  Admission.handleReview(webhook, admissionReview(overrides))

describe("Admission.validating", () => {
  it.effect("allows with warnings and echoes the uid", () =>
    Effect.gen(function* () {
      const webhook = Admission.validating({
        resource: Website,
        handler: () =>
          Effect.succeed(Admission.allowed({ warnings: ["latest tag"], auditAnnotations: { seen: "yes" } }))
      })
      const request = admissionRequest()
      const reply = yield* Admission.handleReview(webhook, {
        apiVersion: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        request
      })
      expect(reply.status).toBe(200)
      expect(reply.body).toEqual({
        apiVersion: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        response: {
          uid: request.uid,
          allowed: true,
          status: { code: 200, status: "Success" },
          warnings: ["latest tag"],
          auditAnnotations: { seen: "yes" }
        }
      })
    })
  )

  it.effect("denies with the handler's message, code and warnings", () =>
    Effect.gen(function* () {
      const webhook = Admission.validating({
        resource: Website,
        handler: (req) =>
          Effect.succeed(
            req.object?.spec.image.endsWith(":latest")
              ? Admission.denied("pin the image tag", { warnings: ["see the docs"] })
              : Admission.allowed()
          )
      })
      const denied = yield* review(webhook, { object: websiteObject({ image: "nginx:latest" }) })
      expect(denied.body.response).toMatchObject({
        allowed: false,
        status: { code: 403, reason: "Forbidden", message: "pin the image tag", status: "Failure" },
        warnings: ["see the docs"]
      })
      const ok = yield* review(webhook, { object: websiteObject({ image: "nginx:1.27" }) })
      expect(ok.body.response?.allowed).toBe(true)
    })
  )

  it.effect("hands the handler the decoded objects with Schema defaults, the user and dryRun", () =>
    Effect.gen(function* () {
      const seen = yield* Ref.make<ReadonlyArray<Admission.Request<Website>>>([])
      const webhook = Admission.validating({
        resource: Website,
        handler: (req) =>
          Effect.as(
            Ref.update(seen, (all) => [...all, req]),
            Admission.allowed()
          )
      })
      yield* review(webhook, {
        operation: "UPDATE",
        dryRun: true,
        object: websiteObject({ image: "b" }),
        oldObject: websiteObject({ image: "a", replicas: 3 })
      })
      const [req] = yield* Ref.get(seen)
      expect(req?.operation).toBe("UPDATE")
      expect(req?.dryRun).toBe(true)
      expect(req?.userInfo.username).toBe("alice")
      expect(req?.object?.spec).toEqual({ image: "b", replicas: 1, tier: "web" })
      expect(req?.oldObject?.spec).toEqual({ image: "a", replicas: 3, tier: "web" })
    })
  )

  it.effect("an old object that no longer matches the Schema does not block the update", () =>
    Effect.gen(function* () {
      const olds = yield* Ref.make<Array<unknown>>([])
      const webhook = Admission.validating({
        resource: Website,
        handler: (req) =>
          Effect.as(
            Ref.update(olds, (o) => [...o, req.oldObject]),
            Admission.allowed()
          )
      })
      const reply = yield* review(webhook, {
        operation: "UPDATE",
        object: websiteObject({ image: "fixed", replicas: 2 }),
        oldObject: websiteObject({ image: "broken", replicas: 99 })
      })
      expect(reply.body.response?.allowed).toBe(true)
      expect(yield* Ref.get(olds)).toEqual([undefined])
    })
  )

  it.effect("a typed failure denies with its message; a Kubernetes API error keeps its code", () =>
    Effect.gen(function* () {
      const quota = Admission.validating({
        resource: Website,
        handler: () => Effect.fail(new QuotaExceeded({ message: "namespace quota exceeded" }))
      })
      expect((yield* review(quota)).body.response).toMatchObject({
        allowed: false,
        status: { code: 403, reason: "Forbidden", message: "namespace quota exceeded" }
      })
      const opaque = Admission.validating({ resource: Website, handler: () => Effect.fail(new Opaque()) })
      expect((yield* review(opaque)).body.response?.status?.message).toBe("Opaque")
      const api = Admission.validating({
        resource: Website,
        handler: () =>
          Effect.fail(
            new NotFound({
              message: 'configmaps "x" not found',
              code: 404,
              reason: "NotFound",
              status: { kind: "Status", code: 404, reason: "NotFound", message: 'configmaps "x" not found' }
            })
          )
      })
      expect((yield* review(api)).body.response).toMatchObject({
        allowed: false,
        status: { code: 404, reason: "NotFound", message: 'configmaps "x" not found', status: "Failure" }
      })
    })
  )

  it.effect("a defect answers 500 without crashing", () =>
    Effect.gen(function* () {
      const webhook = Admission.validating({ resource: Website, handler: () => Effect.die(new Error("boom")) })
      const reply = yield* review(webhook)
      expect(reply.status).toBe(200)
      expect(reply.body.response).toMatchObject({
        allowed: false,
        status: { code: 500, reason: "InternalError", message: "internal error: boom" }
      })
    })
  )

  it.effect("a handler slower than timeoutSeconds answers 500 and is interrupted", () =>
    Effect.gen(function* () {
      const finished = yield* Ref.make(false)
      const webhook = Admission.validating({
        resource: Website,
        timeoutSeconds: 3,
        handler: () =>
          Effect.as(Effect.zipRight(Effect.sleep("1 minute"), Ref.set(finished, true)), Admission.allowed())
      })
      const fiber = yield* Effect.fork(review(webhook))
      yield* TestClock.adjust("3 seconds")
      const reply = yield* Fiber.join(fiber)
      expect(reply.body.response).toMatchObject({ allowed: false, status: { code: 500 } })
      expect(reply.body.response?.status?.message).toContain("within 3s")
      yield* TestClock.adjust("2 minutes")
      expect(yield* Ref.get(finished)).toBe(false)
    })
  )

  it.effect("an object that does not decode is denied 422 naming every failing field", () =>
    Effect.gen(function* () {
      const webhook = Admission.validating({ resource: Website, handler: () => Effect.succeed(Admission.allowed()) })
      const reply = yield* review(webhook, { object: websiteObject({ replicas: 42, tier: "gpu" }) })
      const response = reply.body.response
      expect(response?.allowed).toBe(false)
      expect(response?.status?.code).toBe(422)
      expect(response?.status?.reason).toBe("Invalid")
      expect(response?.status?.message).toMatch(/^Website "web" is invalid: /)
      expect(response?.status?.details?.causes).toEqual([
        { reason: "FieldValueRequired", field: "spec.image", message: "is missing" },
        {
          reason: "FieldValueInvalid",
          field: "spec.replicas",
          message: "Expected a number between 1 and 10, actual 42"
        },
        { reason: "FieldValueInvalid", field: "spec.tier", message: 'Expected "web" | "batch", actual "gpu"' }
      ])
      expect(response?.status?.message).toBe(
        'Website "web" is invalid: spec.image: is missing; spec.replicas: Expected a number between 1 and 10, actual 42; spec.tier: Expected "web" | "batch", actual "gpu"'
      )
    })
  )

  it.effect("a request for another kind is a 400 naming both kinds", () =>
    Effect.gen(function* () {
      const webhook = Admission.validating({ resource: Website, handler: () => Effect.succeed(Admission.allowed()) })
      const reply = yield* review(webhook, { kind: { group: "autoscaling", version: "v1", kind: "Scale" } })
      expect(reply.body.response).toMatchObject({ allowed: false, status: { code: 400 } })
      expect(reply.body.response?.status?.message).toContain("example.com/v1, Kind=Website")
      expect(reply.body.response?.status?.message).toContain("autoscaling/v1, Kind=Scale")
    })
  )

  it.effect("an operation outside the webhook's operations is allowed without calling the handler", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const webhook = Admission.validating({
        resource: Website,
        operations: ["CREATE"],
        handler: () =>
          Effect.as(
            Ref.update(calls, (n) => n + 1),
            Admission.denied("no")
          )
      })
      const reply = yield* review(webhook, {
        operation: "DELETE",
        object: null,
        oldObject: websiteObject({ image: "a" })
      })
      expect(reply.body.response?.allowed).toBe(true)
      expect(yield* Ref.get(calls)).toBe(0)
    })
  )
})

describe("Admission.validator", () => {
  const webhook = Admission.validator({
    resource: Website,
    create: (site) => Effect.succeed(site.spec.replicas > 5 ? Admission.denied("too many") : Admission.allowed()),
    update: (site, old) =>
      Effect.succeed(
        old !== undefined && old.spec.tier !== site.spec.tier
          ? Admission.denied("tier is immutable")
          : Admission.allowed()
      ),
    delete: (old) =>
      Effect.succeed(old.metadata.labels?.protected === "true" ? Admission.denied("protected") : Admission.allowed())
  })

  it("derives its operations from the handlers given", () => {
    expect(webhook.rules[0]?.operations).toEqual(["CREATE", "UPDATE", "DELETE"])
    const createOnly = Admission.validator({ resource: Website, create: () => Effect.succeed(Admission.allowed()) })
    expect(createOnly.rules[0]?.operations).toEqual(["CREATE"])
  })

  it.effect("routes each operation to its handler", () =>
    Effect.gen(function* () {
      const create = yield* review(webhook, { object: websiteObject({ image: "a", replicas: 6 }) })
      expect(create.body.response?.status?.message).toBe("too many")
      const update = yield* review(webhook, {
        operation: "UPDATE",
        object: websiteObject({ image: "a", tier: "batch" }),
        oldObject: websiteObject({ image: "a" })
      })
      expect(update.body.response?.status?.message).toBe("tier is immutable")
      const del = yield* review(webhook, {
        operation: "DELETE",
        object: null,
        oldObject: websiteObject({ image: "a" }, { labels: { protected: "true" } })
      })
      expect(del.body.response?.status?.message).toBe("protected")
      const delUndecodable = yield* review(webhook, {
        operation: "DELETE",
        object: null,
        oldObject: websiteObject({ replicas: "many" }, { labels: { protected: "true" } })
      })
      expect(delUndecodable.body.response?.allowed).toBe(true)
    })
  )
})

describe("Admission.mutating", () => {
  const labelled = Admission.mutating({
    resource: Website,
    handler: (site, req) =>
      Effect.succeed(
        Admission.withWarnings(
          {
            ...site,
            metadata: {
              ...site.metadata,
              labels: { ...site.metadata.labels, "example.com/owner": req.userInfo.username ?? "" }
            },
            spec: { ...site.spec, replicas: Math.max(site.spec.replicas, 2) }
          },
          ["replicas raised to 2"]
        )
      )
  })

  it.effect("answers the JSON Patch that turns the sent object into the handler's result", () =>
    Effect.gen(function* () {
      const object = websiteObject({ image: "nginx" }, { creationTimestamp: null, annotations: { keep: "me" } })
      const reply = yield* review(labelled, { object })
      const response = reply.body.response
      expect(response?.allowed).toBe(true)
      expect(response?.patchType).toBe("JSONPatch")
      expect(response?.warnings).toEqual(["replicas raised to 2"])
      const ops = decodePatch(response?.patch)
      // The apiserver applies the patch to the object it sent (creationTimestamp: null included).
      expect(applyPatch(object, ops)).toEqual({
        ...object,
        metadata: { ...object.metadata, labels: { "example.com/owner": "alice" } },
        spec: { image: "nginx", replicas: 2, tier: "web" }
      })
      expect(ops.some((op) => op.path.includes("creationTimestamp"))).toBe(false)
    })
  )

  it.effect("is idempotent: a second call on the patched object answers no patch", () =>
    Effect.gen(function* () {
      const object = websiteObject({ image: "nginx" })
      const first = yield* review(labelled, { object })
      const patched = applyPatch(object, decodePatch(first.body.response?.patch))
      const second = yield* review(labelled, { object: patched })
      expect(second.body.response?.allowed).toBe(true)
      expect(second.body.response?.patch).toBeUndefined()
      expect(second.body.response?.patchType).toBeUndefined()
    })
  )

  it.effect("a request without an object (DELETE) is allowed unchanged", () =>
    Effect.gen(function* () {
      const webhook = Admission.mutating({
        resource: Website,
        operations: ["DELETE"],
        handler: () => Effect.die("must not run")
      })
      const reply = yield* review(webhook, {
        operation: "DELETE",
        object: null,
        oldObject: websiteObject({ image: "a" })
      })
      expect(reply.body.response).toMatchObject({ allowed: true })
      expect(reply.body.response?.patch).toBeUndefined()
    })
  )

  it.effect("a result that cannot be encoded answers 500", () =>
    Effect.gen(function* () {
      const webhook = Admission.mutating({
        resource: Website,
        handler: (site) => Effect.succeed({ ...site, spec: { ...site.spec, replicas: 1.5 } })
      })
      const reply = yield* review(webhook)
      expect(reply.body.response).toMatchObject({ allowed: false, status: { code: 500 } })
      expect(reply.body.response?.status?.message).toContain("cannot be encoded")
    })
  )

  it.effect("works on built-in kinds", () =>
    Effect.gen(function* () {
      const webhook = Admission.mutating({
        resource: Kinds.ConfigMap,
        handler: (cm) => Effect.succeed({ ...cm, data: { ...cm.data, injected: "true" } })
      })
      const object = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "d" }, data: { a: "1" } }
      const reply = yield* review(webhook, {
        kind: { group: "", version: "v1", kind: "ConfigMap" },
        resource: { group: "", version: "v1", resource: "configmaps" },
        object
      })
      expect(applyPatch(object, decodePatch(reply.body.response?.patch))).toEqual({
        ...object,
        data: { a: "1", injected: "true" }
      })
      expect(webhook.path).toBe("/mutate-core-v1-configmap")
      expect(webhook.name).toBe("mconfigmap.core.effect-kube.io")
    })
  )
})

describe("Admission.defaulting and validatingFromSchema", () => {
  it.effect("defaulting patches in the Schema defaults and nothing else", () =>
    Effect.gen(function* () {
      const webhook = Admission.defaulting(Website)
      const object = websiteObject({ image: "nginx" }, { creationTimestamp: null, uid: "x" })
      const reply = yield* review(webhook, { object })
      const ops = decodePatch(reply.body.response?.patch)
      expect(ops).toEqual([
        { op: "add", path: "/spec/replicas", value: 1 },
        { op: "add", path: "/spec/tier", value: "web" }
      ])
      expect(webhook.type).toBe("Mutating")
      expect(webhook.path).toBe("/mutate-example-com-v1-website")
      expect(webhook.name).toBe("mwebsite.example.com")
    })
  )

  it.effect("defaulting denies an invalid object with the field paths", () =>
    Effect.gen(function* () {
      const reply = yield* review(Admission.defaulting(Website), { object: websiteObject({ image: 7 }) })
      expect(reply.body.response).toMatchObject({ allowed: false, status: { code: 422, reason: "Invalid" } })
      expect(reply.body.response?.status?.details?.causes).toEqual([
        { reason: "FieldValueInvalid", field: "spec.image", message: "Expected string, actual 7" }
      ])
    })
  )

  it.effect("validatingFromSchema allows valid objects and denies Schema violations", () =>
    Effect.gen(function* () {
      const webhook = Admission.validatingFromSchema(Website)
      expect(
        (yield* review(webhook, { object: websiteObject({ image: "a", replicas: 10 }) })).body.response?.allowed
      ).toBe(true)
      const denied = yield* review(webhook, { object: websiteObject({ image: "a", replicas: 11 }) })
      expect(denied.body.response?.allowed).toBe(false)
      expect(denied.body.response?.status?.details?.causes?.[0]?.field).toBe("spec.replicas")
      expect(webhook.path).toBe("/validate-example-com-v1-website")
      expect(webhook.rules).toEqual([
        {
          operations: ["CREATE", "UPDATE"],
          apiGroups: ["example.com"],
          apiVersions: ["v1"],
          resources: ["websites"],
          scope: "Namespaced"
        }
      ])
    })
  )
})

describe("Admission.unlessDryRun", () => {
  it.effect("skips the effect on dry runs", () =>
    Effect.gen(function* () {
      const writes = yield* Ref.make(0)
      const webhook = Admission.validating({
        resource: Website,
        sideEffects: "NoneOnDryRun",
        handler: (req) =>
          Effect.as(
            Admission.unlessDryRun(
              req,
              Ref.update(writes, (n) => n + 1)
            ),
            Admission.allowed()
          )
      })
      yield* review(webhook, { dryRun: true })
      expect(yield* Ref.get(writes)).toBe(0)
      yield* review(webhook, { dryRun: false })
      expect(yield* Ref.get(writes)).toBe(1)
      const req = { dryRun: true } as const
      expect(yield* Admission.unlessDryRun({ ...admissionBase, ...req }, Effect.succeed(1))).toEqual(Option.none())
    })
  )
})

const admissionBase: Admission.Request<unknown> = {
  uid: "u",
  operation: "CREATE",
  name: "a",
  namespace: "b",
  subResource: undefined,
  dryRun: false,
  userInfo: {},
  object: undefined,
  oldObject: undefined,
  raw: admissionRequest()
}

describe("Admission.handleReview with bad input", () => {
  const webhook = Admission.validatingFromSchema(Website)
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ["not an object", 42, "AdmissionReview"],
    ["null", null, "AdmissionReview"],
    ["wrong apiVersion", { ...admissionReview(), apiVersion: "admission.k8s.io/v1beta1" }, "apiVersion"],
    ["wrong kind", { ...admissionReview(), kind: "ConversionReview" }, "kind"],
    ["no request", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }, "no request"],
    ["empty uid", admissionReview({ uid: "" }), "uid"],
    ["unknown operation", { ...admissionReview(), request: { ...admissionRequest(), operation: "PATCH" } }, "operation"]
  ]
  for (const [name, body, mention] of cases) {
    it.effect(`${name} → 400 with a reason`, () =>
      Effect.gen(function* () {
        const reply = yield* Admission.handleReview(webhook, body)
        expect(reply.status).toBe(400)
        expect(reply.body.apiVersion).toBe("admission.k8s.io/v1")
        expect(reply.body.response?.allowed).toBe(false)
        expect(reply.body.response?.status?.code).toBe(400)
        expect(reply.body.response?.status?.message).toContain(mention)
      })
    )
  }

  it.effect("ignores a response placeholder in the request review", () =>
    Effect.gen(function* () {
      const body = { ...admissionReview(), response: { uid: "", allowed: null } }
      const reply = yield* Admission.handleReview(webhook, body)
      expect(reply.status).toBe(200)
      expect(reply.body.response?.allowed).toBe(true)
    })
  )

  it.effect("echoes the uid when the request has one", () =>
    Effect.gen(function* () {
      const body = { ...admissionReview(), apiVersion: "v2" }
      const reply = yield* Admission.handleReview(webhook, body)
      expect(reply.body.response?.uid).toBe(body.request.uid)
    })
  )
})
