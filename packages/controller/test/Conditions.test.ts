import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import type { Condition, KubeObject } from "@effect-kube/core/Meta"
import * as Conditions from "../src/Conditions.js"

const T0 = "2026-01-01T00:00:00Z"
const T1 = "2026-01-01T00:05:00Z"

describe("Conditions", () => {
  it("setAt appends new conditions and keeps lastTransitionTime unless the status changes", () => {
    const a = Conditions.setAt(undefined, { type: "Ready", status: "False", reason: "Pending" }, T0)
    expect(a.changed).toBe(true)
    expect(a.conditions).toEqual([
      { type: "Ready", status: "False", reason: "Pending", message: "", lastTransitionTime: T0 }
    ])

    const sameStatus = Conditions.setAt(
      a.conditions,
      { type: "Ready", status: "False", reason: "Degraded", message: "2/3 up", observedGeneration: 4 },
      T1
    )
    expect(sameStatus.changed).toBe(true)
    expect(Conditions.find(sameStatus.conditions, "Ready")).toEqual({
      type: "Ready",
      status: "False",
      reason: "Degraded",
      message: "2/3 up",
      lastTransitionTime: T0,
      observedGeneration: 4
    })

    const flipped = Conditions.setAt(sameStatus.conditions, { type: "Ready", status: "True", reason: "Up" }, T1)
    expect(Conditions.find(flipped.conditions, "Ready")?.lastTransitionTime).toBe(T1)
    expect(Conditions.find(flipped.conditions, "Ready")?.observedGeneration).toBe(4)

    const noop = Conditions.setAt(
      flipped.conditions,
      { type: "Ready", status: "True", reason: "Up" },
      "2030-01-01T00:00:00Z"
    )
    expect(noop.changed).toBe(false)
    expect(noop.conditions).toBe(flipped.conditions)
  })

  it("keeps the position of other conditions and removes by type", () => {
    let list: ReadonlyArray<Condition> = []
    for (const type of ["A", "B", "C"])
      list = Conditions.setAt(list, { type, status: "True", reason: "R" }, T0).conditions
    list = Conditions.setAt(list, { type: "B", status: "False", reason: "R2" }, T1).conditions
    expect(list.map((c) => c.type)).toEqual(["A", "B", "C"])
    const removed = Conditions.remove(list, "B")
    expect(removed.changed).toBe(true)
    expect(removed.conditions.map((c) => c.type)).toEqual(["A", "C"])
    expect(Conditions.remove(removed.conditions, "B").changed).toBe(false)
  })

  it("status checks", () => {
    const list = Conditions.setAt(
      Conditions.setAt(undefined, { type: "Ready", status: "True", reason: "Up" }, T0).conditions,
      { type: "Degraded", status: "False", reason: "Fine" },
      T0
    ).conditions
    expect(Conditions.isTrue(list, "Ready")).toBe(true)
    expect(Conditions.isFalse(list, "Ready")).toBe(false)
    expect(Conditions.isFalse(list, "Degraded")).toBe(true)
    expect(Conditions.isUnknown(list, "Missing")).toBe(true)
    expect(Conditions.isTrue(list, "Missing")).toBe(false)
    expect(Conditions.hasStatusAndReason(list, "Ready", "True", "Up")).toBe(true)
    expect(Conditions.hasStatusAndReason(list, "Ready", "True", "Other")).toBe(false)
  })

  it.effect("set stamps the time from the Clock (RFC 3339, seconds)", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-03-04T05:06:07.890Z"))
      const { conditions } = yield* Conditions.set(undefined, { type: "Ready", status: "True", reason: "Up" })
      expect(conditions[0].lastTransitionTime).toBe("2026-03-04T05:06:07Z")
      expect(Conditions.timestamp(0)).toBe("1970-01-01T00:00:00Z")
    })
  )

  it("get reads well-formed conditions from an object; withConditions keeps other status fields", () => {
    const obj: KubeObject = {
      metadata: { name: "x" },
      status: {
        replicas: 3,
        conditions: [
          { type: "Ready", status: "True", reason: "Up", message: "", lastTransitionTime: T0 },
          { type: "Broken", status: "Maybe" },
          "junk"
        ]
      }
    }
    expect(Conditions.get(obj).map((c) => c.type)).toEqual(["Ready"])
    expect(Conditions.get({ metadata: {} })).toEqual([])
    const next = Conditions.withConditions(obj, [])
    expect(next.status).toEqual({ replicas: 3, conditions: [] })
    expect(next.metadata).toBe(obj.metadata)
  })
})
