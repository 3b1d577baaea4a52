/**
 * The Website admission webhooks at the review level (`Admission.handleReview`, no server):
 * defaulting fills `replicas` and a name-based `content` and is idempotent; validation denies a
 * Schema violation per field and an unpinned image with our message, ratchets on updates that
 * keep the image, and allows pinned images and digests.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { JsonPatchOperation } from "@effect-kube/core/Patch"
import * as Admission from "@effect-kube/webhook/Admission"
import type { AdmissionRequest } from "@effect-kube/webhook/AdmissionReview"
import { DefaultReplicas, defaultContent, defaulter, imageProblem, validator, webhooks } from "../src/webhooks.js"

let counter = 0

const site = (spec: Record<string, unknown>, name = "hello") => ({
  apiVersion: "example.com/v1",
  kind: "Website",
  metadata: { name, namespace: "default" },
  spec
})

const request = (overrides: Partial<AdmissionRequest>): AdmissionRequest => ({
  uid: `uid-${++counter}`,
  kind: { group: "example.com", version: "v1", kind: "Website" },
  resource: { group: "example.com", version: "v1", resource: "websites" },
  name: "hello",
  namespace: "default",
  operation: "CREATE",
  userInfo: { username: "alice", groups: ["system:authenticated"] },
  object: null,
  oldObject: null,
  dryRun: false,
  ...overrides
})

const review = (webhook: Admission.Webhook, overrides: Partial<AdmissionRequest>) =>
  Effect.gen(function* () {
    const req = request(overrides)
    const reply = yield* Admission.handleReview(webhook, {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: req
    })
    expect(reply.status).toBe(200)
    const response = reply.body.response
    if (response === undefined) return yield* Effect.dieMessage("no response in the review")
    expect(response.uid).toBe(req.uid)
    return response
  })

const patchOf = (patch: string | undefined): ReadonlyArray<JsonPatchOperation> =>
  patch === undefined ? [] : JSON.parse(Buffer.from(patch, "base64").toString("utf8"))

/** Applies `add`/`replace` operations on object paths: enough for a defaulting patch. */
const applyPatch = (document: unknown, operations: ReadonlyArray<JsonPatchOperation>): unknown => {
  const root: unknown = JSON.parse(JSON.stringify(document))
  for (const op of operations) {
    if (op.op !== "add" && op.op !== "replace") throw new Error(`unexpected ${op.op} in a defaulting patch`)
    const segments = op.path.slice(1).split("/")
    const last = segments.pop()
    let parent: unknown = root
    for (const s of segments) {
      parent =
        typeof parent === "object" && parent !== null ? Object.getOwnPropertyDescriptor(parent, s)?.value : undefined
    }
    if (typeof parent !== "object" || parent === null || last === undefined) throw new Error(`bad path ${op.path}`)
    Object.defineProperty(parent, last, { value: op.value, enumerable: true, writable: true, configurable: true })
  }
  return root
}

describe("defaulting webhook", () => {
  it.effect("fills in replicas and a placeholder content naming the site", () =>
    Effect.gen(function* () {
      const object = site({ image: "nginx:1.27" }, "shop")
      const response = yield* review(defaulter, { object, name: "shop" })
      expect(response.allowed).toBe(true)
      expect(response.patchType).toBe("JSONPatch")
      const patched = applyPatch(object, patchOf(response.patch))
      expect(patched).toEqual(
        site({ image: "nginx:1.27", replicas: DefaultReplicas, content: defaultContent("shop") }, "shop")
      )
      expect(defaultContent("shop")).toContain("<h1>shop</h1>")
    })
  )

  it.effect("keeps what the user gave and answers no patch on an already defaulted object", () =>
    Effect.gen(function* () {
      const given = site({ image: "nginx:1.27", replicas: 3, content: "<h1>mine</h1>" })
      const response = yield* review(defaulter, { object: given })
      expect(response.allowed).toBe(true)
      expect(response.patch).toBeUndefined()

      // Idempotent: the patched object of a first call gets no patch on a second call.
      const first = yield* review(defaulter, { object: site({ image: "nginx:1.27", replicas: 2 }) })
      const patched = applyPatch(site({ image: "nginx:1.27", replicas: 2 }), patchOf(first.patch))
      expect(patchOf(first.patch).map((op) => op.path)).toEqual(["/spec/content"])
      const second = yield* review(defaulter, { object: patched, operation: "UPDATE", oldObject: patched })
      expect(second.allowed).toBe(true)
      expect(second.patch).toBeUndefined()
    })
  )

  it.effect("leaves the status alone on an update", () =>
    Effect.gen(function* () {
      const object = {
        ...site({ image: "nginx:1.27", replicas: 2 }),
        status: { observedGeneration: 1, url: "http://hello.default.svc" }
      }
      const response = yield* review(defaulter, { operation: "UPDATE", object, oldObject: object })
      expect(patchOf(response.patch)).toEqual([{ op: "add", path: "/spec/content", value: defaultContent("hello") }])
    })
  )

  it.effect("denies what no default can fix: a replicas out of range, a missing image", () =>
    Effect.gen(function* () {
      const response = yield* review(defaulter, { object: site({ replicas: 42 }) })
      expect(response.allowed).toBe(false)
      expect(response.status?.code).toBe(422)
      const fields = (response.status?.details?.causes ?? []).map((c) => c.field)
      expect(fields).toEqual(expect.arrayContaining(["spec.replicas", "spec.image"]))
    })
  )
})

describe("validating webhook", () => {
  it.effect("denies an unpinned image with our message and field", () =>
    Effect.gen(function* () {
      for (const image of ["nginx", "nginx:latest", "registry.local:5000/team/nginx"]) {
        const response = yield* review(validator, { object: site({ image, replicas: 1, content: "x" }) })
        expect(response.allowed).toBe(false)
        expect(response.status?.code).toBe(422)
        expect(response.status?.reason).toBe("Invalid")
        expect(response.status?.message).toContain(`spec.image "${image}"`)
        expect(response.status?.details?.causes?.[0]?.field).toBe("spec.image")
      }
    })
  )

  it.effect("allows a tag, a digest and a registry port with a tag", () =>
    Effect.gen(function* () {
      for (const image of ["nginx:1.27", "nginx@sha256:0123abcd", "registry.local:5000/team/nginx:2.0"]) {
        const response = yield* review(validator, { object: site({ image, replicas: 1, content: "x" }) })
        expect(response.allowed).toBe(true)
        expect(imageProblem(image)).toBeUndefined()
      }
    })
  )

  it.effect("denies what the Schema rejects, one cause per field", () =>
    Effect.gen(function* () {
      const response = yield* review(validator, { object: site({ image: "nginx:1.27", replicas: 11 }) })
      expect(response.allowed).toBe(false)
      expect(response.status?.code).toBe(422)
      const fields = (response.status?.details?.causes ?? []).map((c) => c.field)
      expect(fields).toEqual(expect.arrayContaining(["spec.replicas", "spec.content"]))
    })
  )

  it.effect("on update: an unpinned image already stored stays editable; changing to one is denied", () =>
    Effect.gen(function* () {
      const old = site({ image: "nginx", replicas: 1, content: "a" })
      const edited = yield* review(validator, {
        operation: "UPDATE",
        oldObject: old,
        object: site({ image: "nginx", replicas: 2, content: "b" })
      })
      expect(edited.allowed).toBe(true)
      const changed = yield* review(validator, {
        operation: "UPDATE",
        oldObject: site({ image: "nginx:1.27", replicas: 1, content: "a" }),
        object: site({ image: "nginx:latest", replicas: 1, content: "a" })
      })
      expect(changed.allowed).toBe(false)
      expect(changed.status?.message).toContain("uses the latest tag")
    })
  )

  it.effect("the dry-run flag does not change the decision", () =>
    Effect.gen(function* () {
      const response = yield* review(validator, {
        dryRun: true,
        object: site({ image: "nginx", replicas: 1, content: "x" })
      })
      expect(response.allowed).toBe(false)
    })
  )
})

describe("registration", () => {
  it("serves the mutating webhook first, on the default paths and names", () => {
    expect(webhooks.map((w) => [w.type, w.name, w.path, w.sideEffects])).toEqual([
      ["Mutating", "mwebsite.example.com", "/mutate-example-com-v1-website", "None"],
      ["Validating", "vwebsite.example.com", "/validate-example-com-v1-website", "None"]
    ])
    expect(webhooks.every((w) => w.rules[0]?.resources.join() === "websites")).toBe(true)
  })
})
