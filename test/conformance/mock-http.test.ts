/**
 * The conformance suite on the HTTPS mock, through the live client and a kubeconfig.
 */
import { defineSuite } from "./harness/suite.js"
import { mockHttp } from "./harness/targets.js"

defineSuite("mock-http", mockHttp)
