import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as LabelSelector from "@effect-kube/core/LabelSelector"
import type { KubeObject, ObjectMeta } from "@effect-kube/core/Meta"
import * as Predicates from "../src/Predicates.js"

const obj = (meta: ObjectMeta): KubeObject => ({ metadata: { name: "x", namespace: "default", ...meta } })

const update = (p: Predicates.Predicate, oldMeta: ObjectMeta, newMeta: ObjectMeta) =>
  Predicates.evaluate(p, { _tag: "Update", oldObject: obj(oldMeta), newObject: obj(newMeta) })
const create = (p: Predicates.Predicate, meta: ObjectMeta = {}) =>
  Predicates.evaluate(p, { _tag: "Create", object: obj(meta) })
const del = (p: Predicates.Predicate, meta: ObjectMeta = {}) =>
  Predicates.evaluate(p, { _tag: "Delete", object: obj(meta) })
const generic = (p: Predicates.Predicate, meta: ObjectMeta = {}) =>
  Predicates.evaluate(p, { _tag: "Generic", object: obj(meta) })

describe("Predicates", () => {
  it("generationChanged filters only updates with an equal generation", () => {
    const p = Predicates.generationChanged
    expect(update(p, { generation: 1 }, { generation: 2 })).toBe(true)
    expect(update(p, { generation: 2, resourceVersion: "1" }, { generation: 2, resourceVersion: "2" })).toBe(false)
    expect(create(p)).toBe(true)
    expect(del(p)).toBe(true)
    expect(generic(p)).toBe(true)
  })

  it("resourceVersionChanged drops resyncs (same resourceVersion)", () => {
    const p = Predicates.resourceVersionChanged
    expect(update(p, { resourceVersion: "5" }, { resourceVersion: "5" })).toBe(false)
    expect(update(p, { resourceVersion: "5" }, { resourceVersion: "6" })).toBe(true)
    expect(create(p)).toBe(true)
  })

  it("labelsChanged / annotationsChanged / finalizersChanged compare their field only", () => {
    expect(update(Predicates.labelsChanged, { labels: { a: "1" } }, { labels: { a: "1" } })).toBe(false)
    expect(update(Predicates.labelsChanged, { labels: { a: "1" } }, { labels: { a: "2" } })).toBe(true)
    expect(update(Predicates.labelsChanged, { labels: { a: "1" } }, { labels: { a: "1", b: "1" } })).toBe(true)
    expect(update(Predicates.labelsChanged, {}, { labels: {} })).toBe(false)
    expect(update(Predicates.labelsChanged, { labels: { a: "1" } }, { labels: { a: "1" }, generation: 9 })).toBe(false)
    expect(update(Predicates.annotationsChanged, { annotations: { x: "1" } }, {})).toBe(true)
    expect(update(Predicates.annotationsChanged, { labels: { a: "1" } }, {})).toBe(false)
    expect(update(Predicates.finalizersChanged, { finalizers: ["a", "b"] }, { finalizers: ["b", "a"] })).toBe(true)
    expect(update(Predicates.finalizersChanged, { finalizers: [] }, {})).toBe(false)
    expect(del(Predicates.finalizersChanged)).toBe(true)
  })

  it("labelSelector matches the object (the new one for updates); strings parse or fail", () => {
    const p = Predicates.labelSelector(LabelSelector.fromSet({ tier: "web" }))
    expect(create(p, { labels: { tier: "web" } })).toBe(true)
    expect(create(p, { labels: { tier: "db" } })).toBe(false)
    expect(update(p, { labels: { tier: "db" } }, { labels: { tier: "web" } })).toBe(true)
    expect(update(p, { labels: { tier: "web" } }, {})).toBe(false)
    expect(del(p, {})).toBe(false)

    const parsed = Predicates.labelSelector("app=site, tier in (web,edge)")
    expect(Either.isRight(parsed)).toBe(true)
    if (Either.isRight(parsed)) {
      expect(generic(parsed.right, { labels: { app: "site", tier: "edge" } })).toBe(true)
      expect(generic(parsed.right, { labels: { app: "site" } })).toBe(false)
    }
    const invalid = Predicates.labelSelector("app in web")
    expect(Either.isLeft(invalid)).toBe(true)
  })

  it("and / or / not combine per event type", () => {
    const web = Predicates.labelSelector(LabelSelector.fromSet({ tier: "web" }))
    const both = Predicates.and(Predicates.generationChanged, web)
    expect(update(both, { generation: 1 }, { generation: 2, labels: { tier: "web" } })).toBe(true)
    expect(update(both, { generation: 1 }, { generation: 2 })).toBe(false)
    expect(update(both, { generation: 2 }, { generation: 2, labels: { tier: "web" } })).toBe(false)

    const either = Predicates.or(Predicates.generationChanged, Predicates.labelsChanged)
    expect(update(either, { generation: 1 }, { generation: 1, labels: { a: "b" } })).toBe(true)
    expect(update(either, { generation: 1 }, { generation: 1 })).toBe(false)

    const neither = Predicates.not(either)
    expect(update(neither, { generation: 1 }, { generation: 1 })).toBe(true)
    expect(create(neither)).toBe(false)

    expect(create(Predicates.and())).toBe(true)
    expect(create(Predicates.or())).toBe(false)
  })

  it("custom / make default the missing functions to true; fromObject applies to every event", () => {
    const noDeletes = Predicates.custom({ delete: () => false })
    expect(del(noDeletes)).toBe(false)
    expect(create(noDeletes)).toBe(true)
    expect(update(noDeletes, {}, {})).toBe(true)

    const named = Predicates.fromObject((o: KubeObject) => o.metadata.name === "x")
    expect(create(named)).toBe(true)
    expect(
      Predicates.evaluate(named, {
        _tag: "Update",
        oldObject: obj({}),
        newObject: { metadata: { name: "y" } }
      })
    ).toBe(false)

    expect(Predicates.passesAll([Predicates.generationChanged, noDeletes], { _tag: "Delete", object: obj({}) })).toBe(
      false
    )
    expect(Predicates.passesAll([], { _tag: "Delete", object: obj({}) })).toBe(true)
  })
})
