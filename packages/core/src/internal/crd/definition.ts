/**
 * Kinds → one CustomResourceDefinition: names, versions, subresources, printer columns,
 * conversion, and the definition-level checks the apiserver would otherwise fail on create.
 */
import type * as AST from "effect/SchemaAST"
import * as Names from "../../Names.js"
import type { Scope, Subresources } from "../../Resource.js"
import { rootSchema } from "./schema.js"
import type {
  CustomResourceConversion,
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  Issue,
  JSONSchemaProps,
  PrinterColumn,
  WebhookClientConfig
} from "./types.js"

/** What the generator reads from a `Resource`: any `Resource` value fits. */
export interface Source {
  readonly group: string
  readonly version: string
  readonly kind: string
  readonly listKind: string
  readonly plural: string
  readonly singular: string
  readonly scope: Scope
  readonly shortNames: ReadonlyArray<string>
  readonly categories: ReadonlyArray<string>
  readonly subresources: Subresources
  readonly typed: boolean
  readonly schema: { readonly ast: AST.AST }
}

/** One served version of a multi-version CRD. */
export interface VersionInput {
  readonly resource: Source
  /** Default `true`. */
  readonly served?: boolean
  readonly storage: boolean
  readonly deprecated?: boolean
  readonly deprecationWarning?: string
  /** Columns of this version; default: the CRD-wide `printerColumns`. */
  readonly printerColumns?: ReadonlyArray<PrinterColumn>
  /** Fields usable in field selectors (`.spec.color`), Kubernetes ≥ 1.31. */
  readonly selectableFields?: ReadonlyArray<string>
}

/** CRD-wide options. */
export interface Options {
  readonly printerColumns?: ReadonlyArray<PrinterColumn>
  readonly conversion?:
    | { readonly strategy: "None" }
    | {
        readonly webhook: WebhookClientConfig & {
          /** Default `["v1"]`. */
          readonly conversionReviewVersions?: ReadonlyArray<string>
        }
      }
  readonly labels?: { readonly [key: string]: string }
  readonly annotations?: { readonly [key: string]: string }
}

export const isVersionList = (u: Source | ReadonlyArray<VersionInput>): u is ReadonlyArray<VersionInput> =>
  Array.isArray(u)

const columnTypes: ReadonlyArray<unknown> = ["integer", "number", "string", "boolean", "date"]
const columnFormats: ReadonlyArray<unknown> = [
  "int32",
  "int64",
  "float",
  "double",
  "byte",
  "date",
  "date-time",
  "password"
]

export const make = (
  input: Source | ReadonlyArray<VersionInput>,
  options: Options
): { readonly crd?: CustomResourceDefinition; readonly kind: string; readonly issues: ReadonlyArray<Issue> } => {
  const versions: ReadonlyArray<VersionInput> = isVersionList(input) ? input : [{ resource: input, storage: true }]
  const issues: Array<Issue> = []
  const add = (field: string, reason: string, version?: string): void => {
    issues.push(version === undefined ? { field, reason } : { version, field, reason })
  }
  const first = versions[0]
  if (first === undefined) {
    add("versions", "at least one version is needed")
    return { kind: "", issues }
  }
  const head = first.resource
  const multi = versions.length > 1

  // The API placement every version shares.
  versions.forEach((v, i) => {
    const r = v.resource
    for (const key of ["group", "kind", "plural", "singular", "listKind", "scope"] as const) {
      if (r[key] !== head[key])
        add(`versions[${i}].${key}`, `is ${r[key]} but versions[0] has ${head[key]}: one CRD serves one kind`)
    }
    for (const key of ["shortNames", "categories"] as const) {
      if (r[key].join(",") !== head[key].join(","))
        add(`versions[${i}].${key}`, "differs from versions[0]: names are CRD-wide")
    }
  })
  const names = new Set<string>()
  versions.forEach((v, i) => {
    const name = v.resource.version
    if (names.has(name)) add(`versions[${i}].version`, `${name} appears twice`)
    names.add(name)
    for (const e of Names.isDNS1035Label(name)) add(`versions[${i}].version`, `${name}: ${e}`)
  })
  const storage = versions.filter((v) => v.storage).length
  if (storage !== 1) add("versions", `exactly one version must be the storage version, found ${storage}`)
  if (!versions.some((v) => v.served !== false)) add("versions", "no version is served")

  checkNames(head, add)

  const versionObjects: Array<CustomResourceDefinitionVersion> = []
  versions.forEach((v, i) => {
    const r = v.resource
    const label = multi ? r.version : undefined
    if (!r.typed) {
      add(multi ? `versions[${i}]` : "schema", "an unstructured kind has no Schema to generate a CRD from", label)
      return
    }
    const { schema, issues: schemaIssues } = rootSchema(r.schema.ast)
    for (const i of schemaIssues) issues.push(label === undefined ? i : { version: label, ...i })
    if (schema === undefined) return

    const columns = v.printerColumns ?? options.printerColumns ?? []
    columns.forEach((c, ci) => {
      checkColumn(c, `printerColumns[${ci}]`, schema, (f, reason) => add(f, reason, label))
    })
    const seenColumns = new Set<string>()
    for (const c of columns) {
      if (seenColumns.has(c.name)) add("printerColumns", `the column name ${c.name} appears twice`, label)
      seenColumns.add(c.name)
    }
    const selectable = v.selectableFields ?? []
    if (selectable.length > 8) add("selectableFields", "at most 8 selectable fields are allowed", label)
    selectable.forEach((p, si) => {
      const f = `selectableFields[${si}]`
      const target = resolve(schema, p)
      if (target === "invalid") add(f, `${p} must be a simple path such as .spec.color`, label)
      else if (target === "missing") add(f, `${p} is not a field of the kind`, label)
      else if (target === "opaque" || !["string", "integer", "boolean"].includes(target.type ?? "")) {
        add(f, `${p} must be a string, integer or boolean field`, label)
      }
    })

    const scale = r.subresources.scale
    if (scale !== undefined) checkScale(scale, schema, (f, reason) => add(f, reason, label))

    const subresources: { status?: Record<string, never>; scale?: typeof scale } = {}
    if (r.subresources.status) subresources.status = {}
    if (scale !== undefined) {
      subresources.scale =
        scale.labelSelectorPath === undefined
          ? { specReplicasPath: scale.specReplicasPath, statusReplicasPath: scale.statusReplicasPath }
          : {
              specReplicasPath: scale.specReplicasPath,
              statusReplicasPath: scale.statusReplicasPath,
              labelSelectorPath: scale.labelSelectorPath
            }
    }
    versionObjects.push({
      name: r.version,
      served: v.served ?? true,
      storage: v.storage,
      ...(v.deprecated === undefined ? {} : { deprecated: v.deprecated }),
      ...(v.deprecationWarning === undefined ? {} : { deprecationWarning: v.deprecationWarning }),
      schema: { openAPIV3Schema: schema },
      ...(Object.keys(subresources).length > 0 ? { subresources } : {}),
      ...(columns.length > 0 ? { additionalPrinterColumns: columns.map(column) } : {}),
      ...(selectable.length > 0 ? { selectableFields: selectable.map((jsonPath) => ({ jsonPath })) } : {})
    })
  })

  const conversion = conversionOf(options.conversion, add)
  if (issues.length > 0) return { kind: head.kind, issues }

  const crd: CustomResourceDefinition = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${head.plural}.${head.group}`,
      ...(options.labels === undefined ? {} : { labels: { ...options.labels } }),
      ...(options.annotations === undefined ? {} : { annotations: { ...options.annotations } })
    },
    spec: {
      group: head.group,
      names: {
        plural: head.plural,
        singular: head.singular,
        kind: head.kind,
        listKind: head.listKind,
        ...(head.shortNames.length > 0 ? { shortNames: [...head.shortNames] } : {}),
        ...(head.categories.length > 0 ? { categories: [...head.categories] } : {})
      },
      scope: head.scope,
      versions: versionObjects,
      ...(conversion === undefined ? {} : { conversion })
    }
  }
  return { crd, kind: head.kind, issues }
}

const checkNames = (r: Source, add: (field: string, reason: string) => void): void => {
  if (r.group === "") add("group", "a CRD needs an API group (the core group is reserved)")
  else {
    for (const e of Names.isDNS1123Subdomain(r.group)) add("group", `${r.group}: ${e}`)
    if (!r.group.includes(".")) add("group", `${r.group}: should be a domain with at least one dot`)
  }
  const label = (field: string, value: string, lower = false) => {
    if (value === "") add(field, "must not be empty")
    else for (const e of Names.isDNS1035Label(lower ? value.toLowerCase() : value)) add(field, `${value}: ${e}`)
  }
  label("names.plural", r.plural)
  label("names.singular", r.singular)
  label("names.kind", r.kind, true)
  label("names.listKind", r.listKind, true)
  if (r.kind !== "" && r.kind === r.listKind) add("names.listKind", "kind and listKind may not be the same")
  r.shortNames.forEach((s, i) => {
    label(`names.shortNames[${i}]`, s)
  })
  r.categories.forEach((c, i) => {
    label(`names.categories[${i}]`, c)
  })
}

const column = (c: PrinterColumn): PrinterColumn => ({
  name: c.name,
  type: c.type,
  jsonPath: c.jsonPath,
  ...(c.description === undefined ? {} : { description: c.description }),
  ...(c.format === undefined ? {} : { format: c.format }),
  ...(c.priority === undefined ? {} : { priority: c.priority })
})

const checkColumn = (
  c: PrinterColumn,
  field: string,
  schema: JSONSchemaProps,
  add: (field: string, reason: string) => void
): void => {
  if (c.name.trim() === "") add(`${field}.name`, "must not be empty")
  if (!columnTypes.includes(c.type)) add(`${field}.type`, `${c.type} is not one of ${columnTypes.join(", ")}`)
  if (c.format !== undefined && !columnFormats.includes(c.format)) {
    add(`${field}.format`, `${c.format} is not one of ${columnFormats.join(", ")}`)
  }
  if (c.priority !== undefined && (!Number.isInteger(c.priority) || c.priority < 0)) {
    add(`${field}.priority`, "must be a non-negative integer")
  }
  const target = resolve(schema, dottedPrefix(c.jsonPath))
  if (target === "invalid") add(`${field}.jsonPath`, `${c.jsonPath} must be a JSONPath starting with "."`)
  else if (target === "missing")
    add(`${field}.jsonPath`, `${c.jsonPath} names no field of the kind (a typo shows as <none>)`)
}

const checkScale = (
  scale: NonNullable<Subresources["scale"]>,
  schema: JSONSchemaProps,
  add: (field: string, reason: string) => void
): void => {
  const paths = [
    ["specReplicasPath", scale.specReplicasPath, [".spec."], "integer"],
    ["statusReplicasPath", scale.statusReplicasPath, [".status."], "integer"],
    ["labelSelectorPath", scale.labelSelectorPath, [".spec.", ".status."], "string"]
  ] as const
  for (const [name, path, prefixes, type] of paths) {
    if (path === undefined) continue
    const field = `scale.${name}`
    if (!prefixes.some((p) => path.startsWith(p))) {
      add(field, `${path} must be under ${prefixes.join(" or ")}`)
      continue
    }
    const target = resolve(schema, path)
    if (target === "invalid") add(field, `${path} must be a simple path such as .spec.replicas`)
    else if (target === "missing") add(field, `${path} is not a field of the kind`)
    else if (target !== "opaque" && target.type !== type)
      add(field, `${path} must be a ${type} field, not ${target.type ?? "untyped"}`)
  }
}

/** The part of a JSONPath before its first filter or index (`.status.conditions[?…]` → `.status.conditions`). */
const dottedPrefix = (jsonPath: string): string => {
  const cut = jsonPath.search(/[[(*]/)
  const prefix = cut === -1 ? jsonPath : jsonPath.slice(0, cut)
  return prefix.endsWith(".") ? prefix.slice(0, -1) : prefix
}

/**
 * The schema a simple `.a.b.c` path lands on: `opaque` when it runs into a part of the object
 * the schema does not describe (metadata, preserved unknown fields), where anything may exist.
 */
const resolve = (root: JSONSchemaProps, path: string): JSONSchemaProps | "opaque" | "missing" | "invalid" => {
  if (!/^(\.[A-Za-z0-9_-]+)+$/.test(path)) return "invalid"
  const segments = path.slice(1).split(".")
  if (segments[0] === "metadata") return "opaque"
  let cur: JSONSchemaProps = root
  for (const s of segments) {
    const next = cur.properties?.[s] ?? cur.additionalProperties
    if (next === undefined) return cur["x-kubernetes-preserve-unknown-fields"] === true ? "opaque" : "missing"
    cur = next
  }
  return cur
}

const conversionOf = (
  conversion: Options["conversion"],
  add: (field: string, reason: string) => void
): CustomResourceConversion | undefined => {
  if (conversion === undefined) return undefined
  if ("strategy" in conversion) return { strategy: "None" }
  const { conversionReviewVersions, service, url, caBundle } = conversion.webhook
  if ((service === undefined) === (url === undefined)) {
    add("conversion.webhook", "exactly one of service and url must be given")
  }
  if (url !== undefined) {
    if (!url.startsWith("https://")) add("conversion.webhook.url", `${url} must use https`)
    if (/[?#]/.test(url)) add("conversion.webhook.url", `${url} must not have a query or fragment`)
  }
  if (service?.path !== undefined && !service.path.startsWith("/")) {
    add("conversion.webhook.service.path", `${service.path} must start with /`)
  }
  if (service?.port !== undefined && (!Number.isInteger(service.port) || service.port < 1 || service.port > 65535)) {
    add("conversion.webhook.service.port", `${service.port} is not a port number`)
  }
  const reviewVersions = conversionReviewVersions ?? ["v1"]
  if (reviewVersions.length === 0) add("conversion.webhook.conversionReviewVersions", "must not be empty")
  const clientConfig: WebhookClientConfig = {
    ...(service === undefined ? {} : { service: { ...service } }),
    ...(url === undefined ? {} : { url }),
    ...(caBundle === undefined ? {} : { caBundle })
  }
  return { strategy: "Webhook", webhook: { clientConfig, conversionReviewVersions: [...reviewVersions] } }
}
