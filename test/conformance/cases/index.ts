/**
 * Every conformance case, in report order.
 */
import type { ConformanceCase } from "../harness/Target.js"
import { applyCases } from "./apply.js"
import { crdCases } from "./crd.js"
import { crudCases } from "./crud.js"
import { discoveryCases } from "./discovery.js"
import { finalizerCases } from "./finalizers.js"
import { listCases } from "./list.js"
import { patchCases } from "./patch.js"
import { statusCases } from "./status.js"
import { validationCases } from "./validation.js"
import { versionCases } from "./versions.js"
import { watchCases } from "./watch.js"

export const allCases: ReadonlyArray<ConformanceCase> = [
  ...crudCases,
  ...validationCases,
  ...versionCases,
  ...statusCases,
  ...finalizerCases,
  ...patchCases,
  ...applyCases,
  ...listCases,
  ...watchCases,
  ...crdCases,
  ...discoveryCases
]

const ids = new Set<string>()
for (const c of allCases) {
  if (ids.has(c.id)) throw new Error(`duplicate conformance case id ${c.id}`)
  ids.add(c.id)
}
