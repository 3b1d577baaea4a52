/**
 * List pagination and continue tokens, label and field selectors, metadata-only lists.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Patch from "@effect-kube/core/Patch"
import * as Check from "../harness/Check.js"
import { api, ConfigMaps, configMap, configMaps, names, Secrets, widget, widgets } from "../harness/kube.js"
import { type ConformanceCase, FixtureGroup, Target } from "../harness/Target.js"

/** Creates ConfigMaps a..e (in reverse order, so that sorting is the server's doing). */
const fiveConfigMaps = Effect.gen(function* () {
  const cms = yield* configMaps
  for (const name of ["e", "d", "c", "b", "a"]) yield* cms.create(configMap(name, { v: name }))
  return cms
})

/** Creates labelled ConfigMaps for selector cases. */
const labelled = Effect.gen(function* () {
  const cms = yield* configMaps
  yield* cms.create(configMap("web-1", undefined, { labels: { app: "web", tier: "front" } }))
  yield* cms.create(configMap("web-2", undefined, { labels: { app: "web", tier: "back" } }))
  yield* cms.create(configMap("db-1", undefined, { labels: { app: "db", tier: "back" } }))
  yield* cms.create(configMap("plain"))
  return cms
})

const selectorCase = (id: string, selector: string, expected: ReadonlyArray<string>): ConformanceCase => ({
  id,
  title: `labelSelector ${JSON.stringify(selector)} selects ${expected.join(", ") || "nothing"}`,
  run: Effect.gen(function* () {
    const cms = yield* labelled
    const list = yield* cms.list({ labelSelector: selector })
    yield* Check.equal("names", names(list.items), expected)
  })
})

export const listCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "list/limit-returns-continue",
    title: "a limited list returns the first page, a continue token and remainingItemCount",
    run: Effect.gen(function* () {
      const cms = yield* fiveConfigMaps
      const page = yield* cms.list({ limit: 2 })
      yield* Check.equal("names", names(page.items), ["a", "b"])
      yield* Check.that("continue token", (page.metadata.continue ?? "") !== "", page.metadata)
      yield* Check.equal("remainingItemCount", page.metadata.remainingItemCount, 3)
    })
  },
  {
    id: "list/continue-walks-all-pages",
    title: "following continue tokens visits every object once, in order; the last page has no token",
    run: Effect.gen(function* () {
      const cms = yield* fiveConfigMaps
      const p1 = yield* cms.list({ limit: 2 })
      const p2 = yield* cms.list({ limit: 2, continue: p1.metadata.continue })
      const p3 = yield* cms.list({ limit: 2, continue: p2.metadata.continue })
      yield* Check.equal("pages", [names(p1.items), names(p2.items), names(p3.items)], [["a", "b"], ["c", "d"], ["e"]])
      yield* Check.equal("remaining on page 2", p2.metadata.remainingItemCount, 1)
      yield* Check.equal("last continue", p3.metadata.continue ?? "", "")
      yield* Check.equal("last remainingItemCount", p3.metadata.remainingItemCount, undefined)
      yield* Check.equal(
        "same snapshot",
        [p2.metadata.resourceVersion, p3.metadata.resourceVersion],
        [p1.metadata.resourceVersion, p1.metadata.resourceVersion]
      )
    })
  },
  {
    id: "list/continue-is-a-consistent-snapshot",
    title: "later pages show the collection as of the first page, ignoring writes in between",
    run: Effect.gen(function* () {
      const cms = yield* fiveConfigMaps
      const p1 = yield* cms.list({ limit: 2 })
      yield* cms.create(configMap("cc"))
      yield* cms.patch("d", Patch.merge({ data: { v: "changed" } }))
      yield* cms.delete("e")
      const p2 = yield* cms.list({ limit: 10, continue: p1.metadata.continue })
      yield* Check.equal("names", names(p2.items), ["c", "d", "e"])
      yield* Check.equal("d as of page 1", p2.items[1]?.data, { v: "d" })
    })
  },
  {
    id: "list/limit-above-count",
    title: "a limit above the number of objects returns everything and no continue token",
    run: Effect.gen(function* () {
      const cms = yield* fiveConfigMaps
      const page = yield* cms.list({ limit: 10 })
      yield* Check.equal("names", names(page.items), ["a", "b", "c", "d", "e"])
      yield* Check.equal("continue", page.metadata.continue ?? "", "")
      yield* Check.equal("remainingItemCount", page.metadata.remainingItemCount, undefined)
    })
  },
  {
    id: "list/limit-equal-to-count",
    title: "a limit equal to the number of objects ends without a continue token",
    run: Effect.gen(function* () {
      const cms = yield* fiveConfigMaps
      const page = yield* cms.list({ limit: 5 })
      yield* Check.equal("names", names(page.items), ["a", "b", "c", "d", "e"])
      yield* Check.equal("continue", page.metadata.continue ?? "", "")
    })
  },
  {
    id: "list/continue-with-resource-version",
    title: "a continue token together with a resourceVersion is a 400",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const cms = yield* fiveConfigMaps
      const page = yield* cms.list({ limit: 2 })
      yield* Check.fails(
        "list",
        kube.request({
          method: "GET",
          path: `/api/v1/namespaces/${target.namespace}/configmaps`,
          query: { limit: "2", continue: page.metadata.continue, resourceVersion: page.metadata.resourceVersion }
        }),
        {
          _tag: "BadRequest",
          code: 400,
          reason: "BadRequest",
          message: "specifying resource version is not allowed when using continue"
        }
      )
    })
  },
  {
    id: "list/invalid-continue-token",
    title: "a malformed continue token is a 400",
    run: Effect.gen(function* () {
      const cms = yield* fiveConfigMaps
      yield* Check.fails("list", cms.list({ limit: 2, continue: "garbage" }), {
        _tag: "BadRequest",
        code: 400,
        reason: "BadRequest",
        message: /^invalid continue token: /
      })
    })
  },
  {
    id: "list/continue-expired-after-compaction",
    title: "a continue token older than the server's history is a 410 Expired",
    exclusive: true,
    run: Effect.gen(function* () {
      const target = yield* Target
      const cms = yield* fiveConfigMaps
      const page = yield* cms.list({ limit: 2 })
      yield* cms.create(configMap("later"))
      yield* target.compact
      yield* Check.fails("list", cms.list({ limit: 2, continue: page.metadata.continue }), {
        _tag: "Gone",
        code: 410,
        reason: "Expired",
        message:
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
      })
    })
  },
  {
    id: "list/metadata-only",
    title: "a metadata-only list answers PartialObjectMetadataList with metadata-only items",
    run: Effect.gen(function* () {
      const cms = yield* fiveConfigMaps
      const list = yield* cms.metadata.list({ limit: 2 })
      yield* Check.equal("list kind", [list.apiVersion, list.kind], ["meta.k8s.io/v1", "PartialObjectMetadataList"])
      yield* Check.equal("names", names(list.items), ["a", "b"])
      const first = list.items[0]
      yield* Check.equal("item kind", [first?.apiVersion, first?.kind], ["meta.k8s.io/v1", "PartialObjectMetadata"])
      yield* Check.equal("item keys", Object.keys(first ?? {}).sort(), ["apiVersion", "kind", "metadata"])
      yield* Check.that("continue", (list.metadata.continue ?? "") !== "", list.metadata)
      yield* Check.equal("remainingItemCount", list.metadata.remainingItemCount, 3)
    })
  },
  {
    id: "list/metadata-only-pages",
    title: "metadata-only pages follow continue tokens like full lists",
    run: Effect.gen(function* () {
      const cms = yield* fiveConfigMaps
      const pages = yield* Stream.runCollect(cms.metadata.listPages({ limit: 2 }))
      yield* Check.equal(
        "pages",
        [...pages].map((p) => names(p.items)),
        [["a", "b"], ["c", "d"], ["e"]]
      )
    })
  },
  {
    id: "list/custom-resource-list",
    title: "a custom resource list is typed <Kind>List and its items carry apiVersion and kind",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("w2", { image: "a" }))
      yield* ws.create(widget("w1", { image: "b" }))
      const list = yield* ws.list()
      yield* Check.equal("list kind", [list.apiVersion, list.kind], [`${FixtureGroup}/v1`, "WidgetList"])
      yield* Check.equal("names", names(list.items), ["w1", "w2"])
      yield* Check.equal(
        "item kind",
        [list.items[0]?.apiVersion, list.items[0]?.kind],
        [`${FixtureGroup}/v1`, "Widget"]
      )
    })
  },
  {
    id: "list/custom-resource-pages",
    title: "custom resources paginate like built-in kinds",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      for (const name of ["c", "b", "a"]) yield* ws.create(widget(name, { image: "x" }))
      const p1 = yield* ws.list({ limit: 2 })
      const p2 = yield* ws.list({ limit: 2, continue: p1.metadata.continue })
      yield* Check.equal("pages", [names(p1.items), names(p2.items)], [["a", "b"], ["c"]])
      yield* Check.equal("remainingItemCount", p1.metadata.remainingItemCount, 1)
    })
  },
  selectorCase("list/label-equality", "app=web", ["web-1", "web-2"]),
  selectorCase("list/label-double-equals", "app==db", ["db-1"]),
  selectorCase("list/label-inequality", "app!=web", ["db-1", "plain"]),
  selectorCase("list/label-set-in", "tier in (front,middle)", ["web-1"]),
  selectorCase("list/label-set-notin", "tier notin (front)", ["db-1", "plain", "web-2"]),
  selectorCase("list/label-exists", "tier", ["db-1", "web-1", "web-2"]),
  selectorCase("list/label-not-exists", "!tier", ["plain"]),
  selectorCase("list/label-conjunction", "app=web,tier=back", ["web-2"]),
  selectorCase("list/label-no-match", "app=none", []),
  {
    id: "list/field-selector-name",
    title: "fieldSelector metadata.name= selects one object",
    run: Effect.gen(function* () {
      const cms = yield* fiveConfigMaps
      const list = yield* cms.list({ fieldSelector: "metadata.name=c" })
      yield* Check.equal("names", names(list.items), ["c"])
      const not = yield* cms.list({ fieldSelector: "metadata.name!=c" })
      yield* Check.equal("names !=", names(not.items), ["a", "b", "d", "e"])
    })
  },
  {
    id: "list/field-selector-namespace",
    title: "fieldSelector metadata.namespace= on an all-namespaces list selects one namespace",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      yield* fiveConfigMaps
      const list = yield* kube.resource(ConfigMaps).list({ fieldSelector: `metadata.namespace=${target.namespace}` })
      yield* Check.equal("names", names(list.items), ["a", "b", "c", "d", "e"])
    })
  },
  {
    id: "list/field-and-label-selectors",
    title: "field and label selectors combine",
    run: Effect.gen(function* () {
      const cms = yield* labelled
      const list = yield* cms.list({ labelSelector: "app=web", fieldSelector: "metadata.name!=web-1" })
      yield* Check.equal("names", names(list.items), ["web-2"])
    })
  },
  {
    id: "list/secret-type-field-selector",
    title: "Secrets can be selected by type",
    run: Effect.gen(function* () {
      const secrets = yield* api(Secrets)
      yield* secrets.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "opaque" }, data: {} })
      yield* secrets.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "custom" },
        type: "example.com/custom",
        data: {}
      })
      const list = yield* secrets.list({ fieldSelector: "type=example.com/custom" })
      yield* Check.equal("names", names(list.items), ["custom"])
    })
  },
  {
    id: "list/label-selector-with-pagination",
    title: "pagination counts only the selected objects",
    run: Effect.gen(function* () {
      const cms = yield* labelled
      const p1 = yield* cms.list({ labelSelector: "tier", limit: 2 })
      yield* Check.equal("page 1", names(p1.items), ["db-1", "web-1"])
      const p2 = yield* cms.list({ labelSelector: "tier", limit: 2, continue: p1.metadata.continue })
      yield* Check.equal("page 2", names(p2.items), ["web-2"])
      yield* Check.equal("last continue", p2.metadata.continue ?? "", "")
    })
  },
  {
    id: "list/custom-resource-label-selector",
    title: "label selectors apply to custom resources",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* ws.create(widget("a", { image: "x" }, {}, { labels: { pick: "yes" } }))
      yield* ws.create(widget("b", { image: "x" }, {}, { labels: { pick: "no" } }))
      const list = yield* ws.list({ labelSelector: "pick=yes" })
      yield* Check.equal("names", names(list.items), ["a"])
    })
  }
]
