/**
 * @effect-kube/testing — the in-memory mock apiserver, the same served over HTTPS, and test TLS material.
 *
 * @since 0.1.0
 */
export * as Certificates from "./Certificates.js"
export * as MockHttpServer from "./MockHttpServer.js"
export * as ApiServer from "./ApiServer.js"
export * as TestKube from "./TestKube.js"
export * as KubeApiServer from "./KubeApiServer.js"
