import { describe, expect, it } from "@effect/vitest"
import * as Errors from "../src/Errors.js"
import * as Kinds from "../src/Kinds.js"
import * as Names from "../src/Names.js"

// Message texts recorded from k8s.io/apimachinery v0.37.2.
const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
const labelKeyNameMsg =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

describe("Names: DNS rules", () => {
  it("DNS-1123 subdomain: lower case labels joined by dots, ≤ 253", () => {
    expect(Names.isDNS1123Subdomain("example.com")).toEqual([])
    expect(Names.isDNS1123Subdomain("a".repeat(253))).toEqual([])
    expect(Names.isDNS1123Subdomain("Bad_Name")).toEqual([subdomainMsg])
    expect(Names.isDNS1123Subdomain("a".repeat(254))).toEqual(["must be no more than 253 characters"])
    expect(Names.isDNS1123Subdomain("a..b")).toEqual([subdomainMsg])
    expect(Names.isDNS1123Subdomain("")).toEqual([subdomainMsg])
  })

  it("DNS-1123 label: no dots (with its own message), ≤ 63", () => {
    expect(Names.isDNS1123Label("web-1")).toEqual([])
    expect(Names.isDNS1123Label("a.b")).toEqual(["must not contain dots"])
    expect(Names.isDNS1123Label("Bad_Name")).toEqual([labelMsg])
    expect(Names.isDNS1123Label("a".repeat(64))).toEqual(["must be no more than 63 characters"])
    // Go counts bytes: 40 × "é" is 80 bytes
    expect(Names.isDNS1123Label("é".repeat(40))).toEqual(["must be no more than 63 characters", labelMsg])
  })

  it("DNS-1035 label: starts with a letter", () => {
    expect(Names.isDNS1035Label("abc-123")).toEqual([])
    expect(Names.isDNS1035Label("1abc")).toEqual([dns1035Msg])
  })
})

describe("Names: label keys and values", () => {
  it("accepts qualified names with an optional DNS prefix", () => {
    for (const key of ["app", "MyName", "my.name", "123-abc", "app.kubernetes.io/name", "x/Y_z"]) {
      expect(Names.isLabelKey(key), key).toEqual([])
    }
  })

  it("rejects bad keys with apimachinery's texts (content package: lengths in bytes)", () => {
    expect(Names.isLabelKey("-a")).toEqual([labelKeyNameMsg])
    expect(Names.isLabelKey("/a")).toEqual(["prefix part must be non-empty"])
    expect(Names.isLabelKey("a/")).toEqual(["name part must be non-empty", labelKeyNameMsg])
    expect(Names.isLabelKey("k".repeat(64))).toEqual(["name part must be no more than 63 bytes"])
    expect(Names.isLabelKey(`${"p".repeat(254)}/a`)).toEqual(["prefix part must be no more than 253 bytes"])
    expect(Names.isLabelKey("A.io/a")).toEqual([`prefix part ${subdomainMsg}`])
    expect(Names.isLabelKey("a/b/c")).toHaveLength(1)
    expect(Names.isLabelKey("a/b/c")[0]).toMatch(
      /^a valid label key must consist of .* with an optional DNS subdomain prefix/
    )
    expect(Names.isQualifiedName).toBe(Names.isLabelKey)
  })

  it("label values may be empty, else ≤ 63 alphanumerics with -_. inside", () => {
    expect(Names.isLabelValue("")).toEqual([])
    expect(Names.isLabelValue("my_value")).toEqual([])
    expect(Names.isLabelValue("-x")).toEqual([labelValueMsg])
    expect(Names.isLabelValue("v".repeat(64))).toEqual(["must be no more than 63 bytes"])
  })
})

describe("Names: object names", () => {
  it("generateName: a trailing dash is masked (the last two characters become 'a')", () => {
    expect(Names.nameIsDNSSubdomain("web-", true)).toEqual([])
    expect(Names.nameIsDNSSubdomain("web-", false)).toEqual([subdomainMsg])
    expect(Names.nameIsDNSSubdomain("-", true)).toEqual([subdomainMsg])
    // "Ab-" masks to "Aa", still upper case
    expect(Names.nameIsDNSSubdomain("Ab-", true)).toEqual([subdomainMsg])
    expect(Names.nameIsDNSLabel("ns-", true)).toEqual([])
    expect(Names.nameIsDNS1035Label("svc-", true)).toEqual([])
  })

  it("picks the 1.37 rule per kind", () => {
    expect(Names.nameValidatorFor(Kinds.Namespace)).toBe(Names.nameIsDNSLabel)
    expect(Names.nameValidatorFor(Kinds.Service)).toBe(Names.nameIsDNSLabel)
    expect(Names.nameValidatorFor(Kinds.ConfigMap)).toBe(Names.nameIsDNSSubdomain)
    expect(Names.nameValidatorFor(Kinds.Deployment)).toBe(Names.nameIsDNSSubdomain)
    expect(Names.nameValidatorFor({ group: "example.com", kind: "Service" })).toBe(Names.nameIsDNSSubdomain)
  })

  it("path segments and CRD names", () => {
    expect(Names.isPathSegmentName("..")).toEqual(["may not be '..'"])
    expect(Names.isPathSegmentName("a/b%c")).toEqual(["may not contain '/'", "may not contain '%'"])
    expect(Names.isPathSegmentPrefix("..")).toEqual([])
    expect(Names.crdNameErrors("websites.example.com", "websites", "example.com")).toEqual([])
    expect(Names.crdNameErrors("website.example.com", "websites", "example.com")).toEqual([
      'must be spec.names.plural+"."+spec.group'
    ])
  })
})

describe("Names: the Invalid status", () => {
  // Recorded from ValidateObjectMeta + apierrors.NewInvalid (v0.37.2); the server adds kind/apiVersion.
  it("one invalid name", () => {
    const errors = Names.validateObjectName({ name: "Bad_Name" }, Names.nameIsDNSSubdomain)
    expect(Names.invalidStatus(Kinds.ConfigMap, "Bad_Name", errors)).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${subdomainMsg}`,
      reason: "Invalid",
      details: {
        name: "Bad_Name",
        kind: "ConfigMap",
        causes: [
          { reason: "FieldValueInvalid", message: `Invalid value: "Bad_Name": ${subdomainMsg}`, field: "metadata.name" }
        ]
      },
      code: 422
    })
  })

  it("several errors aggregate in brackets; the group qualifies the kind", () => {
    const errors = Names.validateObjectName({ generateName: "Web-" }, Names.nameIsDNSSubdomain)
    const status = Names.invalidStatus(Kinds.Deployment, "", errors)
    expect(status.message).toBe(
      `Deployment.apps "" is invalid: [metadata.generateName: Invalid value: "Web-": ${subdomainMsg}, metadata.name: Required value: name or generateName is required]`
    )
    expect(status.details).toEqual({
      group: "apps",
      kind: "Deployment",
      causes: [
        {
          reason: "FieldValueInvalid",
          message: `Invalid value: "Web-": ${subdomainMsg}`,
          field: "metadata.generateName"
        },
        {
          reason: "FieldValueRequired",
          message: "Required value: name or generateName is required",
          field: "metadata.name"
        }
      ]
    })
  })

  it("namespace names are labels; no errors → no causes", () => {
    const ns = Names.invalidStatus(
      Kinds.Namespace,
      "a.b",
      Names.validateObjectName({ name: "a.b" }, Names.nameIsDNSLabel)
    )
    expect(ns.message).toBe('Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots')
    expect(Names.invalidStatus(Kinds.ConfigMap, "ok", []).details).toEqual({ name: "ok", kind: "ConfigMap" })
    expect(Names.validateObjectName({ name: "ok" }, Names.nameIsDNSSubdomain)).toEqual([])
  })

  it("the status maps back to a typed Invalid error carrying the causes", () => {
    const status = Names.invalidStatus(Kinds.ConfigMap, "Bad_Name", [
      Names.invalid("metadata.name", "Bad_Name", "nope")
    ])
    const error = Errors.fromStatus(422, status)
    expect(error._tag).toBe("Invalid")
    expect(error._tag === "Invalid" && error.causes).toEqual([
      { reason: "FieldValueInvalid", message: 'Invalid value: "Bad_Name": nope', field: "metadata.name" }
    ])
  })

  it("field error bodies print values like Go: strings quoted, scalars bare, the rest as JSON", () => {
    expect(Names.fieldErrorBody(Names.invalid("spec.replicas", -1, "must be greater than or equal to 0"))).toBe(
      "Invalid value: -1: must be greater than or equal to 0"
    )
    expect(Names.fieldErrorBody(Names.invalid("spec.paused", true, "x"))).toBe("Invalid value: true: x")
    expect(Names.fieldErrorBody(Names.invalid("values", ["a"], "x"))).toBe('Invalid value: ["a"]: x')
    expect(Names.fieldErrorBody(Names.required("spec", ""))).toBe("Required value")
    expect(Names.aggregate(["a", "a"])).toBe("a")
    expect(Names.aggregate(["a", "b", "a"])).toBe("[a, b]")
  })
})
