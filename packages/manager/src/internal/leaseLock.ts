import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Api } from "@effect-kube/client/Api"
import type { KubeError } from "@effect-kube/core/Errors"
import type { Lease } from "@effect-kube/core/Kinds"

/**
 * client-go's `LeaderElectionRecord`, read from / written to a Lease spec.
 *
 * @internal
 */
export interface Record {
  readonly holderIdentity: string
  readonly leaseDurationSeconds: number
  readonly acquireTime: string | undefined
  readonly renewTime: string | undefined
  readonly leaseTransitions: number
  readonly strategy: string | undefined
  readonly preferredHolder: string | undefined
}

/** @internal */
export const recordOf = (lease: Lease): Record => ({
  holderIdentity: lease.spec?.holderIdentity ?? "",
  leaseDurationSeconds: lease.spec?.leaseDurationSeconds ?? 0,
  acquireTime: lease.spec?.acquireTime,
  renewTime: lease.spec?.renewTime,
  leaseTransitions: lease.spec?.leaseTransitions ?? 0,
  strategy: lease.spec?.strategy,
  preferredHolder: lease.spec?.preferredHolder
})

/**
 * The record in a canonical serialised form: client-go compares the raw record bytes to decide
 * whether the record *changed*, which is what restarts the local expiry clock.
 *
 * @internal
 */
export const rawOf = (record: Record): string =>
  JSON.stringify([
    record.holderIdentity,
    record.leaseDurationSeconds,
    record.acquireTime ?? null,
    record.renewTime ?? null,
    record.leaseTransitions,
    record.strategy ?? null,
    record.preferredHolder ?? null
  ])

const specOf = (record: Record): NonNullable<Lease["spec"]> => ({
  holderIdentity: record.holderIdentity,
  leaseDurationSeconds: record.leaseDurationSeconds,
  acquireTime: record.acquireTime,
  renewTime: record.renewTime,
  leaseTransitions: record.leaseTransitions,
  ...(record.strategy !== undefined ? { strategy: record.strategy } : {}),
  ...(record.preferredHolder !== undefined ? { preferredHolder: record.preferredHolder } : {})
})

/**
 * `metav1.MicroTime` as the apiserver writes it: RFC 3339 in UTC with exactly six fractional
 * digits (`2006-01-02T15:04:05.000000Z`).
 *
 * @internal
 */
export const formatMicroTime = (millis: number): string => {
  const iso = new Date(millis).toISOString() // 2006-01-02T15:04:05.000Z
  return `${iso.slice(0, 23)}000Z`
}

/**
 * A Lease-backed lock (client-go's `LeaseLock`): remembers the last Lease it read or wrote so that
 * every update carries that object's `resourceVersion` — a precondition the apiserver enforces
 * (409 Conflict when someone else wrote in between).
 *
 * @internal
 */
export class LeaseLock {
  private lease: Lease | undefined = undefined

  constructor(
    private readonly api: Api<Lease>,
    readonly name: string,
    readonly namespace: string
  ) {}

  get describe(): string {
    return `${this.namespace}/${this.name}`
  }

  /** `None` when the Lease does not exist. */
  readonly get: Effect.Effect<Option.Option<Record>, KubeError> = Effect.suspend(() =>
    this.api.get(this.name, { namespace: this.namespace }).pipe(
      Effect.map((lease) => {
        this.lease = lease
        return Option.some(recordOf(lease))
      }),
      Effect.catchTag("NotFound", () => Effect.succeed(Option.none<Record>()))
    )
  )

  readonly create = (record: Record): Effect.Effect<void, KubeError> =>
    Effect.suspend(() =>
      this.api.create(
        {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.name, namespace: this.namespace },
          spec: specOf(record)
        },
        { namespace: this.namespace }
      )
    ).pipe(
      Effect.flatMap((lease) =>
        Effect.sync(() => {
          this.lease = lease
        })
      )
    )

  /**
   * Replaces the spec of the last Lease seen, with its `resourceVersion` as the precondition.
   * Without a Lease seen yet this is a `Conflict`-free no-op refusal (`false`), as client-go's
   * "lease not initialized" error.
   */
  readonly update = (record: Record): Effect.Effect<boolean, KubeError> =>
    Effect.suspend(() => {
      const current = this.lease
      if (current === undefined) return Effect.succeed(false)
      return this.api.replace({ ...current, spec: specOf(record) }, { namespace: this.namespace }).pipe(
        Effect.map((lease) => {
          this.lease = lease
          return true
        })
      )
    })
}
