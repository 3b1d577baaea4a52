/**
 * @effect-kube/processor — shared informers (handler fan-out, late-handler replay, resync) and
 * the ref-counted informer factory.
 *
 * @since 0.1.0
 */
export * as InformerFactory from "./InformerFactory.js"
export * as SharedInformer from "./SharedInformer.js"
