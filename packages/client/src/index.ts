/**
 * @effect-kube/client — the KubeApi service, typed per-kind Api, kubeconfig loading and the live
 * HTTP transport.
 *
 * @since 0.1.0
 */
export type * from "./Api.js"
export * as HttpTransport from "./HttpTransport.js"
export { KubeApi, type KubeApiService, type ResourceOptions } from "./KubeApi.js"
export * as KubeConfig from "./KubeConfig.js"
export * as Transport from "./Transport.js"
