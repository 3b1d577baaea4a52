/**
 * Deterministic ConfigMaps of ~1 KiB with realistic metadata (labels, annotations, managedFields
 * from a client-side apply), generated from an index so servers never hold the whole set.
 */

/** Namespaces the objects are spread over. */
export const Namespaces = 20

const filler = (i: number, len: number): string => {
  // Varied but cheap: avoids every object compressing/hashing identically.
  const base = `v${i.toString(36)}-`
  return base.repeat(Math.ceil(len / base.length)).slice(0, len)
}

/** The namespace of object `i`. */
export const namespaceOf = (i: number): string => `bench-${i % Namespaces}`

/** The name of object `i`. */
export const nameOf = (i: number): string => `cm-${i.toString().padStart(7, "0")}`

/** A ConfigMap body as a client would create it (no server-set fields). */
export const createBody = (i: number) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name: nameOf(i),
    namespace: namespaceOf(i),
    labels: {
      app: `app-${i % 97}`,
      tier: i % 3 === 0 ? "frontend" : "backend",
      "app.kubernetes.io/managed-by": "bench",
      "app.kubernetes.io/part-of": "effect-kube-bench"
    },
    annotations: {
      "bench.effect-kube.io/owner": `team-${i % 13}`,
      "bench.effect-kube.io/revision": String(i % 1000)
    }
  },
  data: {
    "config.yaml": filler(i, 110),
    "feature-flags": filler(i + 1, 40),
    "endpoint.url": `https://svc-${i % 211}.bench.svc.cluster.local:8443/api/v1`
  }
})

const managedFields = (i: number) => [
  {
    manager: "kubectl-client-side-apply",
    operation: "Update",
    apiVersion: "v1",
    time: "2026-01-01T00:00:00Z",
    fieldsType: "FieldsV1",
    fieldsV1: {
      "f:data": { ".": {}, "f:config.yaml": {}, "f:endpoint.url": {}, "f:feature-flags": {} },
      "f:metadata": {
        "f:annotations": {
          ".": {},
          "f:bench.effect-kube.io/owner": {},
          "f:bench.effect-kube.io/revision": {},
          "f:kubectl.kubernetes.io/last-applied-configuration": {}
        },
        "f:labels": {
          ".": {},
          "f:app": {},
          "f:app.kubernetes.io/managed-by": {},
          "f:app.kubernetes.io/part-of": {},
          "f:tier": {}
        }
      }
    }
  },
  {
    manager: `controller-${i % 5}`,
    operation: "Update",
    apiVersion: "v1",
    time: "2026-01-02T00:00:00Z",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:metadata": { "f:annotations": { "f:bench.effect-kube.io/revision": {} } } }
  }
]

const uidOf = (i: number): string => {
  const h = (i * 2654435761) >>> 0
  const hex = h.toString(16).padStart(8, "0")
  return `${hex}-0000-4000-8000-${i.toString(16).padStart(12, "0")}`
}

/** A ConfigMap as a server returns it: uid, resourceVersion, creationTimestamp, managedFields. */
export const serverObject = (i: number, resourceVersion: number = i + 1) => {
  const body = createBody(i)
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      ...body.metadata,
      uid: uidOf(i),
      resourceVersion: String(resourceVersion),
      creationTimestamp: "2026-01-01T00:00:00Z",
      managedFields: managedFields(i)
    },
    data: body.data
  }
}

/** JSON bytes of objects 0..n-1 as served (the P3 denominator), and the same with managedFields stripped. */
export const jsonBytes = (n: number): { readonly full: number; readonly stripped: number } => {
  let full = 0
  let stripped = 0
  for (let i = 0; i < n; i++) {
    const object = serverObject(i)
    full += Buffer.byteLength(JSON.stringify(object))
    const { managedFields: _dropped, ...metadata } = object.metadata
    stripped += Buffer.byteLength(JSON.stringify({ ...object, metadata }))
  }
  return { full, stripped }
}
