/**
 * Watches: from a resourceVersion, without one, selectors and their transitions, bookmarks,
 * 410 after compaction, streaming lists (sendInitialEvents), timeoutSeconds, metadata-only.
 */
import * as Effect from "effect/Effect"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Patch from "@effect-kube/core/Patch"
import { InitialEventsEndAnnotation, isInitialEventsEnd } from "@effect-kube/core/WatchEvent"
import * as Check from "../harness/Check.js"
import {
  api,
  ConfigMaps,
  configMap,
  configMaps,
  describe,
  gadget,
  gadgets,
  probe,
  rv,
  widget,
  widgets
} from "../harness/kube.js"
import { type ConformanceCase, FixtureGroup, Target } from "../harness/Target.js"

export const watchCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "watch/from-resource-version",
    title: "a watch from a list's resourceVersion replays later writes in order, each with its resourceVersion",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list()
      const created = yield* cms.create(configMap("a", { k: "1" }))
      const updated = yield* cms.replace({ ...created, data: { k: "2" } })
      yield* cms.delete("a")
      const watch = yield* probe(cms.watch({ resourceVersion: list.metadata.resourceVersion }))
      const events = yield* watch.take(3)
      yield* Check.equal("events", events.map(describe), ["ADDED a", "MODIFIED a", "DELETED a"])
      yield* Check.equal("ADDED object", events[0]?.object, created)
      yield* Check.equal("MODIFIED object", events[1]?.object, updated)
    })
  },
  {
    id: "watch/deleted-carries-final-state",
    title: "DELETED carries the last state of the object with a new resourceVersion",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "last" }, { labels: { x: "y" } }))
      yield* cms.delete("a")
      const watch = yield* probe(cms.watch({ resourceVersion: rv(created) }))
      const [deleted] = yield* watch.take(1)
      yield* Check.equal("type", deleted?.type, "DELETED")
      yield* Check.equal("data", deleted?.object.data, { k: "last" })
      yield* Check.equal("labels", deleted?.object.metadata.labels, { x: "y" })
      yield* Check.equal("uid", deleted?.object.metadata.uid, created.metadata.uid)
      yield* Check.notEqual("resourceVersion", deleted === undefined ? "" : rv(deleted.object), rv(created))
    })
  },
  {
    id: "watch/resume-from-event",
    title: "a watch resumed from an event's resourceVersion continues after that event",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const a = yield* cms.create(configMap("a"))
      const b = yield* cms.create(configMap("b"))
      yield* cms.create(configMap("c"))
      const watch = yield* probe(cms.watch({ resourceVersion: rv(a) }))
      const events = yield* watch.take(2)
      yield* Check.equal("events", events.map(describe), ["ADDED b", "ADDED c"])
      yield* Check.equal("first resourceVersion", events[0] === undefined ? "" : rv(events[0].object), rv(b))
    })
  },
  {
    id: "watch/without-resource-version",
    title: "a watch without resourceVersion starts with ADDED for every existing object",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const b = yield* cms.create(configMap("b", { k: "1" }))
      const a = yield* cms.create(configMap("a"))
      const updated = yield* cms.replace({ ...b, data: { k: "2" } })
      const watch = yield* probe(cms.watch())
      const events = yield* watch.take(2)
      yield* Check.equal("events", events.map(describe), ["ADDED a", "ADDED b"])
      yield* Check.equal("current state", [events[0]?.object, events[1]?.object], [a, updated])
    })
  },
  {
    id: "watch/resource-version-zero",
    title: "a watch from resourceVersion 0 also starts with the current state as ADDED",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      yield* cms.create(configMap("b"))
      const watch = yield* probe(cms.watch({ resourceVersion: "0" }))
      const events = yield* watch.take(2)
      yield* Check.equal("events", events.map(describe), ["ADDED a", "ADDED b"])
    })
  },
  {
    id: "watch/live-events",
    title: "a watch sees writes made after it started",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list()
      const watch = yield* probe(cms.watch({ resourceVersion: list.metadata.resourceVersion }))
      const created = yield* cms.create(configMap("live"))
      const [added] = yield* watch.take(1)
      yield* Check.equal("event", added === undefined ? undefined : describe(added), "ADDED live")
      yield* Check.equal("resourceVersion", added === undefined ? "" : rv(added.object), rv(created))
      yield* cms.patch("live", Patch.merge({ data: { k: "v" } }))
      const [modified] = yield* watch.take(1)
      yield* Check.equal("event", modified === undefined ? undefined : describe(modified), "MODIFIED live")
    })
  },
  {
    id: "watch/namespace-scoped",
    title: "a namespaced watch does not see other namespaces",
    run: Effect.gen(function* () {
      const target = yield* Target
      const other = yield* target.newNamespace
      const cms = yield* configMaps
      const elsewhere = yield* api(ConfigMaps, other)
      const list = yield* cms.list()
      yield* elsewhere.create(configMap("other"))
      yield* cms.create(configMap("mine"))
      const watch = yield* probe(cms.watch({ resourceVersion: list.metadata.resourceVersion }))
      const events = yield* watch.take(1)
      yield* Check.equal("events", events.map(describe), ["ADDED mine"])
    })
  },
  {
    id: "watch/all-namespaces-with-label",
    title: "an all-namespaces watch with a label selector sees matching objects of every namespace",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const other = yield* target.newNamespace
      const all = kube.resource(ConfigMaps)
      const list = yield* all.list({ labelSelector: `case=${target.unique}` })
      yield* (yield* api(ConfigMaps, other)).create(configMap("x", undefined, { labels: { case: target.unique } }))
      yield* (yield* configMaps).create(configMap("y", undefined, { labels: { case: target.unique } }))
      const watch = yield* probe(
        all.watch({ resourceVersion: list.metadata.resourceVersion, labelSelector: `case=${target.unique}` })
      )
      const events = yield* watch.take(2)
      yield* Check.equal(
        "events",
        events.map((e) => `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name}`),
        [`ADDED ${other}/x`, `ADDED ${target.namespace}/y`]
      )
    })
  },
  {
    id: "watch/label-selector-transitions",
    title: "with a label selector, an object that stops matching is DELETED and one that starts matching is ADDED",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list()
      yield* cms.create(configMap("a", undefined, { labels: { app: "x" } }))
      yield* cms.patch("a", Patch.merge({ metadata: { labels: { app: "y" } } }))
      yield* cms.patch("a", Patch.merge({ data: { unseen: "change" } }))
      yield* cms.patch("a", Patch.merge({ metadata: { labels: { app: "x" } } }))
      yield* cms.patch("a", Patch.merge({ data: { seen: "change" } }))
      yield* cms.delete("a")
      const watch = yield* probe(cms.watch({ resourceVersion: list.metadata.resourceVersion, labelSelector: "app=x" }))
      const events = yield* watch.take(5)
      yield* Check.equal("events", events.map(describe), ["ADDED a", "DELETED a", "ADDED a", "MODIFIED a", "DELETED a"])
      // The watch never saw the non-matching state: leaving is reported with the last state it matched.
      yield* Check.equal("DELETED on leaving carries the last matching labels", events[1]?.object.metadata.labels, {
        app: "x"
      })
    })
  },
  {
    id: "watch/field-selector-name",
    title: "a watch with fieldSelector metadata.name= sees only that object",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list()
      yield* cms.create(configMap("a"))
      yield* cms.create(configMap("b"))
      yield* cms.patch("a", Patch.merge({ data: { k: "v" } }))
      yield* cms.patch("b", Patch.merge({ data: { k: "v" } }))
      const watch = yield* probe(
        cms.watch({ resourceVersion: list.metadata.resourceVersion, fieldSelector: "metadata.name=b" })
      )
      const events = yield* watch.take(2)
      yield* Check.equal("events", events.map(describe), ["ADDED b", "MODIFIED b"])
    })
  },
  {
    id: "watch/timeout-ends-stream",
    title: "timeoutSeconds makes the server end the watch",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list()
      const watch = yield* probe(
        cms.watch({ resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 1, allowWatchBookmarks: false })
      )
      const events = yield* watch.rest("15 seconds")
      yield* Check.equal("events", events.map(describe), [])
    })
  },
  {
    id: "watch/bookmark-before-timeout",
    title: "with allowWatchBookmarks, a BOOKMARK with the kind's latest resourceVersion arrives before the timeout",
    exclusive: true,
    run: Effect.gen(function* () {
      const target = yield* Target
      const cms = yield* configMaps
      const list = yield* cms.list()
      const watch = yield* probe(
        cms.watch({ resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 6, allowWatchBookmarks: true })
      )
      // Once the watch delivers a live event it is registered; then a write it does not see
      // moves the kind's resourceVersion past the watch's, and the bookmark (~2 s before the
      // timeout) reports that progress. The real server sends no bookmark without progress.
      yield* cms.create(configMap("marker"))
      yield* watch.take(1)
      const elsewhere = yield* (yield* api(ConfigMaps, yield* target.newNamespace)).create(configMap("progress"))
      const events = yield* watch.rest("20 seconds")
      const bookmark = events.find((e) => e.type === "BOOKMARK")
      if (bookmark === undefined)
        return yield* Check.fail(`no BOOKMARK before the timeout; events: ${Check.show(events.map(describe))}`)
      yield* Check.equal("bookmark type", [bookmark.object.apiVersion, bookmark.object.kind], ["v1", "ConfigMap"])
      yield* Check.equal("bookmark resourceVersion", rv(bookmark.object), rv(elsewhere))
      yield* Check.equal("bookmark name", bookmark.object.metadata.name, undefined)
      yield* Check.equal("only the bookmark", events.filter((e) => e.type !== "BOOKMARK").map(describe), [])
    })
  },
  {
    id: "watch/no-bookmarks-unless-asked",
    title: "without allowWatchBookmarks no BOOKMARK is sent",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list()
      const watch = yield* probe(
        cms.watch({ resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 4, allowWatchBookmarks: false })
      )
      const events = yield* watch.rest("20 seconds")
      yield* Check.equal("events", events.map(describe), [])
    })
  },
  {
    id: "watch/resume-from-bookmark",
    title: "a watch resumed from a bookmark's resourceVersion does not replay earlier events",
    exclusive: true,
    run: Effect.gen(function* () {
      const target = yield* Target
      const cms = yield* configMaps
      const list = yield* cms.list()
      const first = yield* probe(
        cms.watch({ resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 6, allowWatchBookmarks: true })
      )
      yield* cms.create(configMap("before"))
      yield* first.take(1)
      yield* (yield* api(ConfigMaps, yield* target.newNamespace)).create(configMap("progress"))
      const events = yield* first.rest("20 seconds")
      const bookmark = events.find((e) => e.type === "BOOKMARK")
      if (bookmark === undefined) return yield* Check.fail(`no BOOKMARK; events: ${Check.show(events.map(describe))}`)
      yield* cms.create(configMap("after"))
      const second = yield* probe(cms.watch({ resourceVersion: rv(bookmark.object) }))
      const resumed = yield* second.take(1)
      yield* Check.equal("events", resumed.map(describe), ["ADDED after"])
    })
  },
  {
    id: "watch/expired-after-compaction",
    title: "a watch from a resourceVersion older than the server's history fails with 410 Expired",
    exclusive: true,
    run: Effect.gen(function* () {
      const target = yield* Target
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a"))
      yield* cms.patch("a", Patch.merge({ data: { k: "v" } }))
      yield* target.compact
      yield* cms.patch("a", Patch.merge({ data: { k: "w" } }))
      const watch = yield* probe(cms.watch({ resourceVersion: rv(created) }))
      yield* Check.fails("watch", watch.take(1), {
        _tag: "Gone",
        code: 410,
        reason: "Expired",
        message: /^too old resource version: \d+ \(\d+\)$/
      })
    })
  },
  {
    id: "watch/send-initial-events",
    title: "sendInitialEvents streams the state as ADDED, then the initial-events-end BOOKMARK, then live events",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("b"))
      yield* cms.create(configMap("a"))
      const watch = yield* probe(
        cms.watch({ sendInitialEvents: true, resourceVersionMatch: "NotOlderThan", allowWatchBookmarks: true })
      )
      const initial = yield* watch.take(2)
      yield* Check.equal("initial", initial.map(describe), ["ADDED a", "ADDED b"])
      let end = yield* watch.next()
      while (end.type === "BOOKMARK" && !isInitialEventsEnd(end)) end = yield* watch.next()
      yield* Check.that("initial-events-end bookmark", isInitialEventsEnd(end), describe(end))
      yield* Check.equal("annotation", end.object.metadata.annotations, { [InitialEventsEndAnnotation]: "true" })
      yield* Check.equal("bookmark kind", [end.object.apiVersion, end.object.kind], ["v1", "ConfigMap"])
      yield* Check.that("bookmark resourceVersion", rv(end.object) !== "", end.object)
      yield* cms.patch("a", Patch.merge({ data: { k: "v" } }))
      const live = yield* watch.take(1)
      yield* Check.equal("live", live.map(describe), ["MODIFIED a"])
    })
  },
  {
    id: "watch/send-initial-events-empty",
    title: "sendInitialEvents on an empty collection sends just the initial-events-end BOOKMARK",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const watch = yield* probe(
        cms.watch({
          sendInitialEvents: true,
          resourceVersionMatch: "NotOlderThan",
          allowWatchBookmarks: true,
          timeoutSeconds: 3
        })
      )
      const events = yield* watch.rest("20 seconds")
      yield* Check.that(
        "first event ends the initial events",
        events[0] !== undefined && isInitialEventsEnd(events[0]),
        events.map(describe)
      )
      yield* Check.equal("no objects", events.filter((e) => e.type !== "BOOKMARK").map(describe), [])
    })
  },
  {
    id: "watch/send-initial-events-requires-not-older-than",
    title: "sendInitialEvents without resourceVersionMatch=NotOlderThan is an Invalid ListOptions",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const watch = yield* probe(cms.watch({ sendInitialEvents: true, allowWatchBookmarks: true }))
      yield* Check.fails("watch", watch.next(), {
        _tag: "Invalid",
        code: 422,
        message:
          'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        details: { group: "meta.k8s.io", kind: "ListOptions" },
        causes: [
          {
            reason: "FieldValueForbidden",
            message: "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            field: "resourceVersionMatch"
          }
        ]
      })
    })
  },
  {
    id: "watch/resource-version-match-requires-send-initial-events",
    title: "resourceVersionMatch on a watch without sendInitialEvents is Invalid",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list()
      const watch = yield* probe(
        cms.watch({ resourceVersion: list.metadata.resourceVersion, resourceVersionMatch: "NotOlderThan" })
      )
      yield* Check.fails("watch", watch.next(), {
        _tag: "Invalid",
        code: 422,
        message:
          'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
        causes: [{ reason: "FieldValueForbidden", field: "resourceVersionMatch" }]
      })
    })
  },
  {
    id: "watch/metadata-only",
    title: "a metadata-only watch sends PartialObjectMetadata objects",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list()
      const created = yield* cms.create(configMap("a", { secret: "not sent" }))
      yield* cms.delete("a")
      const watch = yield* probe(cms.metadata.watch({ resourceVersion: list.metadata.resourceVersion }))
      const events = yield* watch.take(2)
      yield* Check.equal("events", events.map(describe), ["ADDED a", "DELETED a"])
      const first = events[0]?.object
      yield* Check.equal("kind", [first?.apiVersion, first?.kind], ["meta.k8s.io/v1", "PartialObjectMetadata"])
      yield* Check.equal("keys", Object.keys(first ?? {}).sort(), ["apiVersion", "kind", "metadata"])
      yield* Check.equal("uid", first?.metadata.uid, created.metadata.uid)
    })
  },
  {
    id: "watch/custom-resources",
    title: "custom resource watches carry full objects with apiVersion and kind",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      const list = yield* ws.list()
      const created = yield* ws.create(widget("w", { image: "a" }))
      const updated = yield* ws.status.patch("w", Patch.merge({ status: { phase: "Ready" } }))
      const watch = yield* probe(ws.watch({ resourceVersion: list.metadata.resourceVersion }))
      const events = yield* watch.take(2)
      yield* Check.equal("events", events.map(describe), ["ADDED w", "MODIFIED w"])
      yield* Check.equal("ADDED", events[0]?.object, created)
      yield* Check.equal("MODIFIED", events[1]?.object, updated)
      yield* Check.equal("apiVersion", events[0]?.object.apiVersion, `${FixtureGroup}/v1`)
    })
  },
  {
    id: "watch/cluster-scoped",
    title: "watching a cluster-scoped kind with a name selector",
    run: Effect.gen(function* () {
      const target = yield* Target
      const gs = yield* gadgets
      const name = `g-${target.unique}`
      const list = yield* gs.list()
      yield* gs.create(gadget(name, { a: 1 }))
      yield* gs.delete(name)
      const watch = yield* probe(
        gs.watch({ resourceVersion: list.metadata.resourceVersion, fieldSelector: `metadata.name=${name}` })
      )
      const events = yield* watch.take(2)
      yield* Check.equal("events", events.map(describe), [`ADDED ${name}`, `DELETED ${name}`])
    })
  },
  {
    id: "watch/order-across-objects",
    title: "events of different objects arrive in write order",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list()
      yield* cms.create(configMap("b"))
      yield* cms.create(configMap("a"))
      yield* cms.patch("b", Patch.merge({ data: { k: "1" } }))
      yield* cms.delete("a")
      yield* cms.patch("b", Patch.merge({ data: { k: "2" } }))
      const watch = yield* probe(cms.watch({ resourceVersion: list.metadata.resourceVersion }))
      const events = yield* watch.take(5)
      yield* Check.equal("events", events.map(describe), [
        "ADDED b",
        "ADDED a",
        "MODIFIED b",
        "DELETED a",
        "MODIFIED b"
      ])
    })
  },
  {
    id: "watch/no-event-for-no-op",
    title: "a write that changes nothing produces no event",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      yield* cms.replace(created)
      yield* cms.patch("a", Patch.merge({ data: { k: "1" } }))
      yield* cms.patch("a", Patch.merge({ data: { k: "2" } }))
      const watch = yield* probe(cms.watch({ resourceVersion: rv(created) }))
      const events = yield* watch.take(1)
      yield* Check.equal("events", events.map(describe), ["MODIFIED a"])
      yield* Check.equal("data", events[0]?.object.data, { k: "2" })
    })
  }
]
