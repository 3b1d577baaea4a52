/**
 * @effect-kube/client — the KubeApi service, typed per-kind Api, and the live HTTP layer.
 *
 * @since 0.1.0
 */
export type * from "./Api.js"
export * as Transport from "./Transport.js"
