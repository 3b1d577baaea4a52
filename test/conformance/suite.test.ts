/**
 * The harness itself, on the in-memory target: a case runs in a fresh namespace, and its
 * outcome is classified against the divergence list (so a fixed divergence cannot linger).
 */
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { Divergence } from "./divergences.js"
import * as Check from "./harness/Check.js"
import { configMap, configMaps, Namespaces } from "./harness/kube.js"
import { runCase } from "./harness/suite.js"
import { type ConformanceCase, Target } from "./harness/Target.js"
import { mock } from "./harness/targets.js"

const passing: ConformanceCase = {
  id: "harness/passing",
  title: "creates a ConfigMap in its namespace",
  run: Effect.gen(function* () {
    const cms = yield* configMaps
    const created = yield* cms.create(configMap("a"))
    yield* Check.equal("namespace", created.metadata.namespace, (yield* Target).namespace)
  })
}

const failing: ConformanceCase = {
  id: "harness/failing",
  title: "expects the impossible",
  run: Check.equal("answer", 41, 42)
}

const erroring: ConformanceCase = {
  id: "harness/erroring",
  title: "gets a missing object",
  run: Effect.flatMap(configMaps, (cms) => cms.get("missing"))
}

const listed =
  (...ids: ReadonlyArray<string>) =>
  (caseId: string): Divergence | undefined =>
    ids.includes(caseId) ? { caseId, targets: ["mock"], kind: "accepted", reason: "for the test" } : undefined

layer(mock, { excludeTestServices: true })("conformance harness", (it) => {
  describe("outcomes", () => {
    it.effect("a passing case passes, in a namespace that exists and is its own", () =>
      Effect.gen(function* () {
        let seen = ""
        const outcome = yield* runCase({
          ...passing,
          run: Effect.zipRight(
            passing.run,
            Effect.map(Target, (t) => {
              seen = t.namespace
            })
          )
        })
        expect(outcome).toEqual({ _tag: "Passed" })
        const kube = yield* KubeApi
        const ns = yield* kube.resource(Namespaces).get(seen)
        expect(ns.metadata.name).toMatch(/^conf-[a-z0-9]+$/)
        const second = yield* runCase({
          ...passing,
          run: Effect.map(Target, (t) => {
            expect(t.namespace).not.toBe(seen)
          })
        })
        expect(second._tag).toBe("Passed")
      })
    )

    it.effect("a failing check fails the case with what was expected and seen", () =>
      Effect.gen(function* () {
        const outcome = yield* runCase(failing)
        expect(outcome).toEqual({ _tag: "Failed", message: "answer: expected 42, got 41" })
      })
    )

    it.effect("an unexpected API error fails the case naming the error", () =>
      Effect.gen(function* () {
        const outcome = yield* runCase(erroring)
        expect(outcome).toEqual({ _tag: "Failed", message: 'unexpected NotFound: configmaps "missing" not found' })
      })
    )

    it.effect("a listed divergence that still fails is divergent, with its kind and reason", () =>
      Effect.gen(function* () {
        const outcome = yield* runCase(failing, listed("harness/failing"))
        expect(outcome).toEqual({
          _tag: "Divergent",
          reason: "accepted: for the test",
          message: "answer: expected 42, got 41"
        })
      })
    )

    it.effect("a listed divergence that passes is stale", () =>
      Effect.gen(function* () {
        const outcome = yield* runCase(passing, listed("harness/passing"))
        expect(outcome).toEqual({ _tag: "StaleDivergence", reason: "accepted: for the test" })
      })
    )
  })

  describe("checks", () => {
    it.effect("fails() reports every mismatching field of an error", () =>
      Effect.gen(function* () {
        const cms = yield* Effect.provideService(configMaps, Target, {
          name: "mock",
          namespace: "default",
          unique: "x",
          newNamespace: Effect.succeed("default"),
          compact: Effect.void,
          waitForCrdEstablished: () => Effect.void,
          widgets: Effect.die("unused"),
          gadgets: Effect.die("unused")
        })
        const error = yield* Effect.flip(
          Check.fails("get", cms.get("missing"), { _tag: "Conflict", code: 409, message: /nope/ })
        )
        expect(error.message).toBe(
          "get: _tag NotFound ≠ Conflict; code 404 ≠ 409; message 'configmaps \"missing\" not found' ≠ /nope/ — the server answered NotFound 404 NotFound: configmaps \"missing\" not found details { name: 'missing', group: undefined, kind: 'configmaps', uid: undefined, causes: undefined, retryAfterSeconds: undefined }"
        )
        const succeeded = yield* Effect.flip(Check.fails("ok", Effect.succeed(1), { _tag: "NotFound" }))
        expect(succeeded.message).toBe("ok: expected NotFound, but the call succeeded with 1")
      })
    )

    it.effect("subset() compares only the expected fields, arrays element-wise", () =>
      Effect.gen(function* () {
        yield* Check.subset("x", { a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { d: 2 }] } })
        const error = yield* Effect.flip(Check.subset("x", { a: [1, 2] }, { a: [1] }))
        expect(error.message).toBe("x: .a: expected [ 1 ], got [ 1, 2 ]; got { a: [ 1, 2 ] }")
      })
    )
  })
})
