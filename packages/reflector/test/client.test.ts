/**
 * The watcher over the real `KubeApi` client, with a scripted transport: the client's own
 * inactivity timeout, ERROR frames and per-object decoding meet the watcher's recovery.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as KubeApi from "@effect-kube/client/KubeApi"
import type { KubeRequest, KubeResponse } from "@effect-kube/client/Transport"
import type { KubeError, TransportError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import * as Watcher from "../src/Watcher.js"
import { ConfigMaps, captureLogs, settle } from "./fakeApi.js"

interface ScriptedTransport {
  readonly requests: Array<KubeRequest>
  readonly watches: Array<KubeRequest>
  readonly onRequest: (...responses: ReadonlyArray<KubeResponse>) => void
  readonly onWatch: (...streams: ReadonlyArray<Stream.Stream<unknown, KubeError>>) => void
  readonly service: {
    readonly request: (request: KubeRequest) => Effect.Effect<KubeResponse, TransportError>
    readonly watch: (request: KubeRequest) => Stream.Stream<unknown, KubeError>
  }
}

const scriptedTransport = (): ScriptedTransport => {
  const requests: Array<KubeRequest> = []
  const watches: Array<KubeRequest> = []
  const responses: Array<KubeResponse> = []
  const streams: Array<Stream.Stream<unknown, KubeError>> = []
  return {
    requests,
    watches,
    onRequest: (...r) => {
      responses.push(...r)
    },
    onWatch: (...s) => {
      streams.push(...s)
    },
    service: {
      request: (request) =>
        Effect.suspend(() => {
          requests.push(request)
          const next = responses.shift()
          return next === undefined ? Effect.never : Effect.succeed(next)
        }),
      watch: (request) =>
        Stream.suspend(() => {
          watches.push(request)
          return streams.shift() ?? Stream.never
        })
    }
  }
}

const listResponse = (rv: string, items: ReadonlyArray<unknown> = []): KubeResponse => ({
  status: 200,
  headers: {},
  body: { kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: rv }, items }
})

const frame = (type: string, name: string, rv: string, data: unknown = { k: name }) => ({
  type,
  object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", resourceVersion: rv }, data }
})

const tags = (events: ReadonlyArray<Watcher.WatcherEvent<KubeObject>>) =>
  events.map((e) =>
    e._tag === "Apply" || e._tag === "Delete"
      ? `${e._tag}:${e.object.metadata.name}@${e.object.metadata.resourceVersion}`
      : e._tag === "InitDone"
        ? `InitDone:${e.resourceVersion}`
        : e._tag
  )

const run = <A extends KubeObject>(api: Parameters<typeof Watcher.watcherWithStatus<A>>[0]) =>
  Effect.gen(function* () {
    const handle = yield* Watcher.watcherWithStatus(api)
    const events: Array<Watcher.WatcherEvent<A>> = []
    yield* handle.events.pipe(
      Stream.runForEach((e) => Effect.sync(() => events.push(e))),
      Effect.forkScoped
    )
    yield* settle
    return events
  })

describe("watcher over the KubeApi client", () => {
  it.scoped("a silent connection hits the client's inactivity timeout and is re-watched from the last RV", () =>
    Effect.gen(function* () {
      const transport = scriptedTransport()
      transport.onRequest(listResponse("5"))
      transport.onWatch(Stream.never, Stream.concat(Stream.make(frame("ADDED", "a", "6")), Stream.never))
      const api = KubeApi.make(transport.service).resource(ConfigMaps, { namespace: "default" })
      const events = yield* run(api)
      expect(transport.watches).toHaveLength(1)
      expect(transport.watches[0].query).toMatchObject({
        watch: "true",
        resourceVersion: "5",
        allowWatchBookmarks: "true",
        timeoutSeconds: "300"
      })
      // default inactivity timeout: timeoutSeconds + 30 s
      yield* TestClock.adjust("329 seconds")
      yield* settle
      expect(transport.watches).toHaveLength(1)
      yield* TestClock.adjust("1 second")
      yield* settle
      yield* TestClock.adjust("800 millis")
      yield* settle
      expect(transport.watches).toHaveLength(2)
      expect(transport.watches[1].query?.resourceVersion).toBe("5")
      expect(transport.requests).toHaveLength(1)
      expect(tags(events)).toEqual(["Init", "InitDone:5", "Apply:a@6"])
    }).pipe(Effect.withRandom(Random.fixed([0.999999])))
  )

  it.scoped("an ERROR frame with 410 Expired relists", () =>
    Effect.gen(function* () {
      const transport = scriptedTransport()
      transport.onRequest(listResponse("5"), listResponse("9", [frame("ADDED", "b", "8").object]))
      transport.onWatch(
        Stream.make(frame("ADDED", "a", "6"), {
          type: "ERROR",
          object: {
            kind: "Status",
            apiVersion: "v1",
            status: "Failure",
            code: 410,
            reason: "Expired",
            message: "too old"
          }
        })
      )
      const api = KubeApi.make(transport.service).resource(ConfigMaps, { namespace: "default" })
      const events = yield* run(api)
      expect(tags(events)).toEqual(["Init", "InitDone:5", "Apply:a@6", "Init", "InitApply", "InitDone:9"])
      expect(transport.watches.map((w) => w.query?.resourceVersion)).toEqual(["5", "9"])
    })
  )

  it.scoped("a typed kind: an object failing its Schema is skipped and the watch resumes past it", () => {
    const capture = captureLogs()
    return Effect.gen(function* () {
      const Strict = Resource.make(
        { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", scope: "Namespaced" },
        Resource.objectSchema("v1", "ConfigMap", { data: Schema.Struct({ k: Schema.String }) })
      )
      const transport = scriptedTransport()
      transport.onRequest(listResponse("5"))
      transport.onWatch(
        Stream.make(frame("ADDED", "a", "6"), frame("ADDED", "bad", "7", { k: 42 }), frame("ADDED", "c", "8")),
        Stream.concat(Stream.make(frame("ADDED", "c", "8")), Stream.never)
      )
      const api = KubeApi.make(transport.service).resource(Strict, { namespace: "default" })
      const events = yield* run(api)
      expect(tags(events)).toEqual(["Init", "InitDone:5", "Apply:a@6", "Apply:c@8"])
      expect(transport.watches.map((w) => w.query?.resourceVersion)).toEqual(["5", "7"])
      const error = capture.lines.find((l) => l.level === "ERROR")
      expect(error?.message).toContain("skipping default/bad and re-watching from resourceVersion 7")
    }).pipe(Effect.provide(capture.layer))
  })
})
