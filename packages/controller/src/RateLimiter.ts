/**
 * Rate limiters for `WorkQueue.addRateLimited` (client-go `workqueue` semantics): a per-key
 * exponential backoff, an overall token bucket, and `max` composition.
 *
 * A {@link RateLimiter} is an immutable *description*; every work queue instantiates its own
 * state from it ({@link instantiate}), so one description can configure many queues without
 * them sharing failure counts or tokens.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"

/**
 * The live, stateful side of a rate limiter, keyed by the queue's string key. Synchronous on
 * purpose: it runs inside the queue's critical section, and `now` (epoch milliseconds from the
 * Effect `Clock`) is passed in so that tests with `TestClock` are deterministic.
 *
 * @example
 * const fixed: RateLimiter.Limiter = { when: () => 1000, forget: () => {}, numRequeues: () => 0 }
 * @since 0.1.0
 */
export interface Limiter {
  /** Milliseconds `key` must wait before it is retried; counts one more failure of `key`. */
  readonly when: (key: string, now: number) => number
  /** Resets `key`'s failure count (call it after a successful reconcile). */
  readonly forget: (key: string) => void
  /** How many times `key` has been rate-limited since the last `forget`. */
  readonly numRequeues: (key: string) => number
}

/**
 * A rate limiter description. Build one with {@link exponential}, {@link bucket}, {@link max},
 * {@link custom} or use {@link defaultController}.
 *
 * @example
 * const limiter = RateLimiter.max(
 *   RateLimiter.exponential({ base: "5 millis", cap: "1000 seconds" }),
 *   RateLimiter.bucket({ qps: 10, burst: 100 })
 * )
 * @since 0.1.0
 */
export type RateLimiter =
  | { readonly _tag: "Exponential"; readonly baseMillis: number; readonly capMillis: number }
  | { readonly _tag: "Bucket"; readonly qps: number; readonly burst: number }
  | { readonly _tag: "Max"; readonly limiters: ReadonlyArray<RateLimiter> }
  | { readonly _tag: "Custom"; readonly make: () => Limiter }

/**
 * Per-key exponential backoff: the n-th consecutive failure of a key waits `base × 2^n`
 * (n from 0), capped at `cap`. Defaults: 5 ms and 1000 s (client-go's
 * `ItemExponentialFailureRateLimiter` as used by `DefaultControllerRateLimiter`).
 *
 * @example
 * const limiter = RateLimiter.exponential({ base: "10 millis", cap: "5 minutes" })
 * @since 0.1.0
 */
export const exponential = (options?: {
  readonly base?: Duration.DurationInput
  readonly cap?: Duration.DurationInput
}): RateLimiter => ({
  _tag: "Exponential",
  baseMillis: Duration.toMillis(options?.base ?? Duration.millis(5)),
  capMillis: Duration.toMillis(options?.cap ?? Duration.seconds(1000))
})

/**
 * An overall token bucket shared by all keys (golang.org/x/time/rate semantics): it starts full
 * with `burst` tokens, refills at `qps` per second, and every `when` takes a token — when none
 * is left the caller is told how long until its reserved token exists. Defaults 10 qps, burst
 * 100. `forget` and `numRequeues` do nothing / return 0.
 *
 * @example
 * const limiter = RateLimiter.bucket({ qps: 50, burst: 300 })
 * @since 0.1.0
 */
export const bucket = (options?: { readonly qps?: number; readonly burst?: number }): RateLimiter => ({
  _tag: "Bucket",
  qps: options?.qps ?? 10,
  burst: options?.burst ?? 100
})

/**
 * The most restrictive of several limiters: `when` is the maximum of their delays (all of them
 * record the failure), `numRequeues` the maximum, `forget` forgets in all.
 *
 * @example
 * const limiter = RateLimiter.max(RateLimiter.exponential(), RateLimiter.bucket())
 * @since 0.1.0
 */
export const max = (...limiters: ReadonlyArray<RateLimiter>): RateLimiter => ({ _tag: "Max", limiters })

/**
 * A user-defined limiter. `make` is called once per queue and must return fresh state.
 *
 * @example
 * const fixed = RateLimiter.custom(() => ({ when: () => 1000, forget: () => {}, numRequeues: () => 0 }))
 * @since 0.1.0
 */
export const custom = (make: () => Limiter): RateLimiter => ({ _tag: "Custom", make })

/**
 * client-go's `DefaultControllerRateLimiter`: `max(exponential(5 ms, 1000 s), bucket(10 qps,
 * burst 100))`. This is the default of `WorkQueue.make`.
 *
 * @example
 * const queue = WorkQueue.make({ name: "website", rateLimiter: RateLimiter.defaultController() })
 * @since 0.1.0
 */
export const defaultController = (): RateLimiter => max(exponential(), bucket())

const exponentialLimiter = (baseMillis: number, capMillis: number): Limiter => {
  const failures = new Map<string, number>()
  return {
    when: (key) => {
      const exp = failures.get(key) ?? 0
      failures.set(key, exp + 1)
      // 2^exp overflows to Infinity for large exp, which the cap absorbs.
      const backoff = baseMillis * 2 ** exp
      return Number.isFinite(backoff) && backoff <= capMillis ? backoff : capMillis
    },
    forget: (key) => {
      failures.delete(key)
    },
    numRequeues: (key) => failures.get(key) ?? 0
  }
}

const bucketLimiter = (qps: number, burst: number): Limiter => {
  let tokens = burst
  let last: number | undefined
  return {
    when: (_key, now) => {
      if (last !== undefined && now > last) {
        tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000)
      }
      if (last === undefined || now > last) last = now
      tokens -= 1
      return tokens >= 0 ? 0 : (-tokens * 1000) / qps
    },
    forget: () => {},
    numRequeues: () => 0
  }
}

const maxLimiter = (limiters: ReadonlyArray<Limiter>): Limiter => ({
  when: (key, now) => {
    let result = 0
    for (const limiter of limiters) result = Math.max(result, limiter.when(key, now))
    return result
  },
  forget: (key) => {
    for (const limiter of limiters) limiter.forget(key)
  },
  numRequeues: (key) => {
    let result = 0
    for (const limiter of limiters) result = Math.max(result, limiter.numRequeues(key))
    return result
  }
})

/**
 * Creates fresh limiter state from a description. Work queues call this themselves; it is
 * exported for testing custom compositions.
 *
 * @example
 * const limiter = RateLimiter.instantiate(RateLimiter.exponential())
 * limiter.when("default/web", 0) // 5
 * limiter.when("default/web", 0) // 10
 * @since 0.1.0
 */
export const instantiate = (self: RateLimiter): Limiter => {
  switch (self._tag) {
    case "Exponential":
      return exponentialLimiter(self.baseMillis, self.capMillis)
    case "Bucket":
      return bucketLimiter(self.qps, self.burst)
    case "Max":
      return maxLimiter(self.limiters.map(instantiate))
    case "Custom":
      return self.make()
  }
}
