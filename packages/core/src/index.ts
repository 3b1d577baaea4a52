/**
 * @effect-kube/core — kinds, schemas, keys, selectors and typed errors.
 *
 * @since 0.1.0
 */
export * as Crd from "./Crd.js"
export * as Errors from "./Errors.js"
export * as FieldSelector from "./FieldSelector.js"
export * as Kinds from "./Kinds.js"
export * as LabelSelector from "./LabelSelector.js"
export * as Meta from "./Meta.js"
export * as Names from "./Names.js"
export * as ObjectKey from "./ObjectKey.js"
export * as Patch from "./Patch.js"
export * as Resource from "./Resource.js"
export * as WatchEvent from "./WatchEvent.js"
export type { KubeObject, ObjectMeta, PartialObjectMetadata } from "./Meta.js"
export type { KubeError } from "./Errors.js"
