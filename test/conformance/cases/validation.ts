/**
 * The exact error types and Status shapes of bad requests: invalid names and fields, schema
 * violations, wrong kinds and paths, bad selectors and options.
 */
import * as Effect from "effect/Effect"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Check from "../harness/Check.js"
import { api, configMap, configMaps, Namespaces, Pods, widget, widgets } from "../harness/kube.js"
import { type ConformanceCase, FixtureGroup, Target } from "../harness/Target.js"

const subdomainMessage =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const namePartMessage =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
const labelValueMessage =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

export const validationCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "validation/invalid-name",
    title: "an upper-case name is a 422 Invalid with a metadata.name cause",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("create", cms.create(configMap("Bad_Name")), {
        _tag: "Invalid",
        code: 422,
        reason: "Invalid",
        message: `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${subdomainMessage}`,
        details: { name: "Bad_Name", kind: "ConfigMap" },
        causes: [
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: "Bad_Name": ${subdomainMessage}`,
            field: "metadata.name"
          }
        ]
      })
    })
  },
  {
    id: "validation/missing-name",
    title: "a create without name or generateName is a 422 with a Required cause",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("create", cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }), {
        _tag: "Invalid",
        code: 422,
        reason: "Invalid",
        message: 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
        details: { kind: "ConfigMap" },
        causes: [
          {
            reason: "FieldValueRequired",
            message: "Required value: name or generateName is required",
            field: "metadata.name"
          }
        ]
      })
    })
  },
  {
    id: "validation/name-too-long",
    title: "a 254-character name is too long for a DNS subdomain",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const name = "a".repeat(254)
      yield* Check.fails("create", cms.create(configMap(name)), {
        _tag: "Invalid",
        code: 422,
        message: `ConfigMap "${name}" is invalid: metadata.name: Invalid value: "${name}": must be no more than 253 characters`,
        causes: [{ reason: "FieldValueInvalid", field: "metadata.name" }]
      })
    })
  },
  {
    id: "validation/namespace-name-is-a-label",
    title: "a Namespace name must be a DNS label: dots are refused",
    run: Effect.gen(function* () {
      const namespaces = yield* api(Namespaces)
      yield* Check.fails(
        "create",
        namespaces.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bad.name" } }),
        {
          _tag: "Invalid",
          code: 422,
          message: 'Namespace "bad.name" is invalid: metadata.name: Invalid value: "bad.name": must not contain dots',
          details: { name: "bad.name", kind: "Namespace" },
          causes: [
            {
              reason: "FieldValueInvalid",
              message: 'Invalid value: "bad.name": must not contain dots',
              field: "metadata.name"
            }
          ]
        }
      )
    })
  },
  {
    id: "validation/invalid-label-value",
    title: "an invalid label value is refused with a metadata.labels cause",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("create", cms.create(configMap("a", undefined, { labels: { app: "bad value!" } })), {
        _tag: "Invalid",
        code: 422,
        message: `ConfigMap "a" is invalid: metadata.labels: Invalid value: "bad value!": ${labelValueMessage}`,
        causes: [
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: "bad value!": ${labelValueMessage}`,
            field: "metadata.labels"
          }
        ]
      })
    })
  },
  {
    id: "validation/invalid-label-key",
    title: "an invalid label key is refused with a metadata.labels cause",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("create", cms.create(configMap("a", undefined, { labels: { "bad key": "v" } })), {
        _tag: "Invalid",
        code: 422,
        message: `ConfigMap "a" is invalid: metadata.labels: Invalid value: "bad key": ${namePartMessage}`,
        causes: [{ reason: "FieldValueInvalid", field: "metadata.labels" }]
      })
    })
  },
  {
    id: "validation/invalid-annotation-key",
    title: "an invalid annotation key is refused with a metadata.annotations cause",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("create", cms.create(configMap("a", undefined, { annotations: { "bad key": "v" } })), {
        _tag: "Invalid",
        code: 422,
        message: `ConfigMap "a" is invalid: metadata.annotations: Invalid value: "bad key": ${namePartMessage}`,
        causes: [{ reason: "FieldValueInvalid", field: "metadata.annotations" }]
      })
    })
  },
  {
    id: "validation/configmap-data-key",
    title: "a ConfigMap data key with a space is refused with a data[key] cause",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("create", cms.create(configMap("a", { "a b": "v" })), {
        _tag: "Invalid",
        code: 422,
        message:
          "ConfigMap \"a\" is invalid: data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        causes: [{ reason: "FieldValueInvalid", field: "data[a b]" }]
      })
    })
  },
  {
    id: "validation/invalid-generate-name",
    title: "an invalid generateName yields causes for generateName and the generated name",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails(
        "create",
        cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "Bad-" } }),
        {
          _tag: "Invalid",
          code: 422,
          message: /^ConfigMap "Bad-[a-z0-9]{5}" is invalid: \[metadata\.generateName: Invalid value: "Bad-": /,
          causes: [
            {
              reason: "FieldValueInvalid",
              message: `Invalid value: "Bad-": ${subdomainMessage}`,
              field: "metadata.generateName"
            },
            { reason: "FieldValueInvalid", field: "metadata.name" }
          ]
        }
      )
    })
  },
  {
    id: "validation/invalid-finalizer",
    title: "a finalizer that is not a qualified name is refused",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("create", cms.create(configMap("a", undefined, { finalizers: ["bad finalizer!"] })), {
        _tag: "Invalid",
        code: 422,
        message:
          /^ConfigMap "a" is invalid: \[metadata\.finalizers: Invalid value: "bad finalizer!": name part must consist/,
        causes: [
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: "bad finalizer!": ${namePartMessage}`,
            field: "metadata.finalizers"
          },
          {
            reason: "FieldValueInvalid",
            message:
              'Invalid value: "bad finalizer!": name is neither a standard finalizer name nor is it fully qualified',
            field: "metadata.finalizers[0]"
          }
        ]
      })
    })
  },
  {
    id: "validation/pod-without-containers",
    title: "a Pod without containers is refused with a spec.containers Required cause",
    run: Effect.gen(function* () {
      const pods = yield* api(Pods)
      yield* Check.fails(
        "create",
        pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [] } }),
        {
          _tag: "Invalid",
          code: 422,
          message: 'Pod "p" is invalid: spec.containers: Required value',
          details: { name: "p", kind: "Pod" },
          causes: [{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers" }]
        }
      )
    })
  },
  {
    id: "validation/immutable-configmap",
    title: "changing the data of an immutable ConfigMap is Forbidden",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      const created = yield* cms.create({ ...configMap("a", { k: "1" }), immutable: true })
      yield* Check.fails("replace", cms.replace({ ...created, data: { k: "2" } }), {
        _tag: "Invalid",
        code: 422,
        message: 'ConfigMap "a" is invalid: data: Forbidden: field is immutable when `immutable` is set',
        causes: [
          {
            reason: "FieldValueForbidden",
            message: "Forbidden: field is immutable when `immutable` is set",
            field: "data"
          }
        ]
      })
    })
  },
  {
    id: "validation/custom-resource-schema-types",
    title: "a custom resource violating its schema gets one cause per field",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* Check.fails("create", ws.create(widget("w", { image: "", replicas: "three", size: "huge" })), {
        _tag: "Invalid",
        code: 422,
        reason: "Invalid",
        // The order of schema errors follows Go map iteration on the real server: any order.
        message: /^Widget\.conformance\.effect-kube\.io "w" is invalid: \[.*\]$/,
        messageIncludes: [
          'spec.image: Invalid value: "": spec.image in body should be at least 1 chars long',
          'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
          'spec.size: Unsupported value: "huge": supported values: "small", "large"'
        ],
        details: { name: "w", group: FixtureGroup, kind: "Widget" },
        unorderedCauses: true,
        causes: [
          {
            reason: "FieldValueInvalid",
            message: 'Invalid value: "": spec.image in body should be at least 1 chars long',
            field: "spec.image"
          },
          {
            reason: "FieldValueTypeInvalid",
            message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
            field: "spec.replicas"
          },
          {
            reason: "FieldValueNotSupported",
            message: 'Unsupported value: "huge": supported values: "small", "large"',
            field: "spec.size"
          }
        ]
      })
    })
  },
  {
    id: "validation/custom-resource-required-and-maximum",
    title: "a missing required field and a value above the maximum are both reported",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* Check.fails("create", ws.create(widget("w", { replicas: 11 })), {
        _tag: "Invalid",
        code: 422,
        message: /^Widget\.conformance\.effect-kube\.io "w" is invalid: \[.*\]$/,
        messageIncludes: [
          "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10",
          "spec.image: Required value"
        ],
        unorderedCauses: true,
        causes: [
          {
            reason: "FieldValueInvalid",
            message: "Invalid value: 11: spec.replicas in body should be less than or equal to 10",
            field: "spec.replicas"
          },
          { reason: "FieldValueRequired", message: "Required value", field: "spec.image" }
        ]
      })
    })
  },
  {
    id: "validation/custom-resource-invalid-name",
    title: "custom resource names are DNS subdomains; the message names Kind.group",
    run: Effect.gen(function* () {
      const ws = yield* widgets
      yield* Check.fails("create", ws.create(widget("Bad", { image: "x" })), {
        _tag: "Invalid",
        code: 422,
        message: `Widget.conformance.effect-kube.io "Bad" is invalid: metadata.name: Invalid value: "Bad": ${subdomainMessage}`,
        details: { name: "Bad", group: FixtureGroup, kind: "Widget" },
        causes: [{ reason: "FieldValueInvalid", field: "metadata.name" }]
      })
    })
  },
  {
    id: "validation/unknown-resource",
    title: "an unknown resource of a served group/version is a generic 404 Status",
    run: Effect.gen(function* () {
      const kube = yield* KubeApi
      for (const path of ["/api/v1/nothings", "/apis/apps/v1/nothings", "/apis/apps/v9/deployments"]) {
        yield* Check.fails(`GET ${path}`, kube.request({ method: "GET", path }), {
          _tag: "NotFound",
          code: 404,
          reason: "NotFound",
          message: "the server could not find the requested resource"
        })
      }
    })
  },
  {
    id: "validation/unknown-group",
    title: "a path under a group nobody serves is a plain-text 404 (no Status)",
    run: Effect.gen(function* () {
      const kube = yield* KubeApi
      yield* Check.fails("get", kube.request({ method: "GET", path: "/apis/nothing.example.com/v1/things" }), {
        _tag: "NotFound",
        code: 404,
        message: "404 page not found\n"
      })
    })
  },
  {
    id: "validation/bad-label-selector",
    title: "an unparsable label selector is a 400 BadRequest with the parser's message",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("list", cms.list({ labelSelector: "a in (" }), {
        _tag: "BadRequest",
        code: 400,
        reason: "BadRequest",
        message: "unable to parse requirement: found '', expected: ',', ')' or identifier"
      })
      yield* Check.fails("list", cms.list({ labelSelector: "a===b" }), {
        _tag: "BadRequest",
        code: 400,
        message: "unable to parse requirement: found '=', expected: identifier"
      })
    })
  },
  {
    id: "validation/unsupported-field-selector",
    title: "a field selector on a field the kind does not index is a 400 naming the supported ones",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("list", cms.list({ fieldSelector: "spec.foo=bar" }), {
        _tag: "BadRequest",
        code: 400,
        reason: "BadRequest",
        message: '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"'
      })
    })
  },
  {
    id: "validation/field-selector-syntax",
    title: "a field selector term without an operator is a 400",
    run: Effect.gen(function* () {
      const cms = yield* configMaps
      yield* Check.fails("list", cms.list({ fieldSelector: "metadata.name" }), {
        _tag: "BadRequest",
        code: 400,
        message: "invalid selector: 'metadata.name'; can't understand 'metadata.name'"
      })
    })
  },
  {
    id: "validation/resource-version-match-without-resource-version",
    title: "resourceVersionMatch without resourceVersion is an Invalid ListOptions",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      yield* Check.fails(
        "list",
        kube.request({
          method: "GET",
          path: `/api/v1/namespaces/${target.namespace}/configmaps`,
          query: { resourceVersionMatch: "NotOlderThan" }
        }),
        {
          _tag: "Invalid",
          code: 422,
          message:
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
          details: { group: "meta.k8s.io", kind: "ListOptions" },
          causes: [
            {
              reason: "FieldValueForbidden",
              message: "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
              field: "resourceVersionMatch"
            }
          ]
        }
      )
    })
  },
  {
    id: "validation/apply-requires-field-manager",
    title: "an apply patch without fieldManager is an Invalid PatchOptions",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      yield* Check.fails(
        "apply",
        kube.request({
          method: "PATCH",
          path: `/api/v1/namespaces/${target.namespace}/configmaps/a`,
          body: configMap("a", { k: "v" }),
          contentType: "application/apply-patch+yaml"
        }),
        {
          _tag: "Invalid",
          code: 422,
          message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
          details: { group: "meta.k8s.io", kind: "PatchOptions" },
          causes: [
            {
              reason: "FieldValueRequired",
              message: "Required value: is required for apply patch",
              field: "fieldManager"
            }
          ]
        }
      )
    })
  },
  {
    id: "validation/force-on-non-apply-patch",
    title: "force=true on a merge patch is an Invalid PatchOptions",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      yield* Check.fails(
        "patch",
        kube.request({
          method: "PATCH",
          path: `/api/v1/namespaces/${target.namespace}/configmaps/a`,
          query: { fieldManager: "m", force: "true" },
          body: { data: { k: "v" } },
          contentType: "application/merge-patch+json"
        }),
        {
          _tag: "Invalid",
          code: 422,
          message: 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
          causes: [
            {
              reason: "FieldValueForbidden",
              message: "Forbidden: may not be specified for non-apply patch",
              field: "force"
            }
          ]
        }
      )
    })
  },
  {
    id: "validation/update-name-mismatch",
    title: "a PUT whose body names another object is a 400",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      yield* Check.fails(
        "replace",
        kube.request({
          method: "PUT",
          path: `/api/v1/namespaces/${target.namespace}/configmaps/a`,
          body: configMap("other", { k: "v" })
        }),
        {
          _tag: "BadRequest",
          code: 400,
          reason: "BadRequest",
          message: "the name of the object (other) does not match the name on the URL (a)"
        }
      )
    })
  },
  {
    id: "validation/unsupported-patch-content-type",
    title: "a PATCH with a Content-Type that is no patch type is a 415",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      yield* Check.fails(
        "patch",
        kube.request({
          method: "PATCH",
          path: `/api/v1/namespaces/${target.namespace}/configmaps/a`,
          body: { data: { k: "v" } },
          contentType: "application/json"
        }),
        {
          _tag: "UnsupportedMediaType",
          code: 415,
          reason: "UnsupportedMediaType",
          message: "415: Unsupported Media Type"
        }
      )
    })
  },
  {
    id: "validation/json-patch-not-a-list",
    title: "a JSON patch body that is not a list of operations is a 400",
    run: Effect.gen(function* () {
      const target = yield* Target
      const kube = yield* KubeApi
      const cms = yield* configMaps
      yield* cms.create(configMap("a"))
      yield* Check.fails(
        "patch",
        kube.request({
          method: "PATCH",
          path: `/api/v1/namespaces/${target.namespace}/configmaps/a`,
          body: { op: "add", path: "/data", value: {} },
          contentType: "application/json-patch+json"
        }),
        { _tag: "BadRequest", code: 400, reason: "BadRequest", message: /^error decoding patch: / }
      )
    })
  }
]
