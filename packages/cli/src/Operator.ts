/**
 * The operator module convention: a JS module that exports `operator`, the description the
 * `effect-kube manifests` command turns into CRDs, RBAC and webhook configurations.
 *
 * `make` only normalises; `fromUnknown` checks an imported value (built with `make` or a plain
 * object of the same shape — an example need not depend on this package) and says exactly
 * what is wrong with it.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Crd from "@effect-kube/core/Crd"
import type * as Resource from "@effect-kube/core/Resource"
import type * as Admission from "@effect-kube/webhook/Admission"
import type * as Conversion from "@effect-kube/webhook/Conversion"
import type * as WebhookManifests from "@effect-kube/webhook/Manifests"

/**
 * Marks a value built by {@link make}.
 *
 * @example
 * const isOperator = (u: object) => Operator.TypeId in u
 * @since 0.1.0
 */
export const TypeId: unique symbol = Symbol.for("@effect-kube/cli/Operator")

/**
 * The type of {@link TypeId}.
 *
 * @since 0.1.0
 */
export type TypeId = typeof TypeId

/**
 * An RBAC `PolicyRule` (rbac.authorization.k8s.io/v1).
 *
 * @example
 * const rule: Operator.PolicyRule = { apiGroups: [""], resources: ["namespaces"], verbs: ["create"] }
 * @since 0.1.0
 */
export interface PolicyRule {
  readonly apiGroups?: ReadonlyArray<string>
  readonly resources?: ReadonlyArray<string>
  readonly verbs: ReadonlyArray<string>
  readonly resourceNames?: ReadonlyArray<string>
  readonly nonResourceURLs?: ReadonlyArray<string>
}

/**
 * Where a kind lives in the API, as far as RBAC needs it. Every `Resource` is one.
 *
 * @example
 * const ref: Operator.KindRef = Kinds.ConfigMap
 * @since 0.1.0
 */
export type KindRef = Pick<Resource.Any, "group" | "kind" | "plural" | "scope">

/**
 * What RBAC derivation reads from a controller: its `for`, `owns` and `watches` kinds and the
 * namespaces it watches. Every `Controller.make(...)` result is one.
 *
 * @example
 * const info: Operator.ControllerInfo = websiteController
 * @since 0.1.0
 */
export interface ControllerInfo {
  readonly name: string
  readonly for: KindRef
  readonly owns: ReadonlyArray<{ readonly resource: KindRef; readonly options: { readonly namespace?: string } }>
  readonly watches: ReadonlyArray<{ readonly resource: KindRef; readonly options: { readonly namespace?: string } }>
  /** Absent: all namespaces. */
  readonly namespace: string | undefined
}

/**
 * One CRD of the operator: a kind (`Website`), the versions of a multi-version kind, or an
 * already generated `Crd.make(...)` result (to pass printer columns and other options).
 *
 * @example
 * const entries: ReadonlyArray<Operator.CrdEntry> = [Website, Crd.make(Database, { printerColumns })]
 * @since 0.1.0
 */
export type CrdEntry =
  | Crd.Source
  | ReadonlyArray<Crd.Version>
  | Either.Either<Crd.CustomResourceDefinition, Crd.CrdGenerationError>

/**
 * Any webhook the operator serves.
 *
 * @example
 * const hooks: ReadonlyArray<Operator.Webhook> = [Admission.defaulting(Website)]
 * @since 0.1.0
 */
export type Webhook = Admission.Any | Conversion.Any

/**
 * Leader election: `true` (the Lease lives in the operator's namespace) or the Lease's namespace.
 *
 * @example
 * const le: Operator.LeaderElection = { namespace: "operators" }
 * @since 0.1.0
 */
export type LeaderElection = boolean | { readonly namespace?: string }

/**
 * What {@link make} takes.
 *
 * @example
 * const options: Operator.Options = { name: "website-operator", crds: [Website], controllers: [websites] }
 * @since 0.1.0
 */
export interface Options {
  /** Prefix of every generated name (`<name>-manager-role`, …); a DNS-1123 label. */
  readonly name: string
  /** Where the operator runs (its ServiceAccount, Lease, webhook Service). Default `<name>-system`. */
  readonly namespace?: string
  readonly crds?: ReadonlyArray<CrdEntry>
  readonly controllers?: ReadonlyArray<ControllerInfo>
  readonly webhooks?: ReadonlyArray<Webhook>
  /**
   * Where the apiserver reaches the webhook server. Default: Service `<name>-webhook-service`
   * in the operator's namespace, port 443.
   */
  readonly webhookClientConfig?: WebhookManifests.ClientConfig
  /** PEM of the CA that signs the webhook serving certificate (omit when cert-manager injects it). */
  readonly caBundle?: string
  /** Annotations of the webhook configurations (e.g. `cert-manager.io/inject-ca-from`). */
  readonly webhookAnnotations?: { readonly [key: string]: string }
  /** Rules the controllers' sources cannot reveal (objects read or written directly); ClusterRole. */
  readonly extraRules?: ReadonlyArray<PolicyRule>
  /** Default `false`: only an operator that elects a leader may touch Leases. */
  readonly leaderElection?: LeaderElection
  /** Whether the controllers record Events (default `true`). */
  readonly events?: boolean
}

/**
 * A normalised operator description (see {@link make}).
 *
 * @example
 * const op: Operator.Operator = Operator.make({ name: "website-operator", controllers: [websites] })
 * @since 0.1.0
 */
export interface Operator {
  readonly [TypeId]: TypeId
  readonly name: string
  readonly namespace: string
  readonly crds: ReadonlyArray<CrdEntry>
  readonly controllers: ReadonlyArray<ControllerInfo>
  readonly webhooks: ReadonlyArray<Webhook>
  readonly webhookClientConfig: WebhookManifests.ClientConfig | undefined
  readonly caBundle: string | undefined
  readonly webhookAnnotations: { readonly [key: string]: string } | undefined
  readonly extraRules: ReadonlyArray<PolicyRule>
  /** The Lease namespace, or `undefined` without leader election. */
  readonly leaderElectionNamespace: string | undefined
  readonly events: boolean
}

/**
 * Describes an operator for the manifests CLI. Export it as `operator` from a module.
 *
 * @example
 * export const operator = Operator.make({
 *   name: "website-operator",
 *   crds: [Crd.make(Website, { printerColumns })],
 *   controllers: [websiteController],
 *   leaderElection: true
 * })
 * @since 0.1.0
 */
export const make = (options: Options): Operator => {
  const namespace = options.namespace ?? `${options.name}-system`
  const le = options.leaderElection ?? false
  return {
    [TypeId]: TypeId,
    name: options.name,
    namespace,
    crds: options.crds ?? [],
    controllers: options.controllers ?? [],
    webhooks: options.webhooks ?? [],
    webhookClientConfig: options.webhookClientConfig,
    caBundle: options.caBundle,
    webhookAnnotations: options.webhookAnnotations,
    extraRules: options.extraRules ?? [],
    leaderElectionNamespace: le === false ? undefined : le === true ? namespace : (le.namespace ?? namespace),
    events: options.events ?? true
  }
}

/**
 * The same operator running in another namespace (`--namespace`): the ServiceAccount, the
 * default Lease namespace and the default webhook Service move with it.
 *
 * @example
 * const staging = Operator.withNamespace(operator, "staging-operators")
 * @since 0.1.0
 */
export const withNamespace = (self: Operator, namespace: string): Operator => ({
  ...self,
  namespace,
  leaderElectionNamespace: self.leaderElectionNamespace === self.namespace ? namespace : self.leaderElectionNamespace
})

// ---------------------------------------------------------------------------------------------
// checking an imported value

/**
 * The module's `operator` export is missing or malformed. `message` names every offending
 * field.
 *
 * @example
 * Operator.fromUnknown({}).pipe(Either.mapLeft((e) => e.message))
 * @since 0.1.0
 */
export class InvalidOperator extends Data.TaggedError("InvalidOperator")<{ readonly message: string }> {}

const isRecord = (u: unknown): u is { readonly [key: string]: unknown } => typeof u === "object" && u !== null

const isKindRef = (u: unknown): u is KindRef =>
  isRecord(u) &&
  typeof u.group === "string" &&
  typeof u.kind === "string" &&
  typeof u.plural === "string" &&
  (u.scope === "Namespaced" || u.scope === "Cluster")

const isSource = (u: unknown): u is { readonly resource: KindRef; readonly options: { readonly namespace?: string } } =>
  isRecord(u) &&
  isKindRef(u.resource) &&
  isRecord(u.options) &&
  (u.options.namespace === undefined || typeof u.options.namespace === "string")

const isCrdSource = (u: unknown): u is Crd.Source =>
  isRecord(u) && u._tag === "Resource" && Schema.isSchema(u.schema) && isKindRef(u)

const CrdEntrySchema: Schema.Schema<CrdEntry> = Schema.declare(
  (u): u is CrdEntry =>
    isCrdSource(u) ||
    (Array.isArray(u) && u.every((v) => isRecord(v) && isCrdSource(v.resource) && typeof v.storage === "boolean")) ||
    (Either.isEither(u) && (Either.isLeft(u) || isRecord(u.right))),
  { identifier: "CrdEntry", description: "a Resource.custom kind, a list of versions or a Crd.make result" }
)

const ControllerSchema: Schema.Schema<ControllerInfo> = Schema.declare(
  (u): u is ControllerInfo =>
    isRecord(u) &&
    typeof u.name === "string" &&
    isKindRef(u.for) &&
    Array.isArray(u.owns) &&
    u.owns.every(isSource) &&
    Array.isArray(u.watches) &&
    u.watches.every(isSource) &&
    (u.namespace === undefined || typeof u.namespace === "string"),
  { identifier: "Controller", description: "a Controller.make result" }
)

const WebhookSchema: Schema.Schema<Webhook> = Schema.declare(
  (u): u is Webhook =>
    isRecord(u) &&
    ((u._tag === "AdmissionWebhook" && typeof u.path === "string" && Array.isArray(u.rules)) ||
      (u._tag === "ConversionWebhook" && typeof u.group === "string" && typeof u.kind === "string")),
  { identifier: "Webhook", description: "an Admission or Conversion webhook" }
)

const ClientConfigSchema: Schema.Schema<WebhookManifests.ClientConfig> = Schema.Union(
  Schema.Struct({
    service: Schema.Struct({ namespace: Schema.String, name: Schema.String, port: Schema.optional(Schema.Number) })
  }),
  Schema.Struct({ url: Schema.String })
)

const StringArray = Schema.Array(Schema.String)

const PolicyRuleSchema: Schema.Schema<PolicyRule> = Schema.Struct({
  apiGroups: Schema.optional(StringArray),
  resources: Schema.optional(StringArray),
  verbs: StringArray,
  resourceNames: Schema.optional(StringArray),
  nonResourceURLs: Schema.optional(StringArray)
})

const OptionsSchema: Schema.Schema<Options> = Schema.Struct({
  name: Schema.String.pipe(Schema.pattern(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/), Schema.maxLength(63)),
  namespace: Schema.optional(Schema.String),
  crds: Schema.optional(Schema.Array(CrdEntrySchema)),
  controllers: Schema.optional(Schema.Array(ControllerSchema)),
  webhooks: Schema.optional(Schema.Array(WebhookSchema)),
  webhookClientConfig: Schema.optional(ClientConfigSchema),
  caBundle: Schema.optional(Schema.String),
  webhookAnnotations: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  extraRules: Schema.optional(Schema.Array(PolicyRuleSchema)),
  leaderElection: Schema.optional(
    Schema.Union(Schema.Boolean, Schema.Struct({ namespace: Schema.optional(Schema.String) }))
  ),
  events: Schema.optional(Schema.Boolean)
})

const decodeOptions = Schema.decodeUnknownEither(OptionsSchema, { errors: "all" })

/**
 * Checks a value imported from an operator module: an {@link Operator} passes as is; a plain
 * object shaped like {@link Options} is checked and normalised with {@link make}.
 *
 * @example
 * const operator = Operator.fromUnknown((await import(url)).operator)
 * @since 0.1.0
 */
export const fromUnknown = (u: unknown): Either.Either<Operator, InvalidOperator> => {
  // Built by `make` (maybe by another copy of this package): back to options, re-checked.
  const options =
    isRecord(u) && TypeId in u
      ? {
          ...u,
          leaderElection: u.leaderElectionNamespace === undefined ? false : { namespace: u.leaderElectionNamespace }
        }
      : u
  return Either.mapBoth(decodeOptions(options), {
    onLeft: (error) =>
      new InvalidOperator({
        message: `\`operator\` is not an operator description:\n${ParseResult.TreeFormatter.formatErrorSync(error)}`
      }),
    onRight: make
  })
}
