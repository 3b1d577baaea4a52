/**
 * The conformance suite on the in-memory mock (`TestKube.layer`).
 */
import { defineSuite } from "./harness/suite.js"
import { mock } from "./harness/targets.js"

defineSuite("mock", mock)
