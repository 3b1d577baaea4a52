import { describe, expect, it } from "@effect/vitest"
import * as FC from "effect/FastCheck"
import * as Backoff from "../src/internal/backoff.js"

const policy = Backoff.defaultPolicy

describe("backoff policy", () => {
  it("doubles from 800 ms and caps at 30 s (upper jitter bound)", () => {
    const state = Backoff.makeState()
    const delays = Array.from({ length: 9 }, (_, i) => Backoff.onFailure(policy, state, i, 0.9999999))
    expect(delays).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000])
  })

  it("equal jitter: never below half the nominal delay", () => {
    const state = Backoff.makeState()
    const delays = Array.from({ length: 8 }, (_, i) => Backoff.onFailure(policy, state, i, 0))
    expect(delays).toEqual([400, 800, 1600, 3200, 6400, 12800, 15000, 15000])
  })

  it.prop(
    "every delay lies in [nominal / 2, nominal] and never exceeds the cap",
    [FC.array(FC.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 30 })],
    ([randoms]) => {
      const state = Backoff.makeState()
      randoms.forEach((r, n) => {
        const delay = Backoff.onFailure(policy, state, n, r)
        const nominal = Backoff.nominalMillis(policy, n)
        expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal / 2))
        expect(delay).toBeLessThanOrEqual(nominal)
        expect(delay).toBeLessThanOrEqual(policy.maxMillis)
      })
    }
  )

  it("resets once the retry after the last failure stayed up 2 minutes", () => {
    const state = Backoff.makeState()
    expect(Backoff.onFailure(policy, state, 0, 0.9999999)).toBe(800) // retry starts at 800
    expect(Backoff.onFailure(policy, state, 900, 0.9999999)).toBe(1600) // retry starts at 2500
    // up for 119.9 s: no reset
    expect(Backoff.onFailure(policy, state, 2500 + 119_900, 0.9999999)).toBe(3200) // retry starts at 125_600
    // up for exactly 2 min: reset
    expect(Backoff.onFailure(policy, state, 125_600 + 120_000, 0.9999999)).toBe(800)
    expect(state.attempt).toBe(1)
  })

  it("Retry-After raises the delay, never lowers it", () => {
    const state = Backoff.makeState()
    expect(Backoff.onFailure(policy, state, 0, 0.9999999, { atLeastMillis: 7000 })).toBe(7000)
    expect(Backoff.onFailure(policy, state, 7000, 0.9999999, { atLeastMillis: 100 })).toBe(1600)
  })

  it("immediateFirst: the first failure after a healthy period retries at once, repeats back off", () => {
    const state = Backoff.makeState()
    const delays = [0, 1, 2, 3].map((t) => Backoff.onFailure(policy, state, t, 0.9999999, { immediateFirst: true }))
    expect(delays).toEqual([0, 800, 1600, 3200])
  })
})
