/**
 * The request handler of the mock apiserver: routing, the registry strategies (create, update,
 * patch, delete, list, get) and watch registration. Everything here is synchronous: a request
 * runs to completion before any other, like a transaction.
 *
 * @internal
 */
import type { KubeRequest, KubeResponse } from "@effect-kube/client/Transport"
import type { KubeObject, ObjectMeta } from "@effect-kube/core/Meta"
import { InitialEventsEndAnnotation } from "@effect-kube/core/WatchEvent"
import { decodeContinue, encodeContinue } from "./continueToken.js"
import { validateBuiltinCreate, validateBuiltinUpdate } from "./builtinValidation.js"
import * as Crd from "./crd.js"
import { admitPod, applyBuiltinDefaults, ServiceAllocator } from "./defaults.js"
import * as Discovery from "./discovery.js"
import {
  compareKeys,
  NUL,
  parseApplyBody,
  parseBody,
  parseLimit,
  goJsonType,
  parseResourceVersion,
  requireObject,
  requirePatchedObject,
  safeParse,
  validateListOptions,
  validateWatchOptions
} from "./request.js"
import {
  detached,
  keepAllocations,
  gcFinalizers,
  mergeStringData,
  nsLabel,
  numberAt,
  omitEmptyBuiltin,
  podQOS,
  resetTo
} from "./strategy.js"
import {
  clone,
  deepEqual,
  type Draft,
  draftOf,
  fieldString,
  getPath,
  isObject,
  type JsonObject,
  metaOf,
  without
} from "./json.js"
import {
  apiVersionOf,
  builtinKinds,
  etcdPrefix,
  groupKind,
  groupResource,
  hasStatus,
  type KindSpec,
  resourceKey,
  storageVersion
} from "./kinds.js"
import { applyJsonPatch, jsonPatchErrorStatus } from "./patch/JsonPatch.js"
import { applyMergePatch } from "./patch/MergePatch.js"
import { customRootNode, type Node as SsaNode } from "./patch/Schema.js"
import { applyErrorStatus, recordUpdate, serverSideApply } from "./patch/ServerSideApply.js"
import { strategicMerge, strategicMergeErrorStatus } from "./patch/StrategicMerge.js"
import { parsePath, queryBool, queryOf, type ResourcePath } from "./routing.js"
import * as Schema from "./schema.js"
import {
  type FieldSelector,
  type LabelSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector
} from "./selectors.js"
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  expiredStatus,
  type FieldError,
  FieldErrors,
  forbidden,
  fromStatus,
  invalid,
  methodNotAllowed,
  notFound,
  pageNotFound,
  OptimisticLockErrorMsg,
  routeNotFound,
  StatusFailure,
  tooLargeResourceVersion,
  unknownError,
  routerUnsupportedMediaType,
  unsupportedMediaType
} from "./status.js"
import {
  canonical,
  type HistoryEvent,
  objectKey,
  type ResourceState,
  Store,
  type Subscriber,
  withResourceVersion
} from "./store.js"
import { validateObjectMetaCreate, validateObjectMetaUpdate } from "./validation.js"

/** Options of the core server. */
export interface ServerOptions {
  /** Events kept per resource for watch resumption and consistent pagination. */
  readonly watchHistory: number
  /** fieldManager recorded for writes that name none. */
  readonly defaultFieldManager: string
  readonly version: Discovery.VersionInfo
}

/** The API verbs requests are counted by. */
export type Verb =
  | "get"
  | "list"
  | "watch"
  | "create"
  | "update"
  | "patch"
  | "delete"
  | "deletecollection"
  | "discovery"

const immortalNamespaces = new Set(["default", "kube-system", "kube-public"])
const defaultNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]
const metadataAccept = /(^|[;,\s])as=PartialObjectMetadata(List)?([;,\s]|$)/

/** RFC 3339 with second precision, like `metav1.Time`. */
export const rfc3339 = (millis: number): string =>
  new Date(Math.floor(millis / 1000) * 1000).toISOString().replace(".000Z", "Z")

const randomSuffix = (): string => {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789"
  const bytes = crypto.getRandomValues(new Uint8Array(5))
  let out = ""
  for (const b of bytes) out += alphabet[b % alphabet.length]
  return out
}

const json = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): KubeResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body
})

const failureResponse = (f: StatusFailure): KubeResponse =>
  f.text !== undefined ? { status: f.code, headers: { ...f.headers }, body: f.text } : json(f.code, f.status, f.headers)

/** A resolved resource request. */
interface Target {
  readonly state: ResourceState
  readonly spec: KindSpec
  readonly version: string
  /** Request namespace (`undefined` for cluster-scoped kinds and all-namespaces collections). */
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly subresource: string | undefined
  readonly legacyWatch: boolean
}

/** Parsed selection of a list, watch or deletecollection. */
interface Selection {
  readonly labels: LabelSelector
  readonly fields: FieldSelector
}

/** A watch accepted by {@link Server.openWatch}. */
export interface WatchRegistration {
  /** Frames to send before live events (synthetic ADDEDs, replayed history, initial-events-end bookmark). */
  readonly initial: ReadonlyArray<unknown>
  /** Ends the subscription. */
  readonly close: () => void
  /** A BOOKMARK frame at the current resourceVersion. */
  readonly bookmark: () => unknown
  readonly allowBookmarks: boolean
  /** Server-side timeout, when the request set one. */
  readonly timeoutSeconds: number | undefined
  /** The registration failed with an in-stream error (410 too old): send `initial` then end. */
  readonly endAfterInitial: boolean
}

/** Receives live frames of a watch. */
export interface WatchSink {
  readonly push: (frame: unknown) => void
  readonly end: () => void
}

interface WriteOptions {
  readonly dryRun: boolean
  readonly fieldManager: string
  readonly now: number
}

/** The mock apiserver core. */
export class Server {
  readonly store: Store
  readonly counts = new Map<Verb, number>()
  /** The next n update/patch requests fail with a Conflict. */
  forcedConflicts = 0
  private readonly byGroupPlural = new Map<string, ResourceState>()
  private readonly crdCleanups = new Set<string>()
  private readonly services = new ServiceAllocator()

  constructor(private readonly options: ServerOptions) {
    this.store = new Store(() => this.options.watchHistory)
    for (const spec of builtinKinds) this.register(spec)
    const nsState = this.state("", "namespaces")
    if (nsState !== undefined) {
      for (const name of defaultNamespaces) {
        this.store.put(nsState, name, this.newNamespace(name, 0))
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // registry

  /** Registers (or replaces) a kind; its objects are kept. */
  register(spec: KindSpec): ResourceState {
    const key = resourceKey(spec.group, spec.plural)
    const existing = this.byGroupPlural.get(key)
    if (existing !== undefined) {
      existing.spec = spec
      return existing
    }
    const state = this.store.resource(key, spec)
    this.byGroupPlural.set(key, state)
    return state
  }

  /** Removes a kind and its objects (its watchers end). */
  unregister(group: string, plural: string): void {
    const key = resourceKey(group, plural)
    const state = this.byGroupPlural.get(key)
    if (state === undefined) return
    for (const s of [...state.subscribers]) s.onClose()
    this.byGroupPlural.delete(key)
    this.store.resources.delete(key)
  }

  /** Every served kind. */
  specs(): ReadonlyArray<KindSpec> {
    return [...this.byGroupPlural.values()].map((s) => s.spec)
  }

  /** The state of a resource by group and plural. */
  state(group: string, plural: string): ResourceState | undefined {
    return this.byGroupPlural.get(resourceKey(group, plural))
  }

  /** The state of a resource by kind (`apiVersion` + `kind`). */
  stateOfKind(
    apiVersion: string,
    kind: string
  ): { readonly state: ResourceState; readonly version: string } | undefined {
    const slash = apiVersion.indexOf("/")
    const group = slash < 0 ? "" : apiVersion.slice(0, slash)
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1)
    for (const state of this.byGroupPlural.values()) {
      if (
        state.spec.group === group &&
        state.spec.kind === kind &&
        state.spec.versions.some((v) => v.name === version)
      ) {
        return { state, version }
      }
    }
    return undefined
  }

  private count(verb: Verb): void {
    this.counts.set(verb, (this.counts.get(verb) ?? 0) + 1)
  }

  // -------------------------------------------------------------------------------------------
  // entry points

  /** Answers one request. Never throws: failures are Status responses. */
  handle(request: KubeRequest, now: number): KubeResponse {
    try {
      return this.dispatch(request, now)
    } catch (e) {
      if (e instanceof StatusFailure) return failureResponse(e)
      const message = e instanceof Error ? e.message : String(e)
      return failureResponse(unknownError(`mock apiserver defect: ${message}`))
    }
  }

  /** The verb a request would be counted under (for fault matching). */
  verbOf(request: KubeRequest): Verb {
    const route = parsePath(request.path)
    if (route._tag !== "Resource") return "discovery"
    const query = queryOf(request.path, request.query)
    const collection = route.name === undefined
    switch (request.method) {
      case "GET":
        return route.legacyWatch || (collection && queryBool(query, "watch") === true)
          ? "watch"
          : collection
            ? "list"
            : "get"
      case "POST":
        return "create"
      case "PUT":
        return "update"
      case "PATCH":
        return "patch"
      case "DELETE":
        return collection ? "deletecollection" : "delete"
    }
  }

  private dispatch(request: KubeRequest, now: number): KubeResponse {
    const route = parsePath(request.path)
    const query = queryOf(request.path, request.query)
    switch (route._tag) {
      case "Unknown":
        throw request.path.startsWith("/api/") || request.path.startsWith("/apis/") ? routeNotFound() : pageNotFound()
      case "Resource":
        break
      case "Group":
      case "GroupResources":
        this.count("discovery")
        if (!this.servesGroup(route.group)) throw pageNotFound()
        if (request.method !== "GET") throw methodNotAllowed()
        return this.discovery(route)
      default: {
        this.count("discovery")
        if (request.method !== "GET") throw methodNotAllowed()
        return this.discovery(route)
      }
    }
    const target = this.resolve(route)
    const collection = target.name === undefined
    const body = parseBody(request.body)
    const accept = request.accept ?? ""
    switch (request.method) {
      case "GET": {
        if (target.legacyWatch || (collection && queryBool(query, "watch") === true)) {
          this.count("watch")
          throw badRequest("watch requests must be served by ApiServer.watch (a stream), not handle")
        }
        if (collection) {
          this.requireListable(target)
          this.count("list")
          return json(200, this.list(target, query, accept))
        }
        this.count("get")
        return json(200, this.get(target, accept))
      }
      case "POST": {
        if (!collection || target.subresource !== undefined) throw methodNotAllowed()
        if (target.spec.scope === "Namespaced" && target.namespace === undefined) throw methodNotAllowed()
        this.count("create")
        return this.create(target, body(), query, now)
      }
      case "PUT": {
        if (collection) throw methodNotAllowed()
        this.count("update")
        return this.update(target, body(), query, now)
      }
      case "PATCH": {
        if (collection || target.subresource === "finalize") throw methodNotAllowed()
        this.count("patch")
        return this.patch(target, body, request.body, request.contentType ?? "application/json", query, now)
      }
      case "DELETE": {
        if (target.subresource !== undefined) throw methodNotAllowed()
        if (collection) {
          if (!target.spec.verbs.includes("deletecollection")) throw methodNotAllowed()
          if (target.spec.scope === "Namespaced" && target.namespace === undefined) throw methodNotAllowed()
          this.count("deletecollection")
          return this.deleteCollection(target, request.body, query, now)
        }
        this.count("delete")
        return this.delete(target, request.body, query, now)
      }
    }
  }

  private requireListable(target: Target): void {
    if (target.subresource !== undefined) throw methodNotAllowed()
  }

  private discovery(
    route: Exclude<ReturnType<typeof parsePath>, ResourcePath | { readonly _tag: "Unknown" }>
  ): KubeResponse {
    const specs = this.specs()
    const found = (doc: unknown): KubeResponse => {
      if (doc === undefined)
        throw route._tag === "GroupResources" && this.customGroup(route.group) ? pageNotFound() : routeNotFound()
      return json(200, doc)
    }
    switch (route._tag) {
      case "Versions":
        return json(200, Discovery.apiVersions())
      case "CoreResources":
        return found(Discovery.apiResourceList(specs, "", route.version))
      case "Groups":
        return json(200, Discovery.apiGroupList(specs))
      case "Group":
        return found(Discovery.apiGroup(specs, route.group))
      case "GroupResources":
        return found(Discovery.apiResourceList(specs, route.group, route.version))
      case "Version":
        return json(200, Discovery.versionDocument(this.options.version))
      case "Health":
        return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "ok" }
    }
  }

  /** Whether any kind is served in an API group (paths of other groups fall through to a text 404). */
  private servesGroup(group: string): boolean {
    for (const state of this.byGroupPlural.values()) if (state.spec.group === group) return true
    return false
  }

  /**
   * Whether a group is served by the CRD handler (no built-in kind in it). Its misses differ from
   * the built-in groups': an unknown resource, an unserved version or a scope mismatch falls
   * through to the plain-text 404, an unsupported subresource is a NotFound naming the object.
   */
  private customGroup(group: string): boolean {
    if (group === "") return false
    for (const state of this.byGroupPlural.values()) if (state.spec.group === group && !state.spec.custom) return false
    return true
  }

  private resolve(route: ResourcePath): Target {
    if (route.group !== "" && !this.servesGroup(route.group)) throw pageNotFound()
    const custom = this.customGroup(route.group)
    const miss = custom ? pageNotFound : routeNotFound
    const state = this.state(route.group, route.plural)
    if (state === undefined || !state.spec.versions.some((v) => v.served && v.name === route.version)) {
      throw miss()
    }
    const spec = state.spec
    const namespaced = spec.scope === "Namespaced"
    if (namespaced && route.name !== undefined && route.namespace === undefined) throw miss()
    if (!namespaced && route.namespace !== undefined) throw miss()
    if (route.subresource !== undefined) {
      const ok =
        (route.subresource === "status" && hasStatus(spec, route.version)) ||
        (route.subresource === "finalize" && spec.group === "" && spec.plural === "namespaces")
      if (!ok) throw custom ? notFound(groupResource(spec), route.name ?? "") : routeNotFound()
    }
    return {
      state,
      spec,
      version: route.version,
      namespace: namespaced ? route.namespace : undefined,
      name: route.name,
      subresource: route.subresource,
      legacyWatch: route.legacyWatch
    }
  }

  // -------------------------------------------------------------------------------------------
  // presentation

  /** The object as served in the request's version. */
  private present(target: { readonly spec: KindSpec; readonly version: string }, object: KubeObject): KubeObject {
    const apiVersion = apiVersionOf(target.spec.group, target.version)
    return object.apiVersion === apiVersion ? object : { ...object, apiVersion }
  }

  /** PartialObjectMetadata is typed: ObjectMeta in Go field order, whatever the kind. */
  private asMetadata(object: KubeObject): KubeObject {
    const partial = canonical({
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: object.metadata
    })
    return { ...partial, metadata: metaOf(partial) }
  }

  private get(target: Target, accept: string): unknown {
    const name = target.name ?? ""
    const object = target.state.objects.get(objectKey(target.namespace, name))
    if (object === undefined) throw notFound(groupResource(target.spec), name)
    const presented = this.present(target, object)
    return metadataAccept.test(accept) ? this.asMetadata(presented) : presented
  }

  // -------------------------------------------------------------------------------------------
  // selection

  private selection(target: Target, query: Readonly<Record<string, string>>): Selection {
    const labels = parseLabelSelector(query.labelSelector ?? "")
    if ("error" in labels) throw badRequest(labels.error)
    const fields = parseFieldSelector(query.fieldSelector ?? "")
    if ("error" in fields) throw badRequest(fields.error)
    const allowed = this.fieldLabels(target)
    for (const term of fields.ok) {
      if (!allowed.labels.includes(term.field)) {
        throw badRequest(
          allowed.defaultConversion
            ? `${JSON.stringify(term.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`
            : `field label not supported: ${term.field}`
        )
      }
    }
    return { labels: labels.ok, fields: fields.ok }
  }

  /**
   * The field labels a kind accepts, and whether unknown ones get the scheme's default message
   * (built-ins without a registered conversion) or "field label not supported" (the rest,
   * custom resources included).
   */
  private fieldLabels(target: Target): { readonly labels: ReadonlyArray<string>; readonly defaultConversion: boolean } {
    const spec = target.spec
    if (spec.fieldLabels !== undefined) return { labels: spec.fieldLabels, defaultConversion: false }
    const selectable = spec.versions.find((v) => v.name === target.version)?.selectableFields ?? []
    return { labels: ["metadata.name", "metadata.namespace", ...selectable], defaultConversion: !spec.custom }
  }

  private matches(selection: Selection, object: KubeObject): boolean {
    if (selection.labels.length > 0 && !matchesLabels(selection.labels, object.metadata.labels)) return false
    if (selection.fields.length === 0) return true
    return matchesFields(selection.fields, (field) => {
      if (field === "metadata.name") return object.metadata.name ?? ""
      if (field === "metadata.namespace") return object.metadata.namespace ?? ""
      return fieldString(getPath(object, field.split(".")))
    })
  }

  // -------------------------------------------------------------------------------------------
  // list

  private list(target: Target, query: Readonly<Record<string, string>>, accept: string): unknown {
    const errs = validateListOptions(query, false)
    if (errs.length > 0) throw invalid({ group: "meta.k8s.io", kind: "ListOptions" }, "", errs)
    const selection = this.selection(target, query)
    const limit = parseLimit(query.limit)
    const page = this.page(
      target,
      selection,
      limit,
      query.continue ?? "",
      query.resourceVersion ?? "",
      query.resourceVersionMatch ?? ""
    )
    const metadataOnly = metadataAccept.test(accept)
    const items = page.items.map((o) => {
      const presented = this.present(target, o)
      if (metadataOnly) return this.asMetadata(presented)
      if (target.spec.custom) return presented
      const { apiVersion: _a, kind: _k, ...rest } = presented
      return rest
    })
    const metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } = {
      resourceVersion: String(page.rv)
    }
    if (page.continue !== undefined) metadata.continue = page.continue
    if (page.remaining !== undefined) metadata.remainingItemCount = page.remaining
    if (target.spec.custom && !metadataOnly) {
      // An unstructured list: keys sorted, and `continue` always present.
      return {
        apiVersion: apiVersionOf(target.spec.group, target.version),
        items,
        kind: target.spec.listKind,
        metadata: {
          continue: page.continue ?? "",
          ...(page.remaining !== undefined ? { remainingItemCount: page.remaining } : {}),
          resourceVersion: String(page.rv)
        }
      }
    }
    return metadataOnly
      ? { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata, items }
      : {
          kind: target.spec.listKind,
          apiVersion: apiVersionOf(target.spec.group, target.version),
          metadata,
          items
        }
  }

  /** One page of a consistent list (shared by list and deletecollection). */
  private page(
    target: Target,
    selection: Selection,
    limit: number,
    continueToken: string,
    resourceVersion: string,
    match: string
  ): {
    readonly items: ReadonlyArray<KubeObject>
    readonly rv: number
    readonly continue?: string
    readonly remaining?: number
  } {
    const state = target.state
    const prefix = target.namespace === undefined ? "" : `${target.namespace}/`
    let rv = this.store.rv
    let startAfter: string | undefined
    if (continueToken !== "") {
      const decoded = decodeContinue(continueToken)
      if ("error" in decoded) throw badRequest(`invalid continue token: ${decoded.error}`)
      if (resourceVersion !== "" && resourceVersion !== "0") {
        throw badRequest("specifying resource version is not allowed when using continue")
      }
      startAfter = prefix + (decoded.ok.start.endsWith(NUL) ? decoded.ok.start.slice(0, -1) : decoded.ok.start)
      if (decoded.ok.rv !== -1) {
        if (decoded.ok.rv < state.floor) {
          throw expired(
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            encodeContinue({ rv: -1, start: decoded.ok.start })
          )
        }
        rv = Math.min(decoded.ok.rv, this.store.rv)
      }
    } else if (resourceVersion !== "" && resourceVersion !== "0") {
      const requested = parseResourceVersion(resourceVersion)
      if (requested > this.store.rv) throw tooLargeResourceVersion(requested, this.store.rv)
      // A non-zero resourceVersion with a limit and no match is the legacy exact read.
      if (match === "Exact" || (match === "" && limit > 0)) {
        if (requested < state.floor) throw expired("The resourceVersion for the provided list is too old.")
        rv = requested
      }
    }
    const objects = rv === this.store.rv ? state.objects : state.snapshotAt(rv)
    const keys = [...objects.keys()].filter((k) => prefix === "" || k.startsWith(prefix)).sort(compareKeys)
    let i = 0
    if (startAfter !== undefined) {
      const after = startAfter
      while (i < keys.length && compareKeys(keys[i], after) <= 0) i++
    }
    const items: Array<KubeObject> = []
    let last: string | undefined
    let more = false
    for (; i < keys.length; i++) {
      const object = objects.get(keys[i])
      if (object === undefined || !this.matches(selection, object)) continue
      items.push(object)
      last = keys[i]
      if (limit > 0 && items.length >= limit) {
        more = i < keys.length - 1
        break
      }
    }
    if (!more || last === undefined) return { items, rv }
    const unfiltered = selection.labels.length === 0 && selection.fields.length === 0
    return {
      items,
      rv,
      continue: encodeContinue({ rv, start: `${last.slice(prefix.length)}\u0000` }),
      ...(unfiltered ? { remaining: keys.length - i - 1 } : {})
    }
  }

  // -------------------------------------------------------------------------------------------
  // create

  private create(target: Target, raw: unknown, query: Readonly<Record<string, string>>, now: number): KubeResponse {
    const options = this.writeOptions(query, now, "CreateOptions")
    const object = requireObject(raw)
    const result = this.createObject(target, object, options)
    return json(201, this.present(target, result))
  }

  /** The create path shared by POST, create-on-update and apply-create. */
  private createObject(
    target: Target,
    input: JsonObject,
    options: WriteOptions,
    prepared?: { readonly managedFields: boolean }
  ): KubeObject {
    const spec = target.spec
    const typed = this.decode(target, input)
    const { draft, meta } = draftOf(typed)
    if (
      (meta.name === undefined || meta.name === "") &&
      typeof meta.generateName === "string" &&
      meta.generateName !== ""
    ) {
      meta.name = `${meta.generateName}${randomSuffix()}`
    }
    const name = typeof meta.name === "string" ? meta.name : ""
    this.admitNamespace(target, name !== "" ? name : String(meta.generateName ?? ""), "create")
    // BeforeCreate: the namespace of the object must match the request.
    if (spec.scope === "Namespaced") {
      const ns = typeof meta.namespace === "string" ? meta.namespace : ""
      if (ns === "") meta.namespace = target.namespace
      else if (ns !== target.namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request")
      }
    } else delete meta.namespace
    const requestedRV = meta.resourceVersion
    delete meta.resourceVersion
    delete meta.deletionTimestamp
    delete meta.deletionGracePeriodSeconds
    delete meta.selfLink
    // The field manager sees the request as decoded (defaults applied), before the strategy
    // sets server-owned fields; a status owned by /status is not the writer's.
    const managed =
      prepared?.managedFields === true
        ? undefined
        : recordUpdate({
            live: undefined,
            updated: hasStatus(spec, target.version) ? without(draft, ["status"]) : draft,
            manager: options.fieldManager,
            now: new Date(options.now),
            kind: { group: spec.group, kind: spec.kind },
            root: this.ssaRoot(target)
          }).managedFields
    meta.uid = crypto.randomUUID()
    meta.creationTimestamp = rfc3339(options.now)
    this.prepareForCreate(target, draft, meta, options.now)
    const pruned = this.structural(target, draft)
    const pmeta = metaOf(pruned)
    const errs = [
      ...this.validateKind(target, pruned),
      ...validateObjectMetaCreate(pmeta, spec.scope === "Namespaced", spec.nameRule),
      ...validateBuiltinCreate(spec, pruned, pmeta)
    ]
    if (errs.length > 0) throw invalid(groupKind(spec), pmeta.name ?? "", errs)
    const key = objectKey(pmeta.namespace, pmeta.name ?? "")
    const existing = target.state.objects.get(key)
    if (existing !== undefined) {
      throw alreadyExists(
        groupResource(spec),
        pmeta.name ?? "",
        existing.metadata.deletionTimestamp !== undefined ? "object is being deleted: " : ""
      )
    }
    if (typeof requestedRV === "string" && requestedRV !== "") {
      throw unknownError("resourceVersion should not be set on objects to be created")
    }
    const withFields = managed === undefined ? pruned : { ...pruned, metadata: { ...pmeta, managedFields: managed } }
    const stored = this.toStorage(target, withFields)
    if (options.dryRun) return detached(stored)
    const result = this.store.put(target.state, key, stored)
    this.afterCreate(target, result, options.now)
    return result
  }

  // -------------------------------------------------------------------------------------------
  // update

  private update(target: Target, raw: unknown, query: Readonly<Record<string, string>>, now: number): KubeResponse {
    const options = this.writeOptions(query, now, "UpdateOptions")
    const input = requireObject(raw)
    const name = target.name ?? ""
    const typed = this.decode(target, input)
    const bodyMeta = metaOf(typed)
    if ((bodyMeta.name ?? "") !== name) {
      throw badRequest(`the name of the object (${bodyMeta.name ?? ""}) does not match the name on the URL (${name})`)
    }
    if (
      target.namespace !== undefined &&
      bodyMeta.namespace !== undefined &&
      bodyMeta.namespace !== "" &&
      bodyMeta.namespace !== target.namespace
    ) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request")
    }
    const key = objectKey(target.namespace, name)
    const existing = target.state.objects.get(key)
    if (existing === undefined) {
      if (!target.spec.allowCreateOnUpdate || target.subresource !== undefined) {
        throw notFound(groupResource(target.spec), name)
      }
      const withName = { ...typed, metadata: { ...bodyMeta, name } }
      const created = this.createObject(target, withName, options)
      return json(201, this.present(target, created))
    }
    this.consumeForcedConflict(target, name)
    const result = this.updateObject(target, existing, typed, options, { managedFields: false })
    return json(200, this.present(target, result))
  }

  private consumeForcedConflict(target: Target, name: string): void {
    if (this.forcedConflicts > 0) {
      this.forcedConflicts--
      throw conflict(groupResource(target.spec), name, OptimisticLockErrorMsg)
    }
  }

  /** The update path shared by PUT, PATCH and apply (`Store.Update` + `BeforeUpdate`). */
  private updateObject(
    target: Target,
    existing: KubeObject,
    input: JsonObject,
    options: WriteOptions,
    prepared: { readonly managedFields: boolean }
  ): KubeObject {
    const spec = target.spec
    const gr = groupResource(spec)
    const name = existing.metadata.name ?? ""
    const { draft, meta } = draftOf(this.structural(target, input))
    // Storage preconditions: a uid in the body must match.
    if (typeof meta.uid === "string" && meta.uid !== "" && meta.uid !== existing.metadata.uid) {
      throw conflict(
        gr,
        name,
        `StorageError: invalid object, Code: 4, Key: ${etcdPrefix(spec)}/${objectKey(existing.metadata.namespace, name)}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${existing.metadata.uid ?? ""}`
      )
    }
    const existingRV = existing.metadata.resourceVersion ?? ""
    const requestedRV = typeof meta.resourceVersion === "string" ? meta.resourceVersion : ""
    if (requestedRV === "") {
      if (!spec.allowUnconditionalUpdate) {
        throw invalid({ group: spec.group, kind: spec.plural }, name, [
          FieldErrors.invalid("metadata.resourceVersion", 0, "must be specified for an update")
        ])
      }
      meta.resourceVersion = existingRV
    } else {
      parseResourceVersion(requestedRV)
      if (requestedRV !== existingRV) throw conflict(gr, name, OptimisticLockErrorMsg)
    }
    // BeforeUpdate
    if (spec.scope === "Namespaced") {
      if (meta.namespace === undefined || meta.namespace === "") meta.namespace = target.namespace
    } else delete meta.namespace
    if (existing.metadata.generation !== undefined) meta.generation = existing.metadata.generation
    else delete meta.generation
    this.prepareForUpdate(target, draft, meta, existing)
    if (meta.uid === undefined || meta.uid === "") meta.uid = existing.metadata.uid
    if (existing.metadata.creationTimestamp !== undefined) meta.creationTimestamp = existing.metadata.creationTimestamp
    if (existing.metadata.deletionTimestamp !== undefined) meta.deletionTimestamp = existing.metadata.deletionTimestamp
    if (existing.metadata.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds === undefined) {
      meta.deletionGracePeriodSeconds = existing.metadata.deletionGracePeriodSeconds
    }
    const pruned = this.structural(target, draft)
    const pmeta = metaOf(pruned)
    const errs = [
      ...validateObjectMetaUpdate(pmeta, existing.metadata, spec.scope === "Namespaced"),
      ...validateBuiltinUpdate(spec, pruned, pmeta, existing),
      ...this.validateKind(target, pruned)
    ]
    if (errs.length > 0) throw invalid(groupKind(spec), name, errs)
    const withFields = prepared.managedFields
      ? pruned
      : recordUpdate({
          live: existing,
          updated: pruned,
          manager: options.fieldManager,
          now: new Date(options.now),
          subresource: target.subresource,
          kind: { group: spec.group, kind: spec.kind },
          root: this.ssaRoot(target)
        }).object
    const next = this.toStorage(target, withFields)
    const key = objectKey(existing.metadata.namespace, name)
    // ShouldDeleteDuringUpdate: the last finalizer of a deleting object is gone.
    const nextMeta = metaOf(next)
    if (
      (nextMeta.finalizers ?? []).length === 0 &&
      existing.metadata.deletionTimestamp !== undefined &&
      (existing.metadata.deletionGracePeriodSeconds ?? 0) === 0 &&
      !this.namespaceHoldsDeletion(target, next)
    ) {
      if (!options.dryRun) {
        this.store.remove(target.state, key)
        this.afterDelete(target, existing, options.now)
      }
      // The answer is the request's object (old resourceVersion), without managedFields.
      const { managedFields: _m, ...answerMeta } = nextMeta
      return detached(canonical({ ...next, metadata: answerMeta }))
    }
    if (deepEqual(next, existing)) return existing
    if (options.dryRun) return detached(next)
    const stored = this.store.put(target.state, key, next)
    this.afterUpdate(target, existing, stored, options.now)
    return stored
  }

  /** Namespaces are held by `spec.finalizers` too (the namespace controller empties them). */
  private namespaceHoldsDeletion(target: Target, next: JsonObject): boolean {
    if (!(target.spec.group === "" && target.spec.plural === "namespaces")) return false
    const finalizers = getPath(next, ["spec", "finalizers"])
    return Array.isArray(finalizers) && finalizers.length > 0
  }

  // -------------------------------------------------------------------------------------------
  // patch

  private patch(
    target: Target,
    body: () => unknown,
    rawBody: unknown,
    rawContentType: string,
    query: Readonly<Record<string, string>>,
    now: number
  ): KubeResponse {
    const contentType = rawContentType.split(";")[0].trim().toLowerCase()
    const accepted = target.spec.custom
      ? ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
      : [
          "application/json-patch+json",
          "application/merge-patch+json",
          "application/strategic-merge-patch+json",
          "application/apply-patch+yaml"
        ]
    if (!accepted.includes(contentType)) {
      // Built-in routes refuse other types in the router; the CRD handler answers itself.
      throw target.spec.custom ? unsupportedMediaType(accepted) : routerUnsupportedMediaType()
    }
    const isApply = contentType === "application/apply-patch+yaml"
    const options = this.writeOptions(query, now, "PatchOptions")
    if (isApply) {
      const errs: Array<FieldError> = []
      if ((query.fieldManager ?? "") === "")
        errs.push(FieldErrors.required("fieldManager", "is required for apply patch"))
      if (errs.length > 0) throw invalid({ group: "meta.k8s.io", kind: "PatchOptions" }, "", errs)
    } else if (query.force !== undefined) {
      throw invalid({ group: "meta.k8s.io", kind: "PatchOptions" }, "", [
        FieldErrors.forbidden("force", "may not be specified for non-apply patch")
      ])
    }
    const name = target.name ?? ""
    const key = objectKey(target.namespace, name)
    const existing = target.state.objects.get(key)
    const patchBody = isApply ? parseApplyBody(rawBody) : body()
    if (existing === undefined) {
      if (!isApply || target.subresource !== undefined) throw notFound(groupResource(target.spec), name)
      this.admitNamespace(target, name, "create")
      const applied = serverSideApply({
        live: undefined,
        applied: patchBody,
        manager: options.fieldManager,
        force: queryBool(query, "force") === true,
        now: new Date(now),
        statusSubresource: hasStatus(target.spec, target.version),
        kind: { group: target.spec.group, kind: target.spec.kind },
        root: this.ssaRoot(target)
      })
      if (applied._tag === "Left") {
        const s = applyErrorStatus(applied.left)
        throw fromStatus(s.code, s.status)
      }
      const withName = { ...applied.right.object, metadata: { ...metaOf(applied.right.object), name } }
      const created = this.createObject(target, withName, options, { managedFields: true })
      return json(201, this.present(target, created))
    }
    this.consumeForcedConflict(target, name)
    const current = this.present(target, existing)
    let patched: JsonObject
    let managed = false
    switch (contentType) {
      case "application/json-patch+json": {
        if (!Array.isArray(patchBody)) {
          throw badRequest(
            `error decoding patch: json: cannot unmarshal ${goJsonType(patchBody)} into Go value of type []handlers.jsonPatchOp`
          )
        }
        const result = applyJsonPatch(current, patchBody)
        if (result._tag === "Left") {
          const s = jsonPatchErrorStatus(result.left)
          throw fromStatus(s.code, s.status)
        }
        patched = requirePatchedObject(result.right)
        break
      }
      case "application/merge-patch+json": {
        if (!isObject(patchBody)) throw badRequest("invalid JSON Patch")
        patched = requirePatchedObject(applyMergePatch(current, patchBody))
        break
      }
      case "application/strategic-merge-patch+json": {
        const result = strategicMerge(current, patchBody, {
          group: target.spec.group,
          version: target.version,
          kind: target.spec.kind
        })
        if (result._tag === "Left") {
          const s = strategicMergeErrorStatus(result.left)
          throw fromStatus(s.code, s.status)
        }
        patched = requirePatchedObject(result.right)
        break
      }
      default: {
        const applied = serverSideApply({
          live: current,
          applied: patchBody,
          manager: options.fieldManager,
          force: queryBool(query, "force") === true,
          now: new Date(now),
          subresource: target.subresource,
          statusSubresource: hasStatus(target.spec, target.version),
          kind: { group: target.spec.group, kind: target.spec.kind },
          root: this.ssaRoot(target)
        })
        if (applied._tag === "Left") {
          const s = applyErrorStatus(applied.left)
          throw fromStatus(s.code, s.status)
        }
        patched = applied.right.object
        managed = true
      }
    }
    const result = this.updateObject(target, existing, this.decode(target, patched), options, {
      managedFields: managed
    })
    return json(200, this.present(target, result))
  }

  // -------------------------------------------------------------------------------------------
  // delete

  private deleteOptions(
    raw: unknown,
    query: Readonly<Record<string, string>>
  ): {
    readonly dryRun: boolean
    readonly propagationPolicy: string | undefined
    readonly gracePeriodSeconds: number | undefined
    readonly preconditions: { readonly uid?: string; readonly resourceVersion?: string } | undefined
  } {
    const body = typeof raw === "string" && raw.trim() !== "" ? safeParse(raw) : raw
    const b: JsonObject = isObject(body) ? body : {}
    const dryRunValues = Array.isArray(b.dryRun)
      ? b.dryRun.map(String)
      : query.dryRun !== undefined
        ? [query.dryRun]
        : []
    const policy =
      typeof b.propagationPolicy === "string" ? b.propagationPolicy : (query.propagationPolicy ?? undefined)
    const grace =
      typeof b.gracePeriodSeconds === "number"
        ? b.gracePeriodSeconds
        : query.gracePeriodSeconds !== undefined
          ? Number(query.gracePeriodSeconds)
          : undefined
    const pre = isObject(b.preconditions) ? b.preconditions : undefined
    const errs: Array<FieldError> = []
    if (policy !== undefined && !["Foreground", "Background", "Orphan"].includes(policy)) {
      errs.push(FieldErrors.notSupported("propagationPolicy", policy, ["Foreground", "Background", "Orphan", "nil"]))
    }
    if (typeof b.orphanDependents === "boolean" && policy !== undefined) {
      errs.push(
        FieldErrors.invalid("propagationPolicy", policy, "orphanDependents and deletionPropagation cannot be both set")
      )
    }
    for (const v of dryRunValues) if (v !== "All") errs.push(FieldErrors.notSupported("dryRun", dryRunValues, ["All"]))
    if (errs.length > 0) throw invalid({ group: "meta.k8s.io", kind: "DeleteOptions" }, "", errs)
    const effectivePolicy =
      policy ?? (typeof b.orphanDependents === "boolean" ? (b.orphanDependents ? "Orphan" : "Background") : undefined)
    return {
      dryRun: dryRunValues.includes("All"),
      propagationPolicy: effectivePolicy,
      gracePeriodSeconds: grace !== undefined && Number.isFinite(grace) ? grace : undefined,
      preconditions:
        pre === undefined
          ? undefined
          : {
              ...(typeof pre.uid === "string" ? { uid: pre.uid } : {}),
              ...(typeof pre.resourceVersion === "string" ? { resourceVersion: pre.resourceVersion } : {})
            }
    }
  }

  private delete(target: Target, raw: unknown, query: Readonly<Record<string, string>>, now: number): KubeResponse {
    const options = this.deleteOptions(raw, query)
    const name = target.name ?? ""
    const result = this.deleteObject(target, name, options, now)
    return json(200, result)
  }

  /** `Store.Delete`: returns the response body (the object, or a Status Success). */
  private deleteObject(
    target: Target,
    name: string,
    options: ReturnType<Server["deleteOptions"]>,
    now: number
  ): unknown {
    const spec = target.spec
    const key = objectKey(target.namespace, name)
    const existing = target.state.objects.get(key)
    if (existing === undefined) throw notFound(groupResource(spec), name)
    const isNamespace = spec.group === "" && spec.plural === "namespaces"
    if (isNamespace && immortalNamespaces.has(name)) {
      throw forbidden(groupResource(spec), name, "this namespace may not be deleted")
    }
    // BeforeDelete: preconditions.
    const pre = options.preconditions
    const gkAsResource = { group: spec.group, resource: spec.kind }
    if (pre?.uid !== undefined && pre.uid !== existing.metadata.uid) {
      throw conflict(
        isNamespace ? groupResource(spec) : gkAsResource,
        name,
        isNamespace
          ? `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid ?? ""}`
          : `the UID in the precondition (${pre.uid}) does not match the UID in record (${existing.metadata.uid ?? ""}). The object might have been deleted and then recreated`
      )
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw conflict(
        isNamespace ? groupResource(spec) : gkAsResource,
        name,
        isNamespace
          ? `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion ?? ""}`
          : `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${existing.metadata.resourceVersion ?? ""}). The object might have been modified`
      )
    }
    if (isNamespace) return this.deleteNamespace(target, existing, options, now)
    if (spec.group === "apiextensions.k8s.io" && spec.plural === "customresourcedefinitions") {
      return this.deleteCRD(target, existing, options, now)
    }
    const { draft, meta } = draftOf(existing)
    // Graceful deletion (pods): a scheduled, running pod waits out its grace period.
    let graceful = false
    let gracePeriod = 0
    if (spec.group === "" && spec.plural === "pods") {
      const pending = this.podGracefulDelete(existing, options, meta, now)
      if (pending === "pending") return this.present(target, existing)
      if (pending !== undefined) {
        graceful = true
        gracePeriod = pending
      }
    }
    // deletionFinalizersForGarbageCollection
    const nextFinalizers = gcFinalizers(existing.metadata.finalizers ?? [], options.propagationPolicy)
    const pendingFinalizers = nextFinalizers.length > 0
    if (pendingFinalizers || graceful) {
      if (nextFinalizers.length > 0) meta.finalizers = nextFinalizers
      else delete meta.finalizers
      if (!graceful) {
        // markAsDeleting
        if (meta.deletionTimestamp === undefined && typeof meta.generation === "number" && meta.generation > 0) {
          meta.generation = meta.generation + 1
        }
        if (meta.deletionTimestamp === undefined) meta.deletionTimestamp = rfc3339(now)
        meta.deletionGracePeriodSeconds = 0
      }
      const changed = !deepEqual(draft, existing)
      let current: KubeObject = existing
      if (changed) {
        if (options.dryRun) current = detached(draft)
        else {
          current = this.store.put(target.state, key, draft)
          this.afterUpdate(target, existing, current, now)
        }
      }
      if (pendingFinalizers || gracePeriod > 0) return this.present(target, current)
      // Graceful with a zero period: delete now.
      if (options.dryRun) return this.deletedResponse(target, current)
      const final = this.store.remove(target.state, key) ?? current
      this.afterDelete(target, final, now)
      return this.deletedResponse(target, final)
    }
    if (options.dryRun) return this.deletedResponse(target, existing)
    const final = this.store.remove(target.state, key) ?? existing
    this.afterDelete(target, final, now)
    return this.deletedResponse(target, final)
  }

  /**
   * Pod `CheckGracefulDelete`: `undefined` when not graceful, "pending" when a longer grace
   * period is already running, else the grace period applied to `meta`.
   */
  private podGracefulDelete(
    existing: KubeObject,
    options: ReturnType<Server["deleteOptions"]>,
    meta: Draft,
    now: number
  ): number | "pending" | undefined {
    const current = existing.metadata.deletionGracePeriodSeconds
    if (existing.metadata.deletionTimestamp !== undefined) {
      if (current === undefined || current === 0) return undefined
      if (options.gracePeriodSeconds === undefined || options.gracePeriodSeconds >= current) return "pending"
      const period = Math.max(0, options.gracePeriodSeconds)
      const base = Date.parse(existing.metadata.deletionTimestamp) - current * 1000
      meta.deletionTimestamp = rfc3339(base + period * 1000)
      meta.deletionGracePeriodSeconds = period
      return period
    }
    let period = options.gracePeriodSeconds ?? numberAt(existing, ["spec", "terminationGracePeriodSeconds"]) ?? 0
    if (fieldString(getPath(existing, ["spec", "nodeName"])) === "") period = 0
    const phase = fieldString(getPath(existing, ["status", "phase"]))
    if (phase === "Failed" || phase === "Succeeded") period = 0
    if (period < 0) period = 1
    meta.deletionTimestamp = rfc3339(now + period * 1000)
    meta.deletionGracePeriodSeconds = period
    if (typeof meta.generation === "number" && meta.generation > 0) meta.generation = meta.generation + 1
    return period
  }

  private deletedResponse(target: Target, final: KubeObject): unknown {
    if (target.spec.returnDeletedObject) return this.present(target, final)
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: {
        name: final.metadata.name ?? "",
        ...(target.spec.group !== "" ? { group: target.spec.group } : {}),
        kind: target.spec.plural,
        uid: final.metadata.uid ?? ""
      }
    }
  }

  private deleteNamespace(
    target: Target,
    existing: KubeObject,
    options: ReturnType<Server["deleteOptions"]>,
    now: number
  ): unknown {
    const key = objectKey(undefined, existing.metadata.name ?? "")
    if (existing.metadata.deletionTimestamp === undefined) {
      const { draft, meta } = draftOf(existing)
      meta.deletionTimestamp = rfc3339(now)
      draft.status = { ...(isObject(draft.status) ? draft.status : {}), phase: "Terminating" }
      if (options.dryRun) return this.present(target, detached(draft))
      const stored = this.store.put(target.state, key, draft)
      return this.present(target, stored)
    }
    const specFinalizers = getPath(existing, ["spec", "finalizers"])
    if (Array.isArray(specFinalizers) && specFinalizers.length > 0) return this.present(target, existing)
    if ((existing.metadata.finalizers ?? []).length > 0) {
      if (existing.metadata.deletionGracePeriodSeconds === 0) return this.present(target, existing)
      const { draft, meta } = draftOf(existing)
      meta.deletionGracePeriodSeconds = 0
      if (options.dryRun) return this.present(target, detached(draft))
      return this.present(target, this.store.put(target.state, key, draft))
    }
    if (options.dryRun) return this.present(target, existing)
    const final = this.store.remove(target.state, key) ?? existing
    return this.present(target, final)
  }

  private deleteCRD(
    target: Target,
    existing: KubeObject,
    options: ReturnType<Server["deleteOptions"]>,
    now: number
  ): unknown {
    const key = objectKey(undefined, existing.metadata.name ?? "")
    if (existing.metadata.deletionTimestamp !== undefined) return this.present(target, existing)
    // The CRD registry's Delete: deletionTimestamp and the cleanup finalizer, nothing else.
    const { draft, meta } = draftOf(existing)
    meta.deletionTimestamp = rfc3339(now)
    const finalizers = existing.metadata.finalizers ?? []
    meta.finalizers = finalizers.includes(Crd.CleanupFinalizer) ? finalizers : [...finalizers, Crd.CleanupFinalizer]
    draft.status = Crd.deletionPendingStatus(existing, rfc3339(now))
    if (options.dryRun) return this.present(target, detached(draft))
    const stored = this.store.put(target.state, key, draft)
    // The finalizer controller: Terminating condition, delete the instances, release the CRD.
    this.store.put(target.state, key, { ...stored, status: Crd.terminatingStatus(stored, rfc3339(now)) })
    this.crdCleanups.add(existing.metadata.name ?? "")
    this.cleanupCRD(existing.metadata.name ?? "", now)
    return this.present(target, stored)
  }

  /** The CRD finalizer controller: delete the instances, then release the CRD. */
  private cleanupCRD(crdName: string, now: number): void {
    const crds = this.state("apiextensions.k8s.io", "customresourcedefinitions")
    const crd = crds?.objects.get(crdName)
    if (crds === undefined || crd === undefined) return
    const spec = Crd.specFromCRD(crd)
    const state = this.state(spec.group, spec.plural)
    if (state !== undefined) {
      const version = storageVersion(state.spec)
      for (const [key, object] of [...state.objects]) {
        if (object.metadata.deletionTimestamp !== undefined) continue
        const t: Target = {
          state,
          spec: state.spec,
          version,
          namespace: object.metadata.namespace,
          name: object.metadata.name,
          subresource: undefined,
          legacyWatch: false
        }
        if (state.objects.has(key)) {
          this.deleteObject(
            t,
            object.metadata.name ?? "",
            { dryRun: false, propagationPolicy: undefined, gracePeriodSeconds: undefined, preconditions: undefined },
            now
          )
        }
      }
      if (state.objects.size > 0) return
      this.unregister(spec.group, spec.plural)
    }
    this.crdCleanups.delete(crdName)
    const current = crds.objects.get(crdName)
    if (current === undefined) return
    const { meta } = draftOf(current)
    const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== Crd.CleanupFinalizer)
    if (finalizers.length > 0) {
      meta.finalizers = finalizers
      this.store.put(crds, crdName, { ...current, metadata: meta })
    } else {
      this.store.remove(crds, crdName)
    }
  }

  private deleteCollection(
    target: Target,
    raw: unknown,
    query: Readonly<Record<string, string>>,
    now: number
  ): KubeResponse {
    const options = this.deleteOptions(raw, query)
    const errs = validateListOptions(query, false)
    if (errs.length > 0) throw invalid({ group: "meta.k8s.io", kind: "ListOptions" }, "", errs)
    const selection = this.selection(target, query)
    const page = this.page(target, selection, parseLimit(query.limit), "", "", "")
    for (const object of page.items) {
      const t: Target = { ...target, namespace: object.metadata.namespace, name: object.metadata.name }
      try {
        this.deleteObject(t, object.metadata.name ?? "", options, now)
      } catch (e) {
        if (!(e instanceof StatusFailure && e.code === 404)) throw e
      }
    }
    const items = page.items.map((o) => {
      const presented = this.present(target, o)
      if (target.spec.custom) return presented
      const { apiVersion: _a, kind: _k, ...rest } = presented
      return rest
    })
    return json(200, {
      kind: target.spec.listKind,
      apiVersion: apiVersionOf(target.spec.group, target.version),
      metadata: { resourceVersion: String(page.rv) },
      items
    })
  }

  // -------------------------------------------------------------------------------------------
  // strategies

  private writeOptions(query: Readonly<Record<string, string>>, now: number, kind: string): WriteOptions {
    const dryRun = query.dryRun
    if (dryRun !== undefined && dryRun !== "All") {
      throw invalid({ group: "meta.k8s.io", kind }, "", [FieldErrors.notSupported("dryRun", [dryRun], ["All"])])
    }
    const fieldManager = query.fieldManager ?? ""
    if (fieldManager.length > 128) {
      throw invalid({ group: "meta.k8s.io", kind }, "", [FieldErrors.tooLong("fieldManager", 128)])
    }
    return {
      dryRun: dryRun === "All",
      fieldManager: fieldManager === "" ? this.options.defaultFieldManager : fieldManager,
      now
    }
  }

  /**
   * A request body as the real server decodes it: type meta checked and defaulted, built-in
   * objects reduced to what Go's typed structs keep, custom resources pruned and defaulted by
   * their schema, and the kind's defaulting functions applied.
   */
  private decode(target: Target, input: JsonObject): JsonObject {
    const typed = this.checkTypeMeta(target, input)
    const shaped = target.spec.custom ? this.structural(target, typed) : omitEmptyBuiltin(typed)
    const { draft, meta } = draftOf(isObject(shaped) ? shaped : typed)
    const known = target.spec.topLevelFields
    if (known !== undefined) {
      for (const k of Object.keys(draft)) {
        if (k !== "apiVersion" && k !== "kind" && k !== "metadata" && !known.includes(k)) delete draft[k]
      }
    }
    if (this.isKind(target, "apiextensions.k8s.io", "customresourcedefinitions")) Crd.defaultCRD(draft)
    if (!target.spec.custom) applyBuiltinDefaults(target.spec.group, target.spec.plural, draft)
    if (this.isKind(target, "", "namespaces")) nsLabel(meta)
    // `rules` has no omitempty: an empty or absent list is serialised as null.
    if (
      this.isKind(target, "rbac.authorization.k8s.io", "roles") ||
      this.isKind(target, "rbac.authorization.k8s.io", "clusterroles")
    ) {
      if (draft.rules === undefined) draft.rules = null
    }
    if (this.isKind(target, "", "secrets")) {
      mergeStringData(draft)
      if (draft.type === undefined || draft.type === "") draft.type = "Opaque"
    }
    return draft
  }

  /** The body's apiVersion/kind against the endpoint's (defaulted when absent). */
  private checkTypeMeta(target: Target, input: JsonObject): JsonObject {
    const spec = target.spec
    const expected = apiVersionOf(spec.group, target.version)
    const apiVersion = typeof input.apiVersion === "string" ? input.apiVersion : ""
    const kind = typeof input.kind === "string" ? input.kind : ""
    const out: Record<string, unknown> = { ...input, apiVersion: apiVersion || expected, kind: kind || spec.kind }
    // Custom resources decode as unstructured objects: kind and apiVersion are required.
    if (spec.custom) {
      if (kind === "" || apiVersion === "") {
        const text = JSON.stringify(input)
        const summary = text.length > 30 ? `${text.slice(0, 30)} ...` : text
        const missing = `Object '${kind === "" ? "Kind" : "apiVersion"}' is missing in '${text}'`
        throw badRequest(
          kind === ""
            ? `the object provided is unrecognized (must be of type ${spec.kind}): ${missing} (${summary})`
            : `${kind} in version "" cannot be handled as a ${spec.kind}: ${missing}`
        )
      }
    }
    if ((apiVersion === "" || apiVersion === expected) && (kind === "" || kind === spec.kind)) return out
    const version = apiVersion.includes("/")
      ? apiVersion.slice(apiVersion.indexOf("/") + 1)
      : apiVersion || target.version
    if (spec.custom) {
      const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : ""
      if (
        apiVersion !== "" &&
        group === spec.group &&
        spec.versions.some((v) => v.served && v.name === version) &&
        version !== target.version
      ) {
        throw badRequest(
          `the API version in the data (${apiVersion}) does not match the expected API version (${expected})`
        )
      }
      const errs: Array<FieldError> = []
      if (kind !== "" && kind !== spec.kind) errs.push(FieldErrors.invalid("kind", kind, `must be ${spec.kind}`))
      if (apiVersion !== "" && apiVersion !== expected)
        errs.push(FieldErrors.invalid("apiVersion", apiVersion, `must be ${expected}`))
      // The error names the kind the body claimed to be.
      throw invalid({ group: spec.group, kind }, metaOf(input).name ?? "", errs)
    }
    const effectiveKind = kind || spec.kind
    const known = this.stateOfKind(apiVersion || expected, effectiveKind)
    const pkg = spec.group === "" ? "core" : spec.group.split(".")[0]
    if (known !== undefined) {
      throw badRequest(
        `${effectiveKind} in version ${JSON.stringify(version)} cannot be handled as a ${spec.kind}: converting (${version}.${effectiveKind}) to (${pkg}.${spec.kind}): unknown conversion`
      )
    }
    throw badRequest(
      `${effectiveKind} in version ${JSON.stringify(version)} cannot be handled as a ${spec.kind}: no kind ${JSON.stringify(effectiveKind)} is registered for version ${JSON.stringify(apiVersion || expected)} in scheme "pkg/runtime/scheme.go:111"`
    )
  }

  /** NamespaceLifecycle admission. */
  private admitNamespace(target: Target, name: string, op: "create" | "update"): void {
    if (target.spec.scope !== "Namespaced" || target.namespace === undefined) return
    const namespaces = this.state("", "namespaces")
    const ns = namespaces?.objects.get(target.namespace)
    if (ns === undefined) throw notFound({ group: "", resource: "namespaces" }, target.namespace)
    if (op === "create" && getPath(ns, ["status", "phase"]) === "Terminating") {
      throw forbidden(
        groupResource(target.spec),
        name,
        `unable to create new content in namespace ${target.namespace} because it is being terminated`,
        [
          {
            reason: "NamespaceTerminating",
            message: `namespace ${target.namespace} is being terminated`,
            field: "metadata.namespace"
          }
        ]
      )
    }
  }

  private isKind(target: Target, group: string, plural: string): boolean {
    return target.spec.group === group && target.spec.plural === plural
  }

  /** `PrepareForCreate` of the kind's strategy. */
  private prepareForCreate(target: Target, draft: Draft, meta: Draft, now: number): void {
    const spec = target.spec
    const status = hasStatus(spec, target.version)
    if (spec.generation !== "none") meta.generation = 1
    if (this.isKind(target, "", "namespaces")) {
      const nsSpec = isObject(draft.spec) ? { ...draft.spec } : {}
      const finalizers = Array.isArray(nsSpec.finalizers) ? nsSpec.finalizers.map(String) : []
      nsSpec.finalizers = finalizers.includes("kubernetes") ? finalizers : [...finalizers, "kubernetes"]
      draft.spec = nsSpec
      draft.status = { phase: "Active" }
      meta.labels = {
        ...(isObject(meta.labels) ? meta.labels : {}),
        "kubernetes.io/metadata.name": String(meta.name ?? "")
      }
      return
    }
    if (this.isKind(target, "apiextensions.k8s.io", "customresourcedefinitions")) {
      Crd.defaultCRD(draft)
      draft.status = Crd.initialStatus(draft)
      return
    }
    if (this.isKind(target, "", "pods")) {
      admitPod(draft)
      draft.status = { phase: "Pending", qosClass: podQOS(draft) }
      return
    }
    if (this.isKind(target, "", "services")) {
      this.services.allocate(draft)
      return
    }
    if (status) {
      if (spec.custom) delete draft.status
      else draft.status = {}
    }
    void now
  }

  /** `PrepareForUpdate` of the kind's strategy (main resource or a subresource). */
  private prepareForUpdate(target: Target, draft: Draft, meta: Draft, old: KubeObject): void {
    const spec = target.spec
    const sub = target.subresource
    const isNamespace = this.isKind(target, "", "namespaces")
    if (sub === "finalize") {
      // Only spec.finalizers may change.
      const finalizers = getPath(draft, ["spec", "finalizers"])
      resetTo(draft, meta, old)
      draft.spec = { ...(isObject(old.spec) ? old.spec : {}), finalizers: Array.isArray(finalizers) ? finalizers : [] }
      return
    }
    if (sub === "status") {
      if (spec.statusUpdate === "statusOnly") {
        const status = draft.status
        // The field manager already tracked this write (an apply's entry): keep its managedFields.
        const managedFields = meta.managedFields
        resetTo(draft, meta, old)
        if (status !== undefined) draft.status = status
        else delete draft.status
        if (managedFields !== undefined) meta.managedFields = managedFields
      } else {
        if (old.spec !== undefined) draft.spec = old.spec
        else delete draft.spec
        if (this.isKind(target, "apps", "deployments")) {
          if (old.metadata.labels !== undefined) meta.labels = old.metadata.labels
          else delete meta.labels
        }
        if (isNamespace) nsLabel(meta)
      }
      return
    }
    // Main resource: status is owned by /status when the kind serves it.
    if (hasStatus(spec, target.version) || isNamespace) {
      if (old.status !== undefined) draft.status = old.status
      else delete draft.status
    }
    if (isNamespace) {
      const finalizers = getPath(old, ["spec", "finalizers"])
      draft.spec = { ...(isObject(draft.spec) ? draft.spec : {}), ...(finalizers !== undefined ? { finalizers } : {}) }
      if (finalizers === undefined && isObject(draft.spec)) {
        const { finalizers: _f, ...rest } = draft.spec
        draft.spec = rest
      }
      nsLabel(meta)
    }
    if (this.isKind(target, "", "secrets")) mergeStringData(draft)
    if (this.isKind(target, "", "services")) keepAllocations(draft, old)
    if (this.isKind(target, "apiextensions.k8s.io", "customresourcedefinitions")) Crd.defaultCRD(draft)
    const bump = (): void => {
      meta.generation = (typeof old.metadata.generation === "number" ? old.metadata.generation : 0) + 1
    }
    switch (spec.generation) {
      case "none":
        break
      case "spec":
        if (!deepEqual(draft.spec, old.spec)) bump()
        break
      case "specOrAnnotations":
        if (!deepEqual(draft.spec, old.spec) || !deepEqual(meta.annotations, old.metadata.annotations)) bump()
        break
      case "nonMetadata":
        if (!deepEqual(without(draft, ["metadata"]), without(old, ["metadata"]))) bump()
        break
    }
  }

  /** Kind-specific validation (CRDs, custom resources' schemas). */
  private validateKind(target: Target, object: JsonObject): Array<FieldError> {
    if (this.isKind(target, "apiextensions.k8s.io", "customresourcedefinitions")) return Crd.validateCRD(object)
    if (!target.spec.custom) return []
    const schema = target.spec.versions.find((v) => v.name === target.version)?.schema
    if (!isObject(schema)) return []
    return Schema.validate(object, schema, "")
  }

  /** The field-manager schema of a custom resource (from its CRD); built-ins use the built-in table. */
  private ssaRoot(target: Target): SsaNode | undefined {
    if (!target.spec.custom) return undefined
    const schema = target.spec.versions.find((v) => v.name === target.version)?.schema
    return isObject(schema) ? customRootNode(schema) : undefined
  }

  /** Pruning and defaulting of custom resources. */
  private structural(target: Target, draft: JsonObject): JsonObject {
    if (!target.spec.custom) return draft
    const schema = target.spec.versions.find((v) => v.name === target.version)?.schema
    if (!isObject(schema)) return draft
    const pruned = Schema.prune(draft, schema, true)
    const defaulted = Schema.applyDefaults(pruned, schema)
    return isObject(defaulted) ? defaulted : draft
  }

  /** Objects are stored in the storage version. */
  private toStorage(target: Target, object: JsonObject): Record<string, unknown> {
    const apiVersion = apiVersionOf(target.spec.group, storageVersion(target.spec))
    return { ...object, apiVersion }
  }

  private afterCreate(target: Target, created: KubeObject, now: number): void {
    if (this.isKind(target, "apiextensions.k8s.io", "customresourcedefinitions")) {
      const spec = Crd.specFromCRD(created)
      const existing = this.state(spec.group, spec.plural)
      if (existing !== undefined && !existing.spec.custom) return
      this.register(spec)
      const established = { ...created, status: Crd.establishedStatus(created, rfc3339(now)) }
      this.store.put(target.state, objectKey(undefined, created.metadata.name ?? ""), established)
    }
  }

  private afterUpdate(target: Target, _old: KubeObject, updated: KubeObject, now: number): void {
    if (this.isKind(target, "apiextensions.k8s.io", "customresourcedefinitions")) {
      if (updated.metadata.deletionTimestamp !== undefined) return
      const spec = Crd.specFromCRD(updated)
      const existing = this.state(spec.group, spec.plural)
      if (existing !== undefined && !existing.spec.custom) return
      this.register(spec)
    }
    void now
  }

  private afterDelete(target: Target, deleted: KubeObject, now: number): void {
    if (this.isKind(target, "apiextensions.k8s.io", "customresourcedefinitions")) {
      const spec = Crd.specFromCRD(deleted)
      this.unregister(spec.group, spec.plural)
      return
    }
    if (target.spec.custom && target.spec.crdName !== undefined && this.crdCleanups.has(target.spec.crdName)) {
      this.cleanupCRD(target.spec.crdName, now)
    }
  }

  private newNamespace(name: string, now: number): Record<string, unknown> {
    return {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name,
        uid: crypto.randomUUID(),
        creationTimestamp: rfc3339(now),
        labels: { "kubernetes.io/metadata.name": name }
      },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" }
    }
  }

  // -------------------------------------------------------------------------------------------
  // seeding and direct access

  /** Creates an object as a POST would (namespaces are created on demand). */
  seed(object: unknown, now: number): KubeObject {
    if (!isObject(object)) throw badRequest("seed: not an object")
    const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : ""
    const kind = typeof object.kind === "string" ? object.kind : ""
    const found = this.stateOfKind(apiVersion, kind)
    if (found === undefined) throw badRequest(`seed: no kind ${kind} is served for ${apiVersion}`)
    const meta = metaOf(object)
    const spec = found.state.spec
    const namespace = spec.scope === "Namespaced" ? meta.namespace || "default" : undefined
    if (namespace !== undefined) this.ensureNamespace(namespace, now)
    const target: Target = {
      state: found.state,
      spec,
      version: found.version,
      namespace,
      name: undefined,
      subresource: undefined,
      legacyWatch: false
    }
    const key = objectKey(namespace, meta.name ?? "")
    const existing = meta.name ? found.state.objects.get(key) : undefined
    const options: WriteOptions = { dryRun: false, fieldManager: this.options.defaultFieldManager, now }
    const input = clone(object)
    if (existing !== undefined) {
      const { metadata: _m, ...rest } = input
      const t: Target = { ...target, name: meta.name }
      return this.updateObject(
        t,
        existing,
        this.decode(t, { ...rest, metadata: { ...metaOf(input), resourceVersion: existing.metadata.resourceVersion } }),
        options,
        { managedFields: false }
      )
    }
    const { resourceVersion: _rv, ...cleanMeta } = metaOf(input)
    const created = this.createObject(target, { ...input, metadata: cleanMeta }, options)
    // A seeded object may carry a status (tests set up observed state directly).
    if (hasStatus(spec, found.version) && input.status !== undefined && !deepEqual(created.status, input.status)) {
      return this.store.put(found.state, key || objectKey(namespace, created.metadata.name ?? ""), {
        ...created,
        status: input.status
      })
    }
    return created
  }

  private ensureNamespace(name: string, now: number): void {
    const namespaces = this.state("", "namespaces")
    if (namespaces === undefined || namespaces.objects.has(name)) return
    this.store.put(namespaces, name, this.newNamespace(name, now))
  }

  // -------------------------------------------------------------------------------------------
  // watch

  /**
   * Registers a watch. The initial frames and the subscription are computed in one synchronous
   * step, so no event can fall between them.
   */
  openWatch(request: KubeRequest, sink: WatchSink): WatchRegistration {
    const route = parsePath(request.path)
    if (route._tag !== "Resource") throw routeNotFound()
    this.count("watch")
    if (request.method !== "GET") throw methodNotAllowed()
    const base = this.resolve(route)
    const target: Target = route.legacyWatch && base.name !== undefined ? { ...base, name: undefined } : base
    if (target.subresource !== undefined) throw methodNotAllowed()
    const query: Record<string, string> = { ...queryOf(request.path, request.query), watch: "true" }
    if (route.legacyWatch && base.name !== undefined) {
      query.fieldSelector = [query.fieldSelector, `metadata.name=${base.name}`]
        .filter((s) => s !== undefined && s !== "")
        .join(",")
    }
    const rv = query.resourceVersion ?? ""
    let sendInitialEvents = queryBool(query, "sendInitialEvents")
    let match = query.resourceVersionMatch ?? ""
    // SetListOptionsDefaults (WatchList on): a legacy watch becomes a streaming list.
    if (sendInitialEvents === undefined && match === "" && (rv === "" || rv === "0")) {
      sendInitialEvents = true
      match = "NotOlderThan"
    }
    const errs = validateWatchOptions(sendInitialEvents, match, query.continue ?? "")
    if (errs.length > 0) throw invalid({ group: "meta.k8s.io", kind: "ListOptions" }, "", errs)
    const selection = this.selection(target, query)
    const allowBookmarks = queryBool(query, "allowWatchBookmarks") === true
    const timeoutSeconds = query.timeoutSeconds !== undefined ? Number(query.timeoutSeconds) : undefined
    if (timeoutSeconds !== undefined && !Number.isFinite(timeoutSeconds)) {
      throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(query.timeoutSeconds)}: invalid syntax`)
    }
    const metadataOnly = metadataAccept.test(request.accept ?? "")
    const state = target.state
    const prefix = target.namespace === undefined ? "" : `${target.namespace}/`
    const present = (object: KubeObject): KubeObject => {
      const presented = this.present(target, object)
      return metadataOnly ? this.asMetadata(presented) : presented
    }
    const kindHeader = metadataOnly
      ? { apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata" }
      : { apiVersion: apiVersionOf(target.spec.group, target.version), kind: target.spec.kind }
    const bookmark = (annotations?: Readonly<Record<string, string>>): unknown => ({
      type: "BOOKMARK",
      object: {
        ...kindHeader,
        metadata: {
          resourceVersion: String(this.store.rv),
          ...(annotations !== undefined ? { annotations } : {})
        }
      }
    })
    const frameOf = (event: HistoryEvent): unknown => {
      if (prefix !== "" && !event.key.startsWith(prefix)) return undefined
      const cur = event.type !== "DELETED" && this.matches(selection, event.object)
      const old = event.prev !== undefined && this.matches(selection, event.prev)
      if (!cur && !old) return undefined
      if (cur && !old) return { type: "ADDED", object: present(event.object) }
      if (cur && old) return { type: "MODIFIED", object: present(event.object) }
      const gone =
        event.type === "DELETED"
          ? event.object
          : event.prev === undefined
            ? event.object
            : withResourceVersion(event.prev, event.rv)
      return { type: "DELETED", object: present(gone) }
    }

    const initial: Array<unknown> = []
    if (sendInitialEvents === true) {
      if (rv !== "" && rv !== "0") {
        const requested = parseResourceVersion(rv)
        if (requested > this.store.rv) throw tooLargeResourceVersion(requested, this.store.rv)
      }
      const keys = [...state.objects.keys()].filter((k) => prefix === "" || k.startsWith(prefix)).sort(compareKeys)
      for (const key of keys) {
        const object = state.objects.get(key)
        if (object !== undefined && this.matches(selection, object))
          initial.push({ type: "ADDED", object: present(object) })
      }
      if (allowBookmarks) initial.push(bookmark({ [InitialEventsEndAnnotation]: "true" }))
    } else if (rv !== "" && rv !== "0") {
      const requested = parseResourceVersion(rv)
      if (requested < state.floor) {
        return {
          initial: [
            {
              type: "ERROR",
              object: expiredStatus(`too old resource version: ${requested} (${state.floor})`)
            }
          ],
          close: () => {},
          bookmark: () => bookmark(),
          allowBookmarks: false,
          timeoutSeconds,
          endAfterInitial: true
        }
      }
      for (const event of state.since(requested)) {
        const frame = frameOf(event)
        if (frame !== undefined) initial.push(frame)
      }
    }
    const subscriber: Subscriber = {
      onEvent: (event) => {
        const frame = frameOf(event)
        if (frame !== undefined) sink.push(frame)
      },
      onClose: () => sink.end()
    }
    state.subscribers.add(subscriber)
    return {
      initial,
      close: () => {
        state.subscribers.delete(subscriber)
      },
      bookmark: () => bookmark(),
      allowBookmarks,
      timeoutSeconds,
      endAfterInitial: false
    }
  }

  /** Ends every open watch. */
  closeWatches(): void {
    for (const state of this.store.resources.values()) for (const s of [...state.subscribers]) s.onClose()
  }

  /** Status of a request refused before streaming, as a failure value. */
  static refusal(e: unknown): StatusFailure {
    if (e instanceof StatusFailure) return e
    const message = e instanceof Error ? e.message : String(e)
    return unknownError(`mock apiserver defect: ${message}`)
  }
}

/** Re-exported for the service layer. */
export type { ObjectMeta }
