/**
 * The conformance suite on the real kube-apiserver (built from test/kube-apiserver, cached).
 */
import { defineSuite } from "./harness/suite.js"
import { real } from "./harness/targets.js"

defineSuite("real", real, { caseTimeout: 120_000 })
