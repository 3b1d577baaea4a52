/**
 * The watcher's retry backoff, as pure functions over a small mutable state so the state
 * machine can consult it without allocating Effects.
 *
 * Policy (client-go's reflector numbers): nominal delay 800 ms × 2^n capped at 30 s, reset once
 * an attempt stayed up for 2 minutes. Jitter is *equal jitter*: the delay is drawn uniformly
 * from [nominal / 2, nominal]. client-go uses `wait.Backoff{Jitter: 1.0}`, i.e. a delay in
 * [nominal, 2 × nominal) — at the cap that is up to 60 s, and the cap stops being a cap. Equal
 * jitter keeps every delay ≤ the cap and still spreads retries of many clients at the cap
 * ([15 s, 30 s]).
 *
 * @internal
 */

/** @internal */
export interface BackoffPolicy {
  readonly initialMillis: number
  readonly factor: number
  readonly maxMillis: number
  /** An attempt that stayed up this long resets the sequence. */
  readonly resetAfterMillis: number
}

/** @internal */
export const defaultPolicy: BackoffPolicy = {
  initialMillis: 800,
  factor: 2,
  maxMillis: 30_000,
  resetAfterMillis: 120_000
}

/** @internal */
export interface BackoffState {
  /** Failures since the last reset. */
  attempt: number
  /** When the retry after the last failure started (epoch ms), if any. */
  retryStartedAt: number | undefined
}

/** @internal */
export const makeState = (): BackoffState => ({ attempt: 0, retryStartedAt: undefined })

/** The un-jittered delay of the n-th consecutive failure (n from 0). @internal */
export const nominalMillis = (policy: BackoffPolicy, attempt: number): number =>
  Math.min(policy.maxMillis, policy.initialMillis * policy.factor ** Math.min(attempt, 64))

/** Equal jitter: uniform in [nominal / 2, nominal]; `random` in [0, 1). @internal */
export const jitterMillis = (nominal: number, random: number): number =>
  Math.round(nominal / 2 + (random * nominal) / 2)

/**
 * Records a failure at `now` and returns the delay before the next attempt.
 *
 * - `immediateFirst`: the first failure after a healthy period retries at once (410 Gone: a
 *   relist is the remedy, waiting helps nobody); repeated ones back off like any failure.
 * - `atLeastMillis`: a server-requested minimum (Retry-After); the delay is the larger of the two.
 *
 * @internal
 */
export const onFailure = (
  policy: BackoffPolicy,
  state: BackoffState,
  now: number,
  random: number,
  options?: { readonly immediateFirst?: boolean; readonly atLeastMillis?: number }
): number => {
  if (state.retryStartedAt !== undefined && now - state.retryStartedAt >= policy.resetAfterMillis) {
    state.attempt = 0
  }
  let delay: number
  if (options?.immediateFirst === true) {
    delay = state.attempt === 0 ? 0 : jitterMillis(nominalMillis(policy, state.attempt - 1), random)
  } else {
    delay = jitterMillis(nominalMillis(policy, state.attempt), random)
  }
  if (options?.atLeastMillis !== undefined && options.atLeastMillis > delay) delay = options.atLeastMillis
  state.attempt++
  state.retryStartedAt = now + delay
  return delay
}
