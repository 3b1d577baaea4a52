/**
 * Create, get, replace, delete and list on namespaced and cluster-scoped kinds.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Check from "../harness/Check.js"
import {
  api,
  at,
  ConfigMaps,
  configMap,
  configMaps,
  Deployments,
  deployment,
  gadget,
  gadgets,
  Namespaces,
  names,
  rv,
  Secrets
} from "../harness/kube.js"
import { type ConformanceCase, Target } from "../harness/Target.js"

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/

export const crudCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "crud/create-fills-server-fields",
    title: "create returns the object with uid, resourceVersion, creationTimestamp and namespace set",
    run: Effect.gen(function* () {
      const target = yield* Target
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "v" }))
      yield* Check.equal("name", created.metadata.name, "a")
      yield* Check.equal("namespace", created.metadata.namespace, target.namespace)
      yield* Check.matches("uid", created.metadata.uid, uuid)
      yield* Check.that("resourceVersion is set", rv(created) !== "", created.metadata)
      yield* Check.matches("creationTimestamp", created.metadata.creationTimestamp, rfc3339)
      yield* Check.equal("data", created.data, { k: "v" })
      yield* Check.equal("kind", [created.apiVersion, created.kind], ["v1", "ConfigMap"])
    })
  },
  {
    id: "crud/configmap-has-no-generation",
    title: "ConfigMaps carry no metadata.generation",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "v" }))
      const updated = yield* cms.replace({ ...created, data: { k: "w" } })
      yield* Check.equal("generation after create", created.metadata.generation, undefined)
      yield* Check.equal("generation after update", updated.metadata.generation, undefined)
    })
  },
  {
    id: "crud/get-returns-created",
    title: "get returns exactly what create returned",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(
        configMap("a", { k: "v" }, { labels: { app: "x" }, annotations: { note: "n" } })
      )
      const got = yield* cms.get("a")
      yield* Check.equal("get", got, created)
    })
  },
  {
    id: "crud/get-missing-not-found",
    title: "get of a missing object is a 404 NotFound naming the resource",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("get", cms.get("nope"), {
        _tag: "NotFound",
        code: 404,
        reason: "NotFound",
        message: 'configmaps "nope" not found',
        details: { name: "nope", kind: "configmaps" }
      })
    })
  },
  {
    id: "crud/create-duplicate-already-exists",
    title: "creating an existing name is a 409 AlreadyExists",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      yield* Check.fails("second create", cms.create(configMap("a")), {
        _tag: "AlreadyExists",
        code: 409,
        reason: "AlreadyExists",
        message: 'configmaps "a" already exists',
        details: { name: "a", kind: "configmaps" }
      })
    })
  },
  {
    id: "crud/generate-name",
    title: "generateName appends five random characters",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const a = yield* cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "gen-" } })
      const b = yield* cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "gen-" } })
      yield* Check.matches("name", a.metadata.name, /^gen-[a-z0-9]{5}$/)
      yield* Check.equal("generateName kept", a.metadata.generateName, "gen-")
      yield* Check.notEqual("two generated names", a.metadata.name, b.metadata.name)
    })
  },
  {
    id: "crud/replace-updates",
    title: "replace changes the data and the resourceVersion, keeps uid and creationTimestamp",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a", { k: "1" }))
      const replaced = yield* cms.replace({ ...created, data: { k: "2", j: "3" } })
      yield* Check.equal("data", replaced.data, { k: "2", j: "3" })
      yield* Check.notEqual("resourceVersion", rv(replaced), rv(created))
      yield* Check.equal("uid", replaced.metadata.uid, created.metadata.uid)
      yield* Check.equal("creationTimestamp", replaced.metadata.creationTimestamp, created.metadata.creationTimestamp)
      const got = yield* cms.get("a")
      yield* Check.equal("get after replace", got, replaced)
    })
  },
  {
    id: "crud/replace-missing-not-found",
    title: "replace of a missing ConfigMap is a 404 (no create-on-update)",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("replace", cms.replace(configMap("missing", { k: "v" })), {
        _tag: "NotFound",
        code: 404,
        message: 'configmaps "missing" not found',
        details: { name: "missing", kind: "configmaps" }
      })
    })
  },
  {
    id: "crud/delete-returns-success-status",
    title: "delete of an object without finalizers answers a Success Status with name, kind and uid",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a"))
      const result = yield* cms.delete("a")
      if (result._tag !== "Status") return yield* Check.fail(`expected a Status, got ${Check.show(result)}`)
      yield* Check.subset("status", result.status, {
        kind: "Status",
        status: "Success",
        details: { name: "a", kind: "configmaps", uid: created.metadata.uid }
      })
    })
  },
  {
    id: "crud/get-after-delete-not-found",
    title: "a deleted object is gone at once",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      yield* cms.delete("a")
      yield* Check.fails("get", cms.get("a"), { _tag: "NotFound", code: 404 })
    })
  },
  {
    id: "crud/delete-missing-not-found",
    title: "delete of a missing object is a 404 NotFound",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("delete", cms.delete("nope"), {
        _tag: "NotFound",
        code: 404,
        reason: "NotFound",
        message: 'configmaps "nope" not found',
        details: { name: "nope", kind: "configmaps" }
      })
    })
  },
  {
    id: "crud/list-sorted-by-name",
    title: "list returns the namespace's objects sorted by name, typed as ConfigMapList",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      for (const name of ["c", "a", "b"]) yield* cms.create(configMap(name))
      const list = yield* cms.list()
      yield* Check.equal("names", names(list.items), ["a", "b", "c"])
      yield* Check.equal("list kind", [list.apiVersion, list.kind], ["v1", "ConfigMapList"])
      yield* Check.that("list resourceVersion", (list.metadata.resourceVersion ?? "") !== "", list.metadata)
      yield* Check.equal("no continue", list.metadata.continue ?? "", "")
    })
  },
  {
    id: "crud/list-all-namespaces",
    title:
      "a list without namespace spans namespaces, ordered by the storage key `namespace/name` (so `ns-1/x` sorts before `ns/x`)",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const other = yield* target.newNamespace
      const label = { case: target.unique }
      yield* (yield* api(ConfigMaps, other)).create(configMap("x", undefined, { labels: label }))
      yield* (yield* api(ConfigMaps)).create(configMap("y", undefined, { labels: label }))
      yield* (yield* api(ConfigMaps)).create(configMap("x", undefined, { labels: label }))
      const list = yield* kube.resource(ConfigMaps).list({ labelSelector: `case=${target.unique}` })
      yield* Check.equal(
        "namespace/name",
        list.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
        // Byte order of the keys: "-" (0x2d) sorts before "/" (0x2f).
        [`${other}/x`, `${target.namespace}/x`, `${target.namespace}/y`]
      )
    })
  },
  {
    id: "crud/namespace-cluster-scoped",
    title: "Namespaces are cluster-scoped: created Active with the kubernetes finalizer and the name label",
    run: Effect.gen(function* () {
      const target = yield* Target
      const namespaces = yield* api(Namespaces)
      const name = `conf-${target.unique}-ns`
      const created = yield* namespaces.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
      yield* Check.equal("no namespace", created.metadata.namespace, undefined)
      yield* Check.equal("phase", at(created, "status", "phase"), "Active")
      yield* Check.equal("finalizers", at(created, "spec", "finalizers"), ["kubernetes"])
      yield* Check.equal("name label", created.metadata.labels, { "kubernetes.io/metadata.name": name })
      const got = yield* namespaces.get(name)
      yield* Check.equal("get", got.metadata.uid, created.metadata.uid)
    })
  },
  {
    id: "crud/cluster-scoped-custom-resource",
    title: "a cluster-scoped custom resource is created, read, listed and deleted without a namespace",
    run: Effect.gen(function* () {
      const target = yield* Target
      const gs = yield* gadgets
      const name = `g-${target.unique}`
      const created = yield* gs.create(gadget(name, { size: 3 }))
      yield* Check.equal("no namespace", created.metadata.namespace, undefined)
      yield* Check.equal("spec", created.spec, { size: 3 })
      const got = yield* gs.get(name)
      yield* Check.equal("get", got, created)
      const list = yield* gs.list({ fieldSelector: `metadata.name=${name}` })
      yield* Check.equal("list", names(list.items), [name])
      yield* gs.delete(name)
      yield* Check.fails("get after delete", gs.get(name), {
        _tag: "NotFound",
        code: 404,
        message: `gadgets.conformance.effect-kube.io "${name}" not found`,
        details: { name, group: "conformance.effect-kube.io", kind: "gadgets" }
      })
    })
  },
  {
    id: "crud/secret-string-data",
    title: "Secret stringData is merged into base64 data and not stored; type defaults to Opaque",
    run: Effect.gen(function* () {
      const secrets = yield* api(Secrets)
      const created = yield* secrets.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s" },
        data: { a: Buffer.from("one").toString("base64") },
        stringData: { b: "two" }
      })
      yield* Check.equal("data", created.data, { a: "b25l", b: "dHdv" })
      yield* Check.equal("stringData", created.stringData, undefined)
      yield* Check.equal("type", created.type, "Opaque")
    })
  },
  {
    id: "crud/create-in-missing-namespace",
    title: "creating in a namespace that does not exist is a 404 naming the namespace",
    run: Effect.gen(function* () {
      const target = yield* Target
      const missing = `conf-${target.unique}-missing`
      const cms = yield* api(ConfigMaps, missing)
      yield* Check.fails("create", cms.create(configMap("a")), {
        _tag: "NotFound",
        code: 404,
        reason: "NotFound",
        message: `namespaces "${missing}" not found`,
        details: { name: missing, kind: "namespaces" }
      })
    })
  },
  {
    id: "crud/namespace-mismatch",
    title: "a body namespace different from the URL's is a 400 BadRequest",
    run: Effect.gen(function* () {
      const target = yield* Target
      const cms = yield* configMaps
      yield* Check.fails(
        "create",
        cms.create(configMap("a", undefined, { namespace: "kube-system" }), { namespace: target.namespace }),
        {
          _tag: "BadRequest",
          code: 400,
          reason: "BadRequest",
          message: "the namespace of the provided object does not match the namespace sent on the request"
        }
      )
    })
  },
  {
    id: "crud/kind-mismatch",
    title: "posting a Secret to the configmaps collection is a 400 BadRequest",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      yield* Check.fails(
        "create",
        kube.request({
          method: "POST",
          path: `/api/v1/namespaces/${target.namespace}/configmaps`,
          body: { apiVersion: "v1", kind: "Secret", metadata: { name: "a" } }
        }),
        {
          _tag: "BadRequest",
          code: 400,
          reason: "BadRequest",
          message: /^Secret in version "v1" cannot be handled as a ConfigMap/
        }
      )
    })
  },
  {
    id: "crud/create-with-resource-version",
    title: "a resourceVersion on create is refused (500, as the real registry does)",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("create", cms.create(configMap("a", undefined, { resourceVersion: "5" })), {
        _tag: "InternalError",
        code: 500,
        message: "resourceVersion should not be set on objects to be created"
      })
    })
  },
  {
    id: "crud/create-ignores-server-fields",
    title: "create ignores client-set uid, creationTimestamp and deletionTimestamp",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(
        configMap("a", undefined, {
          uid: "00000000-0000-0000-0000-000000000000",
          creationTimestamp: "2001-01-01T00:00:00Z",
          deletionTimestamp: "2001-01-01T00:00:00Z"
        })
      )
      yield* Check.notEqual("uid", created.metadata.uid, "00000000-0000-0000-0000-000000000000")
      yield* Check.notEqual("creationTimestamp", created.metadata.creationTimestamp, "2001-01-01T00:00:00Z")
      yield* Check.equal("deletionTimestamp", created.metadata.deletionTimestamp, undefined)
    })
  },
  {
    id: "crud/dry-run-create",
    title: "a dry-run create answers the would-be object and stores nothing",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const result = yield* cms.create(configMap("dry", { k: "v" }), { dryRun: true })
      yield* Check.equal("name", result.metadata.name, "dry")
      yield* Check.equal("data", result.data, { k: "v" })
      yield* Check.matches("uid", result.metadata.uid, uuid)
      yield* Check.equal("no resourceVersion", result.metadata.resourceVersion, undefined)
      yield* Check.fails("get", cms.get("dry"), { _tag: "NotFound", code: 404 })
    })
  },
  {
    id: "crud/dry-run-delete",
    title: "a dry-run delete answers Success and keeps the object",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create(configMap("a"))
      const result = yield* cms.delete("a", { dryRun: true })
      if (result._tag !== "Status") return yield* Check.fail(`expected a Status, got ${Check.show(result)}`)
      yield* Check.equal("status", result.status.status, "Success")
      const got = yield* cms.get("a")
      yield* Check.equal("resourceVersion", rv(got), rv(created))
    })
  },
  {
    id: "crud/delete-collection-by-label",
    title: "deleteCollection deletes the selected objects and answers the list of them",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* cms.create(configMap("a", undefined, { labels: { drop: "yes" } }))
      yield* cms.create(configMap("b", undefined, { labels: { drop: "yes" } }))
      yield* cms.create(configMap("c", undefined, { labels: { drop: "no" } }))
      const result = yield* cms.deleteCollection({ labelSelector: "drop=yes" })
      if (result._tag !== "Object") return yield* Check.fail(`expected a list, got ${Check.show(result)}`)
      yield* Check.equal("deleted", names(result.object.items), ["a", "b"])
      yield* Check.equal("list kind", result.object.kind, "ConfigMapList")
      const left = yield* cms.list()
      yield* Check.equal("left", names(left.items), ["c"])
    })
  },
  {
    id: "crud/list-all-pages-stream",
    title: "listAll follows continue tokens and yields every object once",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      for (const name of ["e", "d", "c", "b", "a"]) yield* cms.create(configMap(name))
      const all = yield* Stream.runCollect(cms.listAll({ limit: 2 }))
      yield* Check.equal("names", names([...all]), ["a", "b", "c", "d", "e"])
    })
  },
  {
    id: "crud/deployment-defaults",
    title: "a Deployment gets the registry's defaults and generation 1",
    run: Effect.gen(function* () {
      const ds = yield* api(Deployments)
      const created = yield* ds.create(deployment("web"))
      yield* Check.equal("generation", created.metadata.generation, 1)
      yield* Check.subset("spec", created.spec, {
        replicas: 1,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600
      })
      yield* Check.subset("pod spec", at(created, "spec", "template", "spec"), {
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 30,
        dnsPolicy: "ClusterFirst",
        schedulerName: "default-scheduler"
      })
      yield* Check.subset("container", at(created, "spec", "template", "spec", "containers", 0), {
        name: "app",
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
        imagePullPolicy: "IfNotPresent"
      })
    })
  },
  {
    id: "crud/list-empty-namespace",
    title: "a list of an empty namespace has no items, a resourceVersion and no continue",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const list = yield* cms.list({ limit: 10 })
      yield* Check.equal("items", list.items, [])
      yield* Check.that("resourceVersion", (list.metadata.resourceVersion ?? "") !== "", list.metadata)
      yield* Check.equal("continue", list.metadata.continue ?? "", "")
      yield* Check.equal("remainingItemCount", list.metadata.remainingItemCount, undefined)
    })
  }
]
