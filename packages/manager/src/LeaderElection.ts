/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's semantics
 * (`tools/leaderelection` + `resourcelock.LeaseLock`).
 *
 * - A candidate polls the Lease every `retryPeriod` (jittered ×1.2). It takes the Lease over when
 *   it is absent, released (empty holder) or expired. Expiry is judged with the **local** clock:
 *   `leaseDurationSeconds` after the moment this process last saw the record *change* — never
 *   from the remote `renewTime`, so clock skew between nodes does not matter.
 * - Every write is a `PUT` of the last Lease read or written, so its `resourceVersion` is a
 *   precondition: of several candidates racing for an expired Lease exactly one wins (the others
 *   get 409 Conflict and keep polling).
 * - The leader renews every `retryPeriod`; a renewal that has not succeeded within
 *   `renewDeadline` loses leadership. Because `renewDeadline + retryPeriod < leaseDuration`
 *   (validated), a leader that cannot renew stops its work before any other candidate can
 *   consider the Lease expired.
 * - Leader-only work is interrupted as soon as leadership is lost, and {@link run} fails with
 *   {@link LeadershipLost}. `releaseOnCancel` releases the Lease only after the work stopped.
 *
 * One divergence from client-go, safe and faster: a waiting candidate also wakes up exactly when
 * the Lease it observed expires, instead of only on its jittered poll. Fail-over therefore takes
 * at most `leaseDuration` after the old leader's last renewal was observed.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as EffectConfig from "effect/Config"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import { formatMicroTime, LeaseLock, type Record, rawOf } from "./internal/leaseLock.js"

/**
 * client-go's `JitterFactor`: a candidate waits `retryPeriod × (1 + 1.2 × random)` between polls.
 *
 * @example
 * LeaderElection.JitterFactor // 1.2
 * @since 0.1.0
 */
export const JitterFactor = 1.2

/**
 * Leader election settings. Durations default to client-go / controller-runtime's 15 s / 10 s / 2 s.
 *
 * @example
 * const config: LeaderElection.Config = { name: "website-operator", namespace: "operators" }
 * @since 0.1.0
 */
export interface Config {
  /** Lease name (also the `name` label of `leader_election_master_status`). */
  readonly name: string
  /**
   * Lease namespace. Default: `POD_NAMESPACE`, then the in-cluster service account namespace file;
   * outside a cluster with neither, {@link make} fails with a {@link LeaderElectionConfigError}.
   */
  readonly namespace?: string
  /** Unique identity of this candidate. Default `${hostname}_${uuid}` (as controller-runtime). */
  readonly identity?: string
  /** How long a non-renewed Lease blocks other candidates. Default 15 s. */
  readonly leaseDuration?: Duration.DurationInput
  /** How long the leader keeps retrying a renewal before giving up leadership. Default 10 s. */
  readonly renewDeadline?: Duration.DurationInput
  /** Interval between attempts (both acquiring and renewing). Default 2 s. */
  readonly retryPeriod?: Duration.DurationInput
  /**
   * Release the Lease (empty holder, 1 s duration) when {@link run} is interrupted or the work
   * ends, once the leader-only work has stopped, so the next candidate takes over at once.
   * Default `true`: this implementation only releases after the work stopped, which is what makes
   * release safe (controller-runtime defaults to `false` because it cannot guarantee that).
   */
  readonly releaseOnCancel?: boolean
}

/**
 * A {@link Config} with defaults applied and durations validated.
 *
 * @example
 * const elector = yield* LeaderElection.make({ name: "op", namespace: "default" })
 * elector.config.identity // "host_5f0c…"
 * @since 0.1.0
 */
export interface ResolvedConfig {
  readonly name: string
  readonly namespace: string
  readonly identity: string
  readonly leaseDuration: Duration.Duration
  readonly renewDeadline: Duration.Duration
  readonly retryPeriod: Duration.Duration
  readonly releaseOnCancel: boolean
}

/**
 * The configuration is invalid (durations out of order, empty identity, no namespace).
 *
 * @example
 * LeaderElection.make({ name: "op", namespace: "d", renewDeadline: "20 seconds" }).pipe(
 *   Effect.catchTag("LeaderElectionConfigError", (e) => Effect.logError(e.message)))
 * @since 0.1.0
 */
export class LeaderElectionConfigError extends Data.TaggedError("LeaderElectionConfigError")<{
  readonly message: string
}> {}

/**
 * Leadership was lost while leading: a renewal did not succeed within `renewDeadline`, or
 * another candidate was seen holding the Lease. The leader-only work was interrupted before this
 * error was raised.
 *
 * @example
 * LeaderElection.run(config, work).pipe(
 *   Effect.catchTag("LeadershipLost", (e) => Effect.logError(e.message)))
 * @since 0.1.0
 */
export class LeadershipLost extends Data.TaggedError("LeadershipLost")<{
  readonly message: string
  readonly name: string
  readonly namespace: string
  readonly identity: string
  readonly reason: "RenewDeadlineExceeded" | "LeaseTakenOver"
}> {}

/**
 * `leader_election_master_status{name}`: 1 while this process leads the Lease `name`, else 0
 * (client-go's gauge).
 *
 * @example
 * const status = yield* Metric.value(Metric.tagged(LeaderElection.masterStatus, "name", "op"))
 * @since 0.1.0
 */
export const masterStatus = Metric.gauge("leader_election_master_status", {
  description:
    "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name."
})

/**
 * `leader_election_slowpath_total{name}`: renewals that fell back to a GET + update because the
 * optimistic update failed (client-go's counter).
 *
 * @example
 * const slow = yield* Metric.value(Metric.tagged(LeaderElection.slowpathTotal, "name", "op"))
 * @since 0.1.0
 */
export const slowpathTotal = Metric.counter("leader_election_slowpath_total", {
  description:
    "Total number of slow path exercised in renewing leader leases. 'name' is the string used to identify the lease. Please make sure to group by name.",
  incremental: true
})

/**
 * A leader election candidate for one Lease. Create with {@link make}; run work with
 * {@link LeaderElector.run}.
 *
 * @example
 * const elector = yield* LeaderElection.make({ name: "op", namespace: "default" })
 * yield* Effect.fork(elector.run(controllers))
 * yield* elector.elected
 * @since 0.1.0
 */
export interface LeaderElector {
  readonly config: ResolvedConfig
  /** True from the moment leadership was acquired until it is lost or given up. */
  readonly isLeader: Effect.Effect<boolean>
  /** Completes when this candidate first becomes leader. */
  readonly elected: Effect.Effect<void>
  /** The holder identity last observed on the Lease ("" when released), if any was observed. */
  readonly observedLeader: Effect.Effect<Option.Option<string>>
  /**
   * client-go's healthz `Check`: fails when this candidate believes it leads but has not
   * renewed for longer than `leaseDuration + tolerance` (a stuck renew loop). Default tolerance 20 s.
   */
  readonly check: (tolerance?: Duration.DurationInput) => Effect.Effect<void, string>
  /**
   * Campaigns for the Lease, then runs `work` while leading.
   *
   * - Leadership lost → `work` is interrupted at once and awaited — at most until one
   *   `retryPeriod` before the Lease could expire for the other candidates (work whose finalizers
   *   take longer keeps stopping in the background) — then the effect fails with
   *   {@link LeadershipLost}.
   * - `work` fails → renewal stops, the Lease is released (`releaseOnCancel`), the failure is returned.
   * - `work` succeeds → same, its value is returned.
   * - Interrupted → `work` is interrupted first (while the Lease keeps being renewed), then
   *   renewal stops, then the Lease is released (`releaseOnCancel`).
   *
   * One `run` at a time per elector.
   */
  readonly run: <A, E, R>(work: Effect.Effect<A, E, R>) => Effect.Effect<A, E | LeadershipLost, R>
}

const defaultIdentity = (): string => `${NodeOs.hostname()}_${NodeCrypto.randomUUID()}`

const serviceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

const resolveNamespace = (explicit: string | undefined): Effect.Effect<string, LeaderElectionConfigError> => {
  if (explicit !== undefined) return Effect.succeed(explicit)
  return EffectConfig.string("POD_NAMESPACE").pipe(
    EffectConfig.option,
    Effect.orElseSucceed(() => Option.none<string>()),
    Effect.flatMap((fromEnv) => {
      if (Option.isSome(fromEnv) && fromEnv.value !== "") return Effect.succeed(fromEnv.value)
      return Effect.try(() => NodeFs.readFileSync(serviceAccountNamespaceFile, "utf8").trim()).pipe(
        Effect.filterOrFail((ns) => ns !== ""),
        Effect.mapError(
          () =>
            new LeaderElectionConfigError({
              message:
                "unable to find the leader election namespace: not running in-cluster and POD_NAMESPACE is unset; set leaderElection.namespace"
            })
        )
      )
    })
  )
}

/**
 * Applies defaults and validates: `leaseDuration > renewDeadline > 1.2 × retryPeriod`, each at
 * least 1 ms, `leaseDuration` at least 1 s (the Lease stores whole seconds), non-empty name and
 * identity.
 *
 * @example
 * const resolved = yield* LeaderElection.resolveConfig({ name: "op", namespace: "default" })
 * @since 0.1.0
 */
export const resolveConfig = (config: Config): Effect.Effect<ResolvedConfig, LeaderElectionConfigError> =>
  Effect.gen(function* () {
    const fail = (message: string) => Effect.fail(new LeaderElectionConfigError({ message }))
    const leaseDuration = Duration.decode(config.leaseDuration ?? Duration.seconds(15))
    const renewDeadline = Duration.decode(config.renewDeadline ?? Duration.seconds(10))
    const retryPeriod = Duration.decode(config.retryPeriod ?? Duration.seconds(2))
    if (config.name === "") return yield* fail("leader election name must not be empty")
    const identity = config.identity ?? defaultIdentity()
    if (identity === "") return yield* fail("leader election identity must not be empty")
    if (!Duration.isFinite(leaseDuration) || Duration.toMillis(leaseDuration) < 1000) {
      return yield* fail(`leaseDuration must be at least 1s, got ${Duration.format(leaseDuration)}`)
    }
    if (Duration.toMillis(renewDeadline) <= 0) return yield* fail("renewDeadline must be positive")
    if (Duration.toMillis(retryPeriod) <= 0) return yield* fail("retryPeriod must be positive")
    if (Duration.lessThanOrEqualTo(leaseDuration, renewDeadline)) {
      return yield* fail(
        `leaseDuration (${Duration.format(leaseDuration)}) must be greater than renewDeadline (${Duration.format(renewDeadline)})`
      )
    }
    if (Duration.toMillis(renewDeadline) <= JitterFactor * Duration.toMillis(retryPeriod)) {
      return yield* fail(
        `renewDeadline (${Duration.format(renewDeadline)}) must be greater than retryPeriod × ${JitterFactor} (${Duration.format(retryPeriod)} × ${JitterFactor})`
      )
    }
    const namespace = yield* resolveNamespace(config.namespace)
    return {
      name: config.name,
      namespace,
      identity,
      leaseDuration,
      renewDeadline,
      retryPeriod,
      releaseOnCancel: config.releaseOnCancel ?? true
    }
  })

type Attempt = "Acquired" | "HeldByOther" | "Failed"

/**
 * Creates a candidate over the `KubeApi` in context. Nothing is sent until {@link LeaderElector.run}.
 *
 * @example
 * const elector = yield* LeaderElection.make({ name: "website-operator", namespace: "operators" })
 * @since 0.1.0
 */
export const make = (config: Config): Effect.Effect<LeaderElector, LeaderElectionConfigError, KubeApi> =>
  Effect.gen(function* () {
    const resolved = yield* resolveConfig(config)
    const kube = yield* KubeApi
    const lock = new LeaseLock(
      kube.resource(Kinds.Lease, { namespace: resolved.namespace }),
      resolved.name,
      resolved.namespace
    )
    const elected = yield* Deferred.make<void>()
    const status = Metric.tagged(masterStatus, "name", resolved.name)
    const slowpath = Metric.tagged(slowpathTotal, "name", resolved.name)
    const leaseSeconds = Math.floor(Duration.toSeconds(resolved.leaseDuration))
    const retryMillis = Duration.toMillis(resolved.retryPeriod)

    // client-go's observed state: the record last seen, its raw form, and the local time at which
    // it was seen to change (or written by us). Plain mutable fields: one elector, one loop.
    let observed: Record | undefined
    let observedRaw = ""
    let observedTime = 0
    let leading = false
    // When our own last write landed: no other candidate can see the Lease expire before this
    // plus leaseDuration (they saw that write, or a later one, with their own clocks).
    let lastOwnWrite = 0

    const setObserved = (record: Record, now: number) => {
      observed = record
      observedRaw = rawOf(record)
      observedTime = now
      if (record.holderIdentity === resolved.identity) lastOwnWrite = now
    }
    const holdsRecord = () => observed !== undefined && observed.holderIdentity === resolved.identity
    const leaseValid = (now: number) =>
      observed !== undefined && observedTime + observed.leaseDurationSeconds * 1000 > now

    // The last failed request, so the acquire loop can surface a persistent problem (RBAC!)
    // once as a warning instead of failing silently forever.
    let lastFailure: string | undefined

    const logFailure = (what: string) => (error: { readonly _tag: string; readonly message: string }) =>
      Effect.zipRight(
        Effect.sync(() => {
          lastFailure = `${what} of lease ${lock.describe} failed: ${error._tag}: ${error.message}`
        }),
        Effect.logDebug(`leader election: ${what} of lease ${lock.describe} failed`).pipe(
          Effect.annotateLogs({ error: error._tag, reason: error.message })
        )
      )

    const tryAcquireOrRenew: Effect.Effect<Attempt> = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const nowTime = formatMicroTime(now)
      const fresh: Record = {
        holderIdentity: resolved.identity,
        leaseDurationSeconds: leaseSeconds,
        acquireTime: nowTime,
        renewTime: nowTime,
        leaseTransitions: 0,
        strategy: undefined,
        preferredHolder: undefined
      }

      // 1. Fast path: the leader optimistically updates the Lease it last wrote.
      if (holdsRecord() && leaseValid(now) && observed !== undefined) {
        const renewed: Record = {
          ...fresh,
          acquireTime: observed.acquireTime,
          leaseTransitions: observed.leaseTransitions,
          strategy: observed.strategy,
          preferredHolder: observed.preferredHolder
        }
        const ok = yield* lock.update(renewed).pipe(
          Effect.tapError(logFailure("optimistic update")),
          Effect.orElseSucceed(() => false)
        )
        if (ok) {
          setObserved(renewed, yield* Clock.currentTimeMillis)
          return "Acquired"
        }
      }

      // 2. Get (or create) the record.
      const current = yield* lock.get.pipe(Effect.either)
      if (current._tag === "Left") {
        yield* logFailure("get")(current.left)
        return "Failed"
      }
      if (Option.isNone(current.right)) {
        const created = yield* lock.create(fresh).pipe(Effect.either)
        if (created._tag === "Left") {
          yield* logFailure("create")(created.left)
          return "Failed"
        }
        setObserved(fresh, yield* Clock.currentTimeMillis)
        return "Acquired"
      }
      const record = current.right.value

      // 3. Restart the local expiry clock only when the record changed.
      if (rawOf(record) !== observedRaw) setObserved(record, now)
      if (record.holderIdentity !== "" && leaseValid(now) && !holdsRecord()) return "HeldByOther"

      // 4. Take over (or renew on the slow path) with the read resourceVersion as precondition.
      const wasLeader = holdsRecord()
      if (wasLeader) yield* Metric.increment(slowpath)
      const next: Record = wasLeader
        ? {
            ...fresh,
            acquireTime: record.acquireTime,
            leaseTransitions: record.leaseTransitions,
            strategy: record.strategy,
            preferredHolder: record.preferredHolder
          }
        : {
            ...fresh,
            leaseTransitions: record.leaseTransitions + 1,
            strategy: record.strategy,
            preferredHolder: record.preferredHolder
          }
      const updated = yield* lock.update(next).pipe(Effect.either)
      if (updated._tag === "Left" || !updated.right) {
        if (updated._tag === "Left") yield* logFailure("update")(updated.left)
        return "Failed"
      }
      setObserved(next, yield* Clock.currentTimeMillis)
      return "Acquired"
    })

    // Waits for the jittered retry period, but never past the expiry of the Lease we observe
    // (then the takeover attempt happens at the first moment it can succeed).
    const acquireWait = Effect.gen(function* () {
      const jitter = yield* Random.next
      // Whole milliseconds: the Clock reads whole milliseconds, so a fractional wait could wake
      // just short of the expiry instant over and over.
      let wait = Math.ceil(retryMillis * (1 + JitterFactor * jitter))
      if (observed !== undefined && observed.holderIdentity !== "" && !holdsRecord()) {
        const now = yield* Clock.currentTimeMillis
        const untilExpiry = Math.ceil(observedTime + observed.leaseDurationSeconds * 1000 - now)
        if (untilExpiry > 0 && untilExpiry < wait) wait = untilExpiry
      }
      yield* Effect.sleep(Duration.millis(wait))
    })

    const acquire: Effect.Effect<void> = Effect.gen(function* () {
      yield* Effect.logInfo(`leader election: attempting to acquire lease ${lock.describe}`)
      let reportedHolder: string | undefined
      let reportedFailure: string | undefined
      while (true) {
        lastFailure = undefined
        const attempt = yield* tryAcquireOrRenew
        if (attempt === "Acquired") return
        if (attempt === "Failed" && lastFailure !== undefined && lastFailure !== reportedFailure) {
          reportedFailure = lastFailure
          yield* Effect.logWarning(`leader election: ${lastFailure}; retrying`)
        }
        const holder = observed?.holderIdentity
        if (holder !== undefined && holder !== reportedHolder) {
          reportedHolder = holder
          if (holder !== "") yield* Effect.logInfo(`leader election: lease ${lock.describe} is held by ${holder}`)
        }
        yield* acquireWait
      }
    })

    // One renewal: retries every retryPeriod until it succeeds, another holder is seen, or
    // renewDeadline passes (the in-flight request is interrupted at the deadline).
    const renewOnce: Effect.Effect<LeadershipLost["reason"] | undefined> = Effect.gen(function* () {
      const poll: Effect.Effect<Attempt> = Effect.flatMap(tryAcquireOrRenew, (attempt) =>
        attempt === "Failed" ? Effect.zipRight(Effect.sleep(resolved.retryPeriod), poll) : Effect.succeed(attempt)
      )
      const result = yield* Effect.timeoutOption(poll, resolved.renewDeadline)
      if (Option.isNone(result)) return "RenewDeadlineExceeded"
      return result.value === "HeldByOther" ? "LeaseTakenOver" : undefined
    })

    const stopLeading = Effect.suspend(() => {
      if (!leading) return Effect.void
      leading = false
      return Metric.set(status, 0)
    })

    // Renews until leadership is lost; flips `leading` off at that instant (before the work is
    // interrupted), and returns why.
    const renewLoop: Effect.Effect<LeadershipLost> = Effect.gen(function* () {
      while (true) {
        const lost = yield* renewOnce
        if (lost !== undefined) {
          yield* stopLeading
          const message =
            lost === "RenewDeadlineExceeded"
              ? `leader election lost: lease ${lock.describe} not renewed within ${Duration.format(resolved.renewDeadline)}`
              : `leader election lost: lease ${lock.describe} taken over by ${observed?.holderIdentity ?? "another candidate"}`
          yield* Effect.logError(message)
          return new LeadershipLost({
            message,
            name: resolved.name,
            namespace: resolved.namespace,
            identity: resolved.identity,
            reason: lost
          })
        }
        yield* Effect.sleep(resolved.retryPeriod)
      }
    })

    const release: Effect.Effect<void> = Effect.gen(function* () {
      if (!holdsRecord() || observed === undefined) return
      const now = yield* Clock.currentTimeMillis
      const nowTime = formatMicroTime(now)
      const released: Record = {
        holderIdentity: "",
        leaseDurationSeconds: 1,
        acquireTime: nowTime,
        renewTime: nowTime,
        leaseTransitions: observed.leaseTransitions,
        strategy: observed.strategy,
        preferredHolder: observed.preferredHolder
      }
      const ok = yield* lock.update(released).pipe(
        Effect.timeoutOption(resolved.renewDeadline),
        Effect.map((r) => Option.isSome(r) && r.value),
        Effect.tapError(logFailure("release")),
        Effect.orElseSucceed(() => false)
      )
      if (ok) {
        setObserved(released, yield* Clock.currentTimeMillis)
        yield* Effect.logInfo(`leader election: released lease ${lock.describe}`)
      }
    })

    const run = <A, E, R>(work: Effect.Effect<A, E, R>): Effect.Effect<A, E | LeadershipLost, R> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          yield* restore(acquire)
          leading = true
          yield* Metric.set(status, 1)
          yield* Deferred.succeed(elected, undefined)
          yield* Effect.logInfo(`leader election: became leader of lease ${lock.describe} as ${resolved.identity}`)

          // Daemons, managed by hand on every path below: a child fiber would make this fiber's
          // completion wait for the work, which must not delay `LeadershipLost`.
          const renewFiber = yield* Effect.forkDaemon(restore(renewLoop))
          const workFiber = yield* Effect.forkDaemon(restore(work))

          // Graceful stop: the work ends first while the Lease is still renewed, then renewal
          // stops, then the Lease is released — never the other way round.
          const finish = (lost: boolean) =>
            Effect.gen(function* () {
              yield* Fiber.interrupt(renewFiber)
              yield* stopLeading
              if (!lost && resolved.releaseOnCancel) yield* release
            })

          const first = yield* restore(
            Effect.raceFirst(
              Effect.map(Fiber.await(workFiber), (exit) => ({ _tag: "WorkDone" as const, exit })),
              Effect.map(Fiber.join(renewFiber), (error) => ({ _tag: "Lost" as const, error }))
            )
          ).pipe(
            Effect.onInterrupt(() =>
              Effect.gen(function* () {
                yield* Fiber.interrupt(workFiber)
                const renewExit = yield* Fiber.poll(renewFiber)
                yield* finish(Option.isSome(renewExit) && Exit.isSuccess(renewExit.value))
              })
            )
          )

          if (first._tag === "Lost") {
            // Interrupt at once, and wait for the work to stop — but not up to the moment another
            // candidate may take over: waiting longer protects nothing, and the caller (the
            // manager, then the process exit) must learn of the loss in time.
            yield* Fiber.interruptFork(workFiber)
            const now = yield* Clock.currentTimeMillis
            // One retryPeriod of margin for the caller to act (e.g. exit the process).
            const bound = Math.max(0, lastOwnWrite + Duration.toMillis(resolved.leaseDuration) - retryMillis - now)
            const stopped = yield* Effect.interruptible(Fiber.await(workFiber)).pipe(
              Effect.timeoutOption(Duration.millis(bound))
            )
            if (Option.isNone(stopped)) {
              yield* Effect.logError(
                `leader election: leader-only work did not stop before lease ${lock.describe} could expire; giving up waiting for it`
              )
            }
            return yield* Effect.fail(first.error)
          }
          yield* finish(false)
          if (Exit.isFailure(first.exit) && Cause.isInterruptedOnly(first.exit.cause)) {
            return yield* Effect.interrupt
          }
          return yield* first.exit
        })
      )

    return {
      config: resolved,
      isLeader: Effect.sync(() => leading),
      elected: Deferred.await(elected),
      observedLeader: Effect.sync(() => Option.map(Option.fromNullable(observed), (r) => r.holderIdentity)),
      check: (tolerance) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (!leading) return Effect.void
          const limit = Duration.toMillis(resolved.leaseDuration) + Duration.toMillis(tolerance ?? Duration.seconds(20))
          return now - observedTime > limit
            ? Effect.fail(`failed election to renew leadership on lease ${lock.describe}`)
            : Effect.void
        }),
      run
    }
  })

/**
 * Campaigns for the Lease and runs `work` while leading (see {@link LeaderElector.run}).
 *
 * @example
 * const program = LeaderElection.run({ name: "website-operator", namespace: "operators" }, controllers).pipe(
 *   Effect.provide(KubeApi.layerFromKubeConfig()))
 * @since 0.1.0
 */
export const run = <A, E, R>(
  config: Config,
  work: Effect.Effect<A, E, R>
): Effect.Effect<A, E | LeadershipLost | LeaderElectionConfigError, R | KubeApi> =>
  Effect.flatMap(make(config), (elector) => elector.run(work))
