import { describe, expect, it } from "@effect/vitest"
import * as RateLimiter from "../src/RateLimiter.js"

describe("RateLimiter", () => {
  it("exponential: 5 ms × 2^n per key, capped at 1000 s; forget resets; keys are independent", () => {
    const limiter = RateLimiter.instantiate(RateLimiter.exponential())
    const delays = Array.from({ length: 20 }, () => limiter.when("a", 0))
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80])
    expect(delays[17]).toBe(5 * 2 ** 17) // 655.36 s
    expect(delays[18]).toBe(1_000_000)
    expect(delays[19]).toBe(1_000_000)
    expect(limiter.numRequeues("a")).toBe(20)
    expect(limiter.when("b", 0)).toBe(5)
    limiter.forget("a")
    expect(limiter.numRequeues("a")).toBe(0)
    expect(limiter.when("a", 0)).toBe(5)
    expect(limiter.numRequeues("b")).toBe(1)
  })

  it("exponential: configurable base and cap; huge exponents do not overflow", () => {
    const limiter = RateLimiter.instantiate(RateLimiter.exponential({ base: "1 second", cap: "1 minute" }))
    const delays = Array.from({ length: 2000 }, () => limiter.when("k", 0))
    expect(delays.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000])
    expect(delays[1999]).toBe(60000)
  })

  it("bucket: starts with `burst` tokens, then queues reservations at 1/qps, refilling over time", () => {
    const limiter = RateLimiter.instantiate(RateLimiter.bucket({ qps: 10, burst: 100 }))
    for (let i = 0; i < 100; i++) expect(limiter.when(`k${i}`, 0)).toBe(0)
    expect(limiter.when("x", 0)).toBeCloseTo(100)
    expect(limiter.when("y", 0)).toBeCloseTo(200)
    // one second later 10 tokens were added to the -2 balance: 8 free, then 100 ms again
    for (let i = 0; i < 8; i++) expect(limiter.when(`z${i}`, 1000)).toBeCloseTo(0)
    expect(limiter.when("late", 1000)).toBeCloseTo(100)
    expect(limiter.numRequeues("x")).toBe(0)
    // never refills beyond burst
    const fresh = RateLimiter.instantiate(RateLimiter.bucket({ qps: 1, burst: 2 }))
    expect(fresh.when("a", 0)).toBe(0)
    expect(fresh.when("a", 1_000_000)).toBe(0)
    expect(fresh.when("a", 1_000_000)).toBe(0)
    expect(fresh.when("a", 1_000_000)).toBeCloseTo(1000)
  })

  it("max / defaultController: the slowest limiter wins and forget reaches all of them", () => {
    const limiter = RateLimiter.instantiate(RateLimiter.defaultController())
    for (let i = 0; i < 100; i++) expect(limiter.when(`k${i}`, 0)).toBe(5)
    // bucket exhausted: 100 ms beats the 5 ms first backoff of a new key
    expect(limiter.when("fresh", 0)).toBeCloseTo(100)
    expect(limiter.numRequeues("fresh")).toBe(1)
    limiter.forget("fresh")
    expect(limiter.numRequeues("fresh")).toBe(0)
  })

  it("custom limiters are instantiated per call", () => {
    let made = 0
    const description = RateLimiter.custom(() => {
      made++
      return { when: () => 42, forget: () => {}, numRequeues: () => 7 }
    })
    const a = RateLimiter.instantiate(description)
    RateLimiter.instantiate(RateLimiter.max(description, RateLimiter.exponential()))
    expect(made).toBe(2)
    expect(a.when("k", 0)).toBe(42)
    expect(a.numRequeues("k")).toBe(7)
  })
})
