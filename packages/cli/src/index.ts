/**
 * `@effect-kube/cli`: the `effect-kube` command and the library behind it — an operator
 * description, least-privilege RBAC derived from its controllers, and deterministic YAML.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Cli from "./Cli.js"
/** @since 0.1.0 */
export * as Manifests from "./Manifests.js"
/** @since 0.1.0 */
export * as Operator from "./Operator.js"
/** @since 0.1.0 */
export * as Rbac from "./Rbac.js"
