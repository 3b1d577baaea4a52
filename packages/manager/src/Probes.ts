/**
 * Health and readiness checks with the Kubernetes `/healthz` `/readyz` conventions: `200 ok`
 * when every check passes, `500` listing each check (`[+]name ok` / `[-]name failed: reason`)
 * otherwise; `?verbose` lists them on success too; `?exclude=name` skips a check;
 * `/readyz/<name>` runs one check (`404` when unknown).
 *
 * Unlike controller-runtime, failure reasons are shown (not "reason withheld"): the probe port is
 * meant for the kubelet and operators debugging a pod, and the reasons name kinds, not data.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"

/**
 * A named check: succeeds when healthy/ready; its failure value becomes the reason.
 *
 * @example
 * const synced = Probes.check("informers", Effect.flatMap(informer.hasSynced, (ok) => ok ? Effect.void : Effect.fail("not synced")))
 * @since 0.1.0
 */
export interface Check {
  readonly name: string
  readonly check: Effect.Effect<void, unknown>
}

/**
 * Builds a {@link Check}.
 *
 * @example
 * Probes.check("database", pingDatabase)
 * @since 0.1.0
 */
export const check = (name: string, effect: Effect.Effect<void, unknown>): Check => ({ name, check: effect })

/**
 * The check that always passes (`ping`, as in controller-runtime's `healthz.Ping`).
 *
 * @example
 * const checks = [Probes.ping, myCheck]
 * @since 0.1.0
 */
export const ping: Check = check("ping", Effect.void)

/**
 * The outcome of one check.
 *
 * @example
 * const failing = results.filter((r) => !r.ok)
 * @since 0.1.0
 */
export interface CheckResult {
  readonly name: string
  readonly ok: boolean
  /** Why it failed ("" when ok). */
  readonly reason: string
}

/**
 * Renders a check failure value as a one-line reason.
 *
 * @example
 * Probes.describe(new CacheSyncTimeout({ ... })) // "CacheSyncTimeout: caches did not sync …"
 * @since 0.1.0
 */
export const describe = (error: unknown): string => {
  if (typeof error === "string") return error
  const message =
    Predicate.hasProperty(error, "message") && typeof error.message === "string" ? error.message : undefined
  const tag = Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : undefined
  if (message !== undefined && tag !== undefined) return `${tag}: ${message}`
  if (message !== undefined) return message
  if (tag !== undefined) return tag
  return String(error)
}

/**
 * Runs checks concurrently, each bounded by `timeout` (default 1 s, the kubelet's default probe
 * timeout) — a hanging check fails with "timed out" instead of hanging the probe.
 *
 * @example
 * const results = yield* Probes.run([Probes.ping, synced])
 * @since 0.1.0
 */
export const run = (
  checks: ReadonlyArray<Check>,
  options: { readonly timeout?: Duration.DurationInput } = {}
): Effect.Effect<ReadonlyArray<CheckResult>> => {
  const timeout = Duration.decode(options.timeout ?? Duration.seconds(1))
  return Effect.forEach(
    checks,
    (c) =>
      c.check.pipe(
        Effect.timeoutFail({ duration: timeout, onTimeout: () => `timed out after ${Duration.format(timeout)}` }),
        Effect.match({
          onSuccess: (): CheckResult => ({ name: c.name, ok: true, reason: "" }),
          onFailure: (error): CheckResult => ({ name: c.name, ok: false, reason: describe(error) })
        }),
        Effect.catchAllDefect((defect) =>
          Effect.succeed({ name: c.name, ok: false, reason: `defect: ${describe(defect)}` })
        )
      ),
    { concurrency: "unbounded" }
  )
}

/**
 * An HTTP answer of a probe endpoint.
 *
 * @example
 * const { status, body } = yield* Probes.respond("readyz", checks, "/readyz", new URLSearchParams("verbose"))
 * @since 0.1.0
 */
export interface ProbeResponse {
  readonly status: number
  readonly body: string
}

/**
 * Answers a probe request. `path` is the request path (`/readyz` or `/readyz/<check>`); `endpoint`
 * names the endpoint in the summary line ("readyz check failed").
 *
 * @example
 * const answer = yield* Probes.respond("healthz", [Probes.ping], "/healthz", new URLSearchParams())
 * // { status: 200, body: "ok" }
 * @since 0.1.0
 */
export const respond = (
  endpoint: string,
  checks: ReadonlyArray<Check>,
  path: string,
  query: URLSearchParams,
  options: { readonly timeout?: Duration.DurationInput } = {}
): Effect.Effect<ProbeResponse> =>
  Effect.gen(function* () {
    const prefix = `/${endpoint}`
    const sub = path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : ""
    if (sub !== "") {
      const one = Option.fromNullable(checks.find((c) => c.name === sub))
      if (Option.isNone(one)) return { status: 404, body: `check ${sub} not found\n` }
      const [result] = yield* run([one.value], options)
      return result === undefined || result.ok
        ? { status: 200, body: "ok" }
        : { status: 500, body: `internal server error: ${result.reason}\n` }
    }
    const excluded = new Set(query.getAll("exclude"))
    const results = yield* run(
      checks.filter((c) => !excluded.has(c.name)),
      options
    )
    const failed = results.some((r) => !r.ok)
    const verbose = query.has("verbose")
    if (!failed && !verbose) return { status: 200, body: "ok" }
    let body = ""
    for (const r of results) body += r.ok ? `[+]${r.name} ok\n` : `[-]${r.name} failed: ${r.reason}\n`
    for (const name of excluded) body += `[+]${name} excluded: ok\n`
    body += failed ? `${endpoint} check failed\n` : `${endpoint} check passed\n`
    return { status: failed ? 500 : 200, body }
  })
