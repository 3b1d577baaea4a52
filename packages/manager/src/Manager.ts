/**
 * `Manager`: runs an operator — HTTP servers, webhooks, caches, runnables and controllers — in
 * controller-runtime's order, with leader election, probes, the metrics endpoint and graceful
 * shutdown.
 *
 * Start: `HttpServer` (metrics :8080, probes :8081) → `Webhook` → `Cache` (informers started and
 * synced) → `Other` (runnables that need no leadership) → leader election → `LeaderElected`
 * (controllers). Each phase starts once every runnable of the previous one signalled ready.
 *
 * Stop (interruption — SIGTERM/SIGINT through {@link runMain} — or a failure): the phases in
 * reverse. Runnables that wait on `stopping` (controllers: they drain in-flight reconciles) get
 * the remaining graceful shutdown budget (30 s by default, for the whole stop); the others, and
 * whatever is still running when the budget is spent, are interrupted. The Lease is released
 * only after the leader-only runnables stopped.
 *
 * Failure: the first runnable to fail stops the manager, which then fails with that runnable's
 * typed error. Losing leadership interrupts the leader-only runnables at once and fails the
 * manager with `LeadershipLost` (a non-zero exit under {@link runMain}) — the rest is then stopped
 * without a graceful budget, as controller-runtime does — unless `leaderElection.onLost` is
 * `"restart"`.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type * as Controller from "@effect-kube/controller/Controller"
import * as Resource from "@effect-kube/core/Resource"
import {
  InformerFactory,
  type InformerOptions,
  make as makeInformerFactory
} from "@effect-kube/processor/InformerFactory"
import type { CacheSyncTimeout } from "@effect-kube/processor/SharedInformer"
import * as HttpServer from "./HttpServer.js"
import * as LeaderElection from "./LeaderElection.js"
import * as Logging from "./Logging.js"
import * as Metrics from "./Metrics.js"
import * as Probes from "./Probes.js"
import * as Runnable from "./Runnable.js"

/**
 * The manager's options are invalid (ports, timeouts, duplicate names).
 *
 * @example
 * Manager.make({ metricsPort: 70000 }).pipe(Effect.catchTag("ManagerConfigError", (e) => Effect.logError(e.message)))
 * @since 0.1.0
 */
export class ManagerConfigError extends Data.TaggedError("ManagerConfigError")<{ readonly message: string }> {}

/**
 * An informer to start (and wait for) in the `Cache` phase, on every replica — e.g. to have warm
 * caches on standbys, or a cache that a non-controller runnable reads.
 *
 * @example
 * const cache: Manager.CacheRequest = { resource: Kinds.ConfigMap, options: { namespace: "default" } }
 * @since 0.1.0
 */
export interface CacheRequest {
  readonly resource: Resource.Any
  readonly options?: InformerOptions
}

/**
 * Leader election settings of the manager: {@link LeaderElection.Config} plus what to do when
 * leadership is lost — `"exit"` (default: the manager fails with `LeadershipLost`, as
 * controller-runtime) or `"restart"` (stop the leader-only runnables and campaign again).
 *
 * @example
 * const le: Manager.LeaderElectionOptions = { name: "website-operator", namespace: "operators" }
 * @since 0.1.0
 */
export interface LeaderElectionOptions extends LeaderElection.Config {
  readonly onLost?: "exit" | "restart"
}

/**
 * What the manager runs and how.
 *
 * @example
 * const options: Manager.Options = {
 *   controllers: [websites],
 *   leaderElection: { name: "website-operator" },
 *   readyChecks: [Probes.check("db", pingDb)]
 * }
 * @since 0.1.0
 */
export interface Options<E = never, R = never> {
  /** Controllers (`Controller.make`); leader-only. Use `Runnable.fromController` for others. */
  readonly controllers?: ReadonlyArray<Controller.Runnable<R>>
  /** Runnables, started in the phase of their group. */
  readonly runnables?: ReadonlyArray<Runnable.Runnable<E, R>>
  /** Webhook servers: started in the `Webhook` phase whatever their group; gate `/readyz`. */
  readonly webhooks?: ReadonlyArray<Runnable.Runnable<E, R>>
  /** Informers started and synced in the `Cache` phase. */
  readonly caches?: ReadonlyArray<CacheRequest>
  /** Timeout of the `Cache` phase sync (default 2 minutes). */
  readonly cacheSyncTimeout?: Duration.DurationInput
  /** Leader election (default off: every replica runs the leader-only runnables). */
  readonly leaderElection?: LeaderElectionOptions | false
  /** Metrics port (default 8080, `0` = any free port, `false` = no metrics server). */
  readonly metricsPort?: number | false
  /** Probes port (default 8081, `false` = none). The same non-zero port as metrics = one server. */
  readonly probesPort?: number | false
  /** Listen address of both servers (default all interfaces). */
  readonly bindAddress?: string
  /** More `/healthz` checks (`ping` and leader election are built in). */
  readonly healthChecks?: ReadonlyArray<Probes.Check>
  /** More `/readyz` checks (informers, webhooks, leader election, shutdown are built in). */
  readonly readyChecks?: ReadonlyArray<Probes.Check>
  /** Budget of the whole graceful stop (default 30 s). */
  readonly gracefulShutdownTimeout?: Duration.DurationInput
  /** What `/metrics` renders (default: Effect's registry plus process metrics). */
  readonly metrics?: Metrics.RenderOptions
}

/**
 * What {@link Manager.run} can fail with: a runnable's error, a controller that could not start,
 * lost leadership, a server that could not listen, caches that did not sync.
 *
 * @example
 * const explain = (e: Manager.ManagerError<never>) => e._tag
 * @since 0.1.0
 */
export type ManagerError<E> =
  | E
  | Controller.StartError
  | LeaderElection.LeadershipLost
  | HttpServer.HttpServerError
  | CacheSyncTimeout

/**
 * What {@link Manager.run} needs from its context: `KubeApi` plus what the runnables need, minus
 * the `Scope` and `InformerFactory` the manager gives them.
 *
 * @example
 * type Needs = Manager.Requirements<KubeApi | EventRecorder | Scope.Scope> // KubeApi | EventRecorder
 * @since 0.1.0
 */
export type Requirements<R> = Exclude<Exclude<R, Scope.Scope>, InformerFactory> | KubeApi

/**
 * Where the servers listen (`None` when disabled).
 *
 * @example
 * const { metrics } = yield* manager.addresses
 * @since 0.1.0
 */
export interface Addresses {
  readonly metrics: Option.Option<HttpServer.Address>
  readonly probes: Option.Option<HttpServer.Address>
}

/**
 * A configured manager (see {@link make}); {@link Manager.run} runs it.
 *
 * @example
 * const manager = yield* Manager.make({ controllers: [websites] })
 * yield* Effect.fork(manager.run)
 * yield* manager.started
 * @since 0.1.0
 */
export interface Manager<E, R> {
  /**
   * Runs until interrupted (then stops gracefully) or until a runnable fails (then stops and
   * fails with its error). A manager runs once (a second run is a defect).
   */
  readonly run: Effect.Effect<never, ManagerError<E>, Requirements<R>>
  /** Completes once the `Other` phase started (servers up, caches synced). */
  readonly started: Effect.Effect<void>
  /** Completes when this replica first leads (at start-up without leader election). */
  readonly elected: Effect.Effect<void>
  /** Whether the leader-only runnables run on this replica now. */
  readonly isLeader: Effect.Effect<boolean>
  /** The servers' addresses, once listening. */
  readonly addresses: Effect.Effect<Addresses>
  /** Runs the `/healthz` checks. */
  readonly healthz: Effect.Effect<ReadonlyArray<Probes.CheckResult>>
  /** Runs the `/readyz` checks. */
  readonly readyz: Effect.Effect<ReadonlyArray<Probes.CheckResult>>
  /** The leader elector, when leader election is on. */
  readonly elector: Option.Option<LeaderElection.LeaderElector>
}

interface Entry {
  readonly name: string
  readonly fiber: Fiber.RuntimeFiber<void, unknown>
  readonly ready: Deferred.Deferred<void>
  /** How many times it is waiting on `stopping` right now. */
  readonly waiting: () => number
}

interface Phase {
  readonly group: string
  readonly scope: Scope.CloseableScope
  readonly stopping: Deferred.Deferred<void>
  readonly entries: ReadonlyArray<Entry>
}

const validPort = (port: number | false | undefined) =>
  port === undefined || port === false || (Number.isInteger(port) && port >= 0 && port <= 65535)

const validate = <E, R>(options: Options<E, R>): Effect.Effect<void, ManagerConfigError> => {
  const fail = (message: string) => Effect.fail(new ManagerConfigError({ message }))
  if (!validPort(options.metricsPort))
    return fail(`metricsPort must be an integer in 0..65535, got ${options.metricsPort}`)
  if (!validPort(options.probesPort))
    return fail(`probesPort must be an integer in 0..65535, got ${options.probesPort}`)
  if (options.gracefulShutdownTimeout !== undefined) {
    const d = Duration.decode(options.gracefulShutdownTimeout)
    if (!Duration.isFinite(d)) return fail("gracefulShutdownTimeout must be finite")
  }
  const names = [
    ...(options.controllers ?? []).map((c) => c.name),
    ...(options.runnables ?? []).map((r) => r.name),
    ...(options.webhooks ?? []).map((r) => r.name)
  ]
  const duplicate = names.find((n, i) => names.indexOf(n) !== i)
  if (duplicate !== undefined) return fail(`two runnables are named ${duplicate}`)
  return Effect.void
}

/**
 * Validates the options and prepares a manager (creating the leader elector, when configured,
 * over the `KubeApi` in context). Nothing runs until {@link Manager.run}.
 *
 * @example
 * const manager = yield* Manager.make({ controllers: [websites], leaderElection: { name: "website-operator" } })
 * @since 0.1.0
 */
export const make = <E = never, R = never>(
  options: Options<E, R>
): Effect.Effect<Manager<E, R>, ManagerConfigError | LeaderElection.LeaderElectionConfigError, KubeApi> =>
  Effect.gen(function* () {
    yield* validate(options)
    const leOptions =
      options.leaderElection === undefined || options.leaderElection === false ? undefined : options.leaderElection
    const elector = leOptions === undefined ? Option.none() : Option.some(yield* LeaderElection.make(leOptions))
    const graceful = Duration.decode(options.gracefulShutdownTimeout ?? Duration.seconds(30))
    const cacheSyncTimeout = Duration.decode(options.cacheSyncTimeout ?? Duration.minutes(2))
    const metricsPort = options.metricsPort ?? 8080
    const probesPort = options.probesPort ?? 8081

    const started = yield* Deferred.make<void>()
    const electedWithout = yield* Deferred.make<void>()
    const metricsAddress = yield* Deferred.make<Option.Option<HttpServer.Address>>()
    const probesAddress = yield* Deferred.make<Option.Option<HttpServer.Address>>()
    let cachesSynced = false
    let stopping = false
    let leadingWithout = false
    let ran = false
    let webhookEntries: ReadonlyArray<Entry> = []
    let stopDeadline: number | undefined
    let lostLeadership = false

    const webhooks = options.webhooks ?? []
    const builtInReady: Array<Probes.Check> = [
      Probes.check(
        "informers",
        Effect.suspend(() => (cachesSynced ? Effect.void : Effect.fail("caches not synced yet")))
      )
    ]
    if (webhooks.length > 0) {
      builtInReady.push(
        Probes.check(
          "webhooks",
          Effect.gen(function* () {
            const notServing: Array<string> = []
            if (webhookEntries.length === 0) notServing.push(...webhooks.map((w) => w.name))
            for (const entry of webhookEntries) if (!(yield* Deferred.isDone(entry.ready))) notServing.push(entry.name)
            if (notServing.length > 0) return yield* Effect.fail(`not serving: ${notServing.join(", ")}`)
          })
        )
      )
    }
    const electionCheck = Option.map(elector, (e) => Probes.check("leader-election", e.check()))
    const readyChecks: ReadonlyArray<Probes.Check> = [
      ...builtInReady,
      ...Option.toArray(electionCheck),
      Probes.check(
        "shutdown",
        Effect.suspend(() => (stopping ? Effect.fail("shutting down") : Effect.void))
      ),
      ...(options.readyChecks ?? [])
    ]
    const healthChecks: ReadonlyArray<Probes.Check> = [
      Probes.ping,
      ...Option.toArray(electionCheck),
      ...(options.healthChecks ?? [])
    ]

    const serverRunnables: Array<Runnable.Runnable<HttpServer.HttpServerError, Scope.Scope>> = []
    const metricsRoute = Metrics.render(options.metrics)
    const host = options.bindAddress
    const serveOn = (
      name: string,
      port: number,
      routes: HttpServer.Routes,
      targets: ReadonlyArray<Deferred.Deferred<Option.Option<HttpServer.Address>>>
    ) =>
      Runnable.scoped(
        name,
        Effect.tap(HttpServer.serve({ port, routes, ...(host !== undefined ? { host } : {}) }), (address) =>
          Effect.forEach(targets, (t) => Deferred.succeed(t, Option.some(address)), { discard: true })
        ),
        { group: "HttpServer" }
      )
    if (metricsPort !== false && probesPort !== false && metricsPort === probesPort && metricsPort !== 0) {
      serverRunnables.push(
        serveOn("http-server", metricsPort, { metrics: metricsRoute, healthz: healthChecks, readyz: readyChecks }, [
          metricsAddress,
          probesAddress
        ])
      )
    } else {
      if (metricsPort !== false)
        serverRunnables.push(serveOn("metrics-server", metricsPort, { metrics: metricsRoute }, [metricsAddress]))
      if (probesPort !== false) {
        serverRunnables.push(
          serveOn("probes-server", probesPort, { healthz: healthChecks, readyz: readyChecks }, [probesAddress])
        )
      }
    }
    if (metricsPort === false) yield* Deferred.succeed(metricsAddress, Option.none())
    if (probesPort === false) yield* Deferred.succeed(probesAddress, Option.none())

    const userRunnables = options.runnables ?? []
    const inGroup = (group: Runnable.Group) => userRunnables.filter((r) => r.group === group)
    const leaderRunnables: ReadonlyArray<
      Runnable.Runnable<E | Controller.StartError, R | InformerFactory | Scope.Scope>
    > = [...(options.controllers ?? []).map((c) => Runnable.fromController(c)), ...inGroup("LeaderElected")]

    // The run's scope is handled explicitly (not `Effect.scoped`) so that its requirement type
    // stays `Requirements<R>`: TypeScript does not simplify nested `Exclude`s over a type parameter.
    const runIn = (managerScope: Scope.CloseableScope): Effect.Effect<never, ManagerError<E>, Requirements<R>> =>
      Effect.gen(function* () {
        // Its readiness state and signals (started, elected, addresses) describe one run.
        if (ran) return yield* Effect.dieMessage("Manager.run: a manager runs once; make a new one")
        ran = true
        const given = yield* Effect.serviceOption(InformerFactory)
        const factory = Option.isSome(given)
          ? given.value
          : yield* Scope.extend(makeInformerFactory(yield* KubeApi), managerScope)
        const failure = yield* Deferred.make<never, ManagerError<E>>()
        const phases: Array<Phase> = []

        const createPhase = (
          group: string,
          runnables: ReadonlyArray<Runnable.Runnable<ManagerError<E>, R | InformerFactory | Scope.Scope>>
        ) =>
          Effect.gen(function* () {
            const scope = yield* Scope.make()
            const stoppingSignal = yield* Deferred.make<void>()
            const entries: Array<Entry> = []
            if (runnables.length > 0) {
              yield* Effect.logInfo(`starting ${group} runnables: ${runnables.map((r) => r.name).join(", ")}`)
            }
            for (const runnable of runnables) {
              const ready = yield* Deferred.make<void>()
              let waiting = 0
              const context: Runnable.RunContext = {
                ready: Effect.asVoid(Deferred.succeed(ready, undefined)),
                stopping: Effect.suspend(() => {
                  waiting++
                  return Effect.ensuring(
                    Deferred.await(stoppingSignal),
                    Effect.sync(() => {
                      waiting--
                    })
                  )
                })
              }
              const fiber = yield* Effect.scoped(runnable.run(context)).pipe(
                Effect.provideService(InformerFactory, factory),
                Effect.onExit((exit) => {
                  if (Exit.isSuccess(exit)) {
                    return Effect.zipRight(Deferred.succeed(ready, undefined), Effect.logDebug("runnable finished"))
                  }
                  if (Cause.isInterruptedOnly(exit.cause)) return Effect.void
                  return Effect.zipRight(
                    Effect.logError("runnable failed; stopping the manager", exit.cause),
                    Deferred.failCause(failure, exit.cause)
                  )
                }),
                Effect.annotateLogs({ runnable: runnable.name }),
                Effect.forkIn(scope)
              )
              entries.push({ name: runnable.name, fiber, ready, waiting: () => waiting })
            }
            const phase: Phase = { group, scope, stopping: stoppingSignal, entries }
            const awaitReady = Effect.raceFirst(
              Effect.forEach(entries, (e) => Deferred.await(e.ready), { discard: true }),
              Deferred.await(failure)
            )
            return { phase, awaitReady }
          })

        const stopPhase = (phase: Phase): Effect.Effect<void> =>
          Effect.gen(function* () {
            const draining: Array<Entry> = []
            for (const entry of phase.entries) {
              if (entry.waiting() > 0) draining.push(entry)
              else yield* Fiber.interruptFork(entry.fiber)
            }
            yield* Deferred.succeed(phase.stopping, undefined)
            if (draining.length > 0) {
              const now = yield* Clock.currentTimeMillis
              const remaining = Math.max(0, (stopDeadline ?? now + Duration.toMillis(graceful)) - now)
              const done = yield* Effect.interruptible(Fiber.awaitAll(draining.map((e) => e.fiber))).pipe(
                Effect.timeoutOption(Duration.millis(remaining))
              )
              if (Option.isNone(done)) {
                const left: Array<string> = []
                for (const e of draining) if (Option.isNone(yield* Fiber.poll(e.fiber))) left.push(e.name)
                yield* Effect.logWarning(
                  `graceful shutdown budget exhausted; interrupting ${phase.group} runnables: ${left.join(", ")}`
                )
              }
            }
            yield* Scope.close(phase.scope, Exit.void)
          })

        const startPhase = (
          group: string,
          runnables: ReadonlyArray<Runnable.Runnable<ManagerError<E>, R | InformerFactory | Scope.Scope>>
        ) =>
          Effect.gen(function* () {
            const { phase, awaitReady } = yield* createPhase(group, runnables)
            phases.push(phase)
            yield* awaitReady
            return phase
          })

        yield* Scope.addFinalizer(
          managerScope,
          Effect.gen(function* () {
            stopping = true
            const now = yield* Clock.currentTimeMillis
            // As controller-runtime: a lost lease skips the graceful shutdown — another replica
            // may already be leading, so nothing should linger.
            const budget = lostLeadership ? Duration.zero : graceful
            stopDeadline = now + Duration.toMillis(budget)
            yield* Effect.logInfo(
              lostLeadership ? "stopping the manager (leadership lost: no graceful shutdown)" : "stopping the manager"
            )
            const sequence = Effect.forEach([...phases].reverse(), stopPhase, { discard: true })
            const stopper = yield* Effect.forkDaemon(sequence)
            // The stop keeps going in the background past the budget (servers still close), but
            // the manager returns: the process is expected to exit.
            const done = yield* Effect.interruptible(Fiber.await(stopper)).pipe(
              Effect.timeoutOption(Duration.sum(budget, Duration.seconds(1)))
            )
            if (Option.isNone(done)) {
              yield* Effect.logError(
                `graceful shutdown did not complete within ${Duration.format(budget)}; abandoning runnables still stopping`
              )
            } else {
              yield* Effect.logInfo("manager stopped")
            }
          })
        )

        yield* startPhase("HttpServer", [...serverRunnables, ...inGroup("HttpServer")])
        const webhookPhase = yield* createPhase("Webhook", [
          ...webhooks.map((w): Runnable.Runnable<E, R> => ({ ...w, group: "Webhook" })),
          ...inGroup("Webhook")
        ])
        phases.push(webhookPhase.phase)
        webhookEntries = webhookPhase.phase.entries
        yield* webhookPhase.awaitReady

        const caches = options.caches ?? []
        const cacheRunnable = Runnable.make({
          name: "caches",
          group: "Cache",
          run: ({ ready, stopping: stop }) =>
            Effect.gen(function* () {
              const informers = yield* Effect.forEach(caches, (c) =>
                factory.informer(Resource.untyped(c.resource), c.options)
              )
              yield* factory.waitForCacheSync(informers, cacheSyncTimeout)
              yield* ready
              yield* stop
            })
        })
        yield* startPhase("Cache", [...(caches.length > 0 ? [cacheRunnable] : []), ...inGroup("Cache")])
        cachesSynced = true
        yield* startPhase("Other", inGroup("Other"))
        yield* Deferred.succeed(started, undefined)

        if (Option.isSome(elector)) {
          const le = elector.value
          const electionRunnable = Runnable.make<ManagerError<E>, R | InformerFactory | Scope.Scope>({
            name: "leader-election",
            group: "LeaderElected",
            run: ({ ready, stopping: stop }) =>
              Effect.gen(function* () {
                yield* ready
                const leaderWork = Effect.scoped(
                  Effect.gen(function* () {
                    const { phase, awaitReady } = yield* createPhase("LeaderElected", leaderRunnables)
                    yield* Effect.addFinalizer(() => Scope.close(phase.scope, Exit.void))
                    yield* awaitReady
                    yield* Effect.logInfo("leader-only runnables started")
                    yield* stop
                    yield* stopPhase(phase)
                  })
                )
                const markLost = <A, E2, R2>(effect: Effect.Effect<A, E2, R2>) =>
                  Effect.tapError(effect, (error) =>
                    Effect.sync(() => {
                      if (error instanceof LeaderElection.LeadershipLost) lostLeadership = true
                    })
                  )
                if (leOptions?.onLost === "restart") {
                  const loop: Effect.Effect<void, ManagerError<E>, R | InformerFactory | Scope.Scope> = Effect.catchIf(
                    le.run(leaderWork),
                    (error) => error instanceof LeaderElection.LeadershipLost,
                    (lost) =>
                      Effect.zipRight(
                        Effect.logWarning(`${Probes.describe(lost)}; campaigning again`),
                        Effect.suspend(() => loop)
                      )
                  )
                  return yield* loop
                }
                return yield* markLost(le.run(leaderWork))
              })
          })
          yield* startPhase("LeaderElection", [electionRunnable])
        } else {
          yield* startPhase("LeaderElected", leaderRunnables)
          leadingWithout = true
          yield* Deferred.succeed(electedWithout, undefined)
        }
        yield* Effect.logInfo("manager started")
        return yield* Deferred.await(failure)
      })

    const run: Effect.Effect<never, ManagerError<E>, Requirements<R>> = Effect.acquireUseRelease(
      Scope.make(),
      runIn,
      (scope, exit) => Scope.close(scope, exit)
    )

    const manager: Manager<E, R> = {
      run,
      started: Deferred.await(started),
      elected: Option.match(elector, { onNone: () => Deferred.await(electedWithout), onSome: (e) => e.elected }),
      isLeader: Option.match(elector, { onNone: () => Effect.sync(() => leadingWithout), onSome: (e) => e.isLeader }),
      addresses: Effect.all({ metrics: Deferred.await(metricsAddress), probes: Deferred.await(probesAddress) }),
      healthz: Probes.run(healthChecks),
      readyz: Probes.run(readyChecks),
      elector
    }
    return manager
  })

/**
 * {@link make} then {@link Manager.run}.
 *
 * @example
 * Manager.run({ controllers: [websites], leaderElection: { name: "website-operator" } }).pipe(
 *   Effect.provide(KubeApi.layerFromKubeConfig()),
 *   Manager.runMain
 * )
 * @since 0.1.0
 */
export const run = <E = never, R = never>(
  options: Options<E, R>
): Effect.Effect<
  never,
  ManagerError<E> | ManagerConfigError | LeaderElection.LeaderElectionConfigError,
  Requirements<R>
> => Effect.flatMap(make(options), (manager) => manager.run)

/**
 * Options of {@link runMain}.
 *
 * @example
 * Manager.runMain(program, { logging: { format: "json" } })
 * @since 0.1.0
 */
export interface RunMainOptions {
  /** Logger setup (default: {@link Logging.layerFromEnv}); `false` keeps the current logger. */
  readonly logging?: Logging.Options | false
  /** Do not log the failure that ends the program (default false). */
  readonly disableErrorReporting?: boolean
}

/**
 * Runs the program as the process' main: the first SIGTERM/SIGINT interrupts it (the manager
 * stops gracefully) and the process exits 0; a second signal exits at once (130 for SIGINT, 143
 * for SIGTERM). A failure — e.g. `LeadershipLost` — is logged and exits 1.
 *
 * @example
 * Manager.run({ controllers: [websites] }).pipe(Effect.provide(KubeApi.layerFromKubeConfig()), Manager.runMain)
 * @since 0.1.0
 */
export const runMain = <E, A>(effect: Effect.Effect<A, E>, options: RunMainOptions = {}): void => {
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    if (signals >= 2) process.exit(signal === "SIGINT" ? 130 : 143)
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  const logging =
    options.logging === false
      ? Layer.empty
      : options.logging === undefined
        ? Logging.layerFromEnv
        : Logging.layer(options.logging)
  const program = effect.pipe(
    // Reported here, inside the logging layer, so the fatal error is logged in the same format.
    Effect.tapErrorCause((cause) =>
      options.disableErrorReporting === true || Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Effect.logError("fatal error; exiting", cause)
    ),
    Effect.ensuring(
      Effect.sync(() => {
        process.off("SIGINT", onSignal)
        process.off("SIGTERM", onSignal)
      })
    ),
    Effect.provide(logging)
  )
  NodeRuntime.runMain(program, { disableErrorReporting: true, disablePrettyLogger: options.logging !== false })
}
