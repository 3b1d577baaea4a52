/**
 * The JSON shapes of an `apiextensions.k8s.io/v1` CustomResourceDefinition that the generator
 * produces (re-exported from `Crd`).
 */

/** A JSON value, as it appears in a `default` or an `enum`. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** The OpenAPI types a structural schema may name. */
export type OpenApiType = "object" | "array" | "string" | "integer" | "number" | "boolean"

/** `x-kubernetes-list-type`. */
export type ListType = "atomic" | "set" | "map"

/** `x-kubernetes-map-type`. */
export type MapType = "granular" | "atomic"

/** The `reason` a failing CEL rule reports (`FieldValueInvalid` by default). */
export type ValidationReason =
  | "FieldValueInvalid"
  | "FieldValueForbidden"
  | "FieldValueRequired"
  | "FieldValueDuplicate"

/** One entry of `x-kubernetes-validations`: a CEL rule evaluated by the apiserver on admission. */
export interface ValidationRule {
  /** The CEL expression; `self` is the value of the annotated field, `oldSelf` its previous value. */
  readonly rule: string
  /** Shown when the rule is false (a single line). */
  readonly message?: string
  /** A CEL expression producing the message (wins over `message`). */
  readonly messageExpression?: string
  readonly reason?: ValidationReason
  /** A JSONPath-like path, relative to `self`, that the error names instead of the field itself. */
  readonly fieldPath?: string
  /** Evaluate transition rules on create too, with `oldSelf` an absent optional. */
  readonly optionalOldSelf?: boolean
}

/** The `format`s kube-openapi validates. */
export type Format =
  | "bsonobjectid"
  | "uri"
  | "email"
  | "hostname"
  | "ipv4"
  | "ipv6"
  | "cidr"
  | "mac"
  | "uuid"
  | "uuid3"
  | "uuid4"
  | "uuid5"
  | "isbn"
  | "isbn10"
  | "isbn13"
  | "creditcard"
  | "ssn"
  | "hexcolor"
  | "rgbcolor"
  | "byte"
  | "password"
  | "date"
  | "duration"
  | "datetime"
  | "date-time"
  | "int32"
  | "int64"
  | "float"
  | "double"

/** A structural OpenAPI v3 schema (`JSONSchemaProps`), as plain JSON. */
export interface JSONSchemaProps {
  readonly type?: OpenApiType
  readonly description?: string
  readonly format?: string
  readonly default?: Json
  readonly nullable?: boolean
  readonly enum?: ReadonlyArray<Json>
  readonly minimum?: number
  readonly exclusiveMinimum?: boolean
  readonly maximum?: number
  readonly exclusiveMaximum?: boolean
  readonly multipleOf?: number
  readonly minLength?: number
  readonly maxLength?: number
  readonly pattern?: string
  readonly minItems?: number
  readonly maxItems?: number
  readonly minProperties?: number
  readonly maxProperties?: number
  readonly properties?: { readonly [name: string]: JSONSchemaProps }
  readonly required?: ReadonlyArray<string>
  readonly additionalProperties?: JSONSchemaProps
  readonly items?: JSONSchemaProps
  readonly anyOf?: ReadonlyArray<JSONSchemaProps>
  readonly allOf?: ReadonlyArray<JSONSchemaProps>
  readonly "x-kubernetes-preserve-unknown-fields"?: true
  readonly "x-kubernetes-int-or-string"?: true
  readonly "x-kubernetes-embedded-resource"?: true
  readonly "x-kubernetes-list-type"?: ListType
  readonly "x-kubernetes-list-map-keys"?: ReadonlyArray<string>
  readonly "x-kubernetes-map-type"?: MapType
  readonly "x-kubernetes-validations"?: ReadonlyArray<ValidationRule>
}

/** The column types `additionalPrinterColumns` accepts. */
export type PrinterColumnType = "integer" | "number" | "string" | "boolean" | "date"

/** One `additionalPrinterColumns` entry (`kubectl get` output). */
export interface PrinterColumn {
  readonly name: string
  readonly type: PrinterColumnType
  /** A simple JSONPath into the object, e.g. `.status.readyReplicas`. */
  readonly jsonPath: string
  readonly description?: string
  readonly format?: string
  /** 0 = shown by default; higher = only with `-o wide`. */
  readonly priority?: number
}

/** `spec.versions[].subresources.scale`. */
export interface ScaleSubresource {
  readonly specReplicasPath: string
  readonly statusReplicasPath: string
  readonly labelSelectorPath?: string
}

/** One entry of `spec.versions`. */
export interface CustomResourceDefinitionVersion {
  readonly name: string
  readonly served: boolean
  readonly storage: boolean
  readonly deprecated?: boolean
  readonly deprecationWarning?: string
  readonly schema: { readonly openAPIV3Schema: JSONSchemaProps }
  readonly subresources?: {
    readonly status?: { readonly [key: string]: never }
    readonly scale?: ScaleSubresource
  }
  readonly additionalPrinterColumns?: ReadonlyArray<PrinterColumn>
  readonly selectableFields?: ReadonlyArray<{ readonly jsonPath: string }>
}

/** `spec.names`. */
export interface CustomResourceDefinitionNames {
  readonly plural: string
  readonly singular: string
  readonly kind: string
  readonly listKind: string
  readonly shortNames?: ReadonlyArray<string>
  readonly categories?: ReadonlyArray<string>
}

/** Where the apiserver sends ConversionReviews. Exactly one of `service` and `url`. */
export interface WebhookClientConfig {
  readonly service?: {
    readonly namespace: string
    readonly name: string
    readonly path?: string
    readonly port?: number
  }
  readonly url?: string
  /** PEM bundle, base64-encoded, that signs the webhook's serving certificate. */
  readonly caBundle?: string
}

/** `spec.conversion`. */
export type CustomResourceConversion =
  | { readonly strategy: "None" }
  | {
      readonly strategy: "Webhook"
      readonly webhook: {
        readonly clientConfig: WebhookClientConfig
        readonly conversionReviewVersions: ReadonlyArray<string>
      }
    }

/** An `apiextensions.k8s.io/v1` CustomResourceDefinition as plain JSON, ready to apply. */
export interface CustomResourceDefinition {
  readonly apiVersion: "apiextensions.k8s.io/v1"
  readonly kind: "CustomResourceDefinition"
  readonly metadata: {
    readonly name: string
    readonly labels?: { readonly [key: string]: string }
    readonly annotations?: { readonly [key: string]: string }
  }
  readonly spec: {
    readonly group: string
    readonly names: CustomResourceDefinitionNames
    readonly scope: "Namespaced" | "Cluster"
    readonly versions: ReadonlyArray<CustomResourceDefinitionVersion>
    readonly conversion?: CustomResourceConversion
  }
}

/** One reason a kind cannot become a CRD: the field (or definition part) and why. */
export interface Issue {
  /** The API version the issue is in, when the CRD has several. */
  readonly version?: string
  /**
   * Where: a field path in the custom object (`spec.rules[*].host`; `[*]` = any array item or
   * map value), or a part of the definition (`names.plural`, `printerColumns[0].jsonPath`).
   */
  readonly field: string
  readonly reason: string
}
