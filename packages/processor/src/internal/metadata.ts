import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Api, ListOptions, ObjectList } from "@effect-kube/client/Api"
import type { KubeObject, PartialObjectMetadata } from "@effect-kube/core/Meta"
import type { WatchEvent } from "@effect-kube/core/WatchEvent"

// PartialObjectMetadata has no index signature, so it is not a KubeObject by type; this shallow
// re-wrap (three fields, no deep copy) is the price of keeping one object type through the cache.
const toObject = (p: PartialObjectMetadata): KubeObject =>
  p.kind === undefined && p.apiVersion === undefined
    ? { metadata: p.metadata }
    : { apiVersion: p.apiVersion, kind: p.kind, metadata: p.metadata }

const toList = (page: ObjectList<PartialObjectMetadata>): ObjectList<KubeObject> => ({
  apiVersion: page.apiVersion,
  kind: page.kind,
  metadata: page.metadata,
  items: page.items.map(toObject)
})

const toEvent = (event: WatchEvent<PartialObjectMetadata>): WatchEvent<KubeObject> => {
  switch (event.type) {
    case "ADDED":
      return { type: "ADDED", object: toObject(event.object) }
    case "MODIFIED":
      return { type: "MODIFIED", object: toObject(event.object) }
    case "DELETED":
      return { type: "DELETED", object: toObject(event.object) }
    case "BOOKMARK":
      return event
  }
}

/**
 * An Api whose list and watch verbs go through the metadata-only endpoints
 * (`as=PartialObjectMetadata`); every other verb is the original one.
 *
 * @internal
 */
export const metadataApi = (api: Api<KubeObject>): Api<KubeObject> => {
  const listPages = (options?: ListOptions) => Stream.map(api.metadata.listPages(options), toList)
  return {
    ...api,
    list: (options) => Effect.map(api.metadata.list(options), toList),
    listPages,
    listAll: (options) => Stream.flatMap(listPages(options), (page) => Stream.fromIterable(page.items)),
    watch: (options) => Stream.map(api.metadata.watch(options), toEvent)
  }
}
