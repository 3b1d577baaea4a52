/**
 * Loading the serving certificate (and the optional client CA) from a directory, checking it
 * before it is used.
 */
import * as Effect from "effect/Effect"
import { X509Certificate } from "node:crypto"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import * as tls from "node:tls"

/** What was read from disk, compared byte for byte to notice a rotation. */
export interface Material {
  readonly cert: string
  readonly key: string
  readonly ca: string | undefined
}

/** The serving certificate in use. */
export interface Info {
  /** SHA-256 fingerprint of the leaf certificate (`AB:CD:…`). */
  readonly fingerprint256: string
  readonly subject: string
  /** `notAfter` of the leaf certificate, as Node prints it. */
  readonly validTo: string
  /** Fingerprint of the client CA, when client certificates are required. */
  readonly clientCAFingerprint256: string | undefined
}

export interface Paths {
  readonly cert: string
  readonly key: string
  readonly ca: string | undefined
}

export const paths = (dir: string, certName: string, keyName: string, caName: string | undefined): Paths => ({
  cert: join(dir, certName),
  key: join(dir, keyName),
  ca: caName === undefined ? undefined : join(dir, caName)
})

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

export const read = (p: Paths): Effect.Effect<Material, string> =>
  Effect.tryPromise({
    try: async () => {
      const [cert, key, ca] = await Promise.all([
        readFile(p.cert, "utf8"),
        readFile(p.key, "utf8"),
        p.ca === undefined ? Promise.resolve(undefined) : readFile(p.ca, "utf8")
      ])
      return { cert, key, ca }
    },
    catch: (cause) => `cannot read the certificates: ${describe(cause)}`
  })

export const sameMaterial = (a: Material, b: Material): boolean => a.cert === b.cert && a.key === b.key && a.ca === b.ca

/**
 * Builds the secure context once to prove the pair is usable (a key that does not match its
 * certificate — a rotation caught half-written — fails here, not in the next handshake).
 */
export const check = (m: Material): Effect.Effect<Info, string> =>
  Effect.try({
    try: () => {
      tls.createSecureContext({ cert: m.cert, key: m.key, ...(m.ca === undefined ? {} : { ca: m.ca }) })
      const leaf = new X509Certificate(m.cert)
      return {
        fingerprint256: leaf.fingerprint256,
        subject: leaf.subject,
        validTo: leaf.validTo,
        clientCAFingerprint256: m.ca === undefined ? undefined : new X509Certificate(m.ca).fingerprint256
      }
    },
    catch: (cause) => `the certificates are not usable: ${describe(cause)}`
  })

export const secureContextOptions = (m: Material): tls.SecureContextOptions => ({
  cert: m.cert,
  key: m.key,
  ...(m.ca === undefined ? {} : { ca: m.ca })
})
