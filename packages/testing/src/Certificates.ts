/**
 * Throw-away TLS material for tests: a CA and a serving certificate it signs, as PEM strings.
 * Used by the HTTP mock apiserver and reusable by webhook tests.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as selfsigned from "selfsigned"

/**
 * Generating the certificates failed (the underlying WebCrypto call rejected).
 *
 * @example
 * Certificates.generate().pipe(Effect.catchTag("CertificateError", (e) => Effect.die(e)))
 * @since 0.1.0
 */
export class CertificateError extends Data.TaggedError("CertificateError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * A CA certificate and a serving certificate signed by it, all PEM.
 *
 * @example
 * const { caCert, cert, key } = yield* Certificates.generate()
 * @since 0.1.0
 */
export interface Certificates {
  /** The CA certificate clients trust (`certificate-authority-data` in a kubeconfig). */
  readonly caCert: string
  /** The CA private key (PKCS#8); keep it to sign more certificates. */
  readonly caKey: string
  /** The serving certificate. */
  readonly cert: string
  /** The serving certificate's private key (PKCS#8). */
  readonly key: string
}

/**
 * Options of {@link generate}.
 *
 * @example
 * Certificates.generate({ dnsNames: ["webhook.default.svc"], ipAddresses: [], validityDays: 1 })
 * @since 0.1.0
 */
export interface GenerateOptions {
  /** DNS names of the serving certificate. Default `["localhost"]`. */
  readonly dnsNames?: ReadonlyArray<string>
  /** IP addresses of the serving certificate. Default `["127.0.0.1", "::1"]`. */
  readonly ipAddresses?: ReadonlyArray<string>
  /** Subject common name of the serving certificate. Default: the first DNS name. */
  readonly commonName?: string
  /** Validity in days from now. Default 365. */
  readonly validityDays?: number
}

const hour = 60 * 60 * 1000

/**
 * Generates a CA (ECDSA P-256, `basicConstraints cA`) and a serving certificate it signs with
 * SANs for the given DNS names and IPs (by default `localhost`, `127.0.0.1`, `::1`) and
 * `extKeyUsage serverAuth`.
 *
 * Validity starts an hour in the past (clock skew) and uses the wall clock, not Effect's
 * `Clock`: TLS peers check certificates against real time, so a `TestClock` at epoch 0 must
 * not leak into them.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const { caCert, cert, key } = yield* Certificates.generate()
 *   https.createServer({ cert, key }, handler) // clients trust caCert
 * })
 * @since 0.1.0
 */
export const generate = (options: GenerateOptions = {}): Effect.Effect<Certificates, CertificateError> => {
  const dnsNames = options.dnsNames ?? ["localhost"]
  const ipAddresses = options.ipAddresses ?? ["127.0.0.1", "::1"]
  const commonName = options.commonName ?? dnsNames[0] ?? ipAddresses[0] ?? "localhost"
  const validityDays = options.validityDays ?? 365
  return Effect.tryPromise({
    try: async () => {
      const notBeforeDate = new Date(Date.now() - hour)
      const notAfterDate = new Date(Date.now() + validityDays * 24 * hour)
      const ca = await selfsigned.generate([{ name: "commonName", value: "effect-kube-test-ca" }], {
        keyType: "ec",
        curve: "P-256",
        algorithm: "sha256",
        notBeforeDate,
        notAfterDate,
        extensions: [
          { name: "basicConstraints", cA: true, critical: true },
          { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
        ]
      })
      const serving = await selfsigned.generate([{ name: "commonName", value: commonName }], {
        keyType: "ec",
        curve: "P-256",
        algorithm: "sha256",
        notBeforeDate,
        notAfterDate,
        ca: { key: ca.private, cert: ca.cert },
        extensions: [
          { name: "basicConstraints", cA: false },
          { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
          { name: "extKeyUsage", serverAuth: true },
          {
            name: "subjectAltName",
            altNames: [
              ...dnsNames.map((value) => ({ type: 2 as const, value })),
              ...ipAddresses.map((ip) => ({ type: 7 as const, ip }))
            ]
          }
        ]
      })
      return { caCert: ca.cert, caKey: ca.private, cert: serving.cert, key: serving.private }
    },
    catch: (cause) => new CertificateError({ message: `generating test certificates failed: ${String(cause)}`, cause })
  })
}
