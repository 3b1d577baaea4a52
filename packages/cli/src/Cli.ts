/**
 * The `effect-kube` command line:
 *
 * ```sh
 * effect-kube manifests <module-path> [--crds] [--rbac] [--webhooks] [--namespace ns] [--out dir]
 * ```
 *
 * imports the operator module (compiled ESM) and prints its manifests (all parts unless some
 * are selected) to stdout, or writes `crds.yaml`, `rbac.yaml`, `webhooks.yaml` into `--out`.
 * Every failure is a typed error printed as one clear message on stderr, exit code 1.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as CliCommand from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { pathToFileURL } from "node:url"
import type { CrdGenerationError } from "@effect-kube/core/Crd"
import * as Manifests from "./Manifests.js"
import * as Operator from "./Operator.js"

/**
 * The version the CLI reports (`--version`).
 *
 * @since 0.1.0
 */
export const version = "0.1.0"

/**
 * The operator module could not be imported (missing file, syntax error, a throwing top level).
 *
 * @example
 * Cli.loadOperator("dist/manifests.js").pipe(Effect.catchTag("ModuleLoadError", (e) => Console.error(e.message)))
 * @since 0.1.0
 */
export class ModuleLoadError extends Data.TaggedError("ModuleLoadError")<{
  readonly path: string
  readonly message: string
}> {}

/**
 * A manifest file could not be written under `--out`.
 *
 * @example
 * Effect.catchTag("WriteError", (e) => Console.error(e.message))
 * @since 0.1.0
 */
export class WriteError extends Data.TaggedError("WriteError")<{
  readonly path: string
  readonly message: string
}> {}

/**
 * What `manifests` fails with.
 *
 * @example
 * const describe = (e: Cli.ManifestsError) => `${e._tag}: ${e.message}`
 * @since 0.1.0
 */
export type ManifestsError = ModuleLoadError | Operator.InvalidOperator | CrdGenerationError | WriteError

const importModule = (url: string): Promise<unknown> => import(url)

const isRecord = (u: unknown): u is { readonly [key: string]: unknown } => typeof u === "object" && u !== null

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * Imports an operator module (a path, relative to the working directory) and checks its
 * `operator` export.
 *
 * @example
 * const operator = yield* Cli.loadOperator("examples/website-operator/dist/manifests.js")
 * @since 0.1.0
 */
export const loadOperator = (
  modulePath: string
): Effect.Effect<Operator.Operator, ModuleLoadError | Operator.InvalidOperator, Path.Path> =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const absolute = path.resolve(modulePath)
    const module = yield* Effect.tryPromise({
      try: () => importModule(pathToFileURL(absolute).href),
      catch: (cause) =>
        new ModuleLoadError({ path: absolute, message: `cannot import ${absolute}: ${messageOf(cause)}` })
    })
    if (!isRecord(module) || module.operator === undefined) {
      return yield* new Operator.InvalidOperator({
        message: `${absolute} does not export \`operator\` (export const operator = Operator.make({ name, crds, controllers }))`
      })
    }
    return yield* Operator.fromUnknown(module.operator)
  })

/**
 * The arguments of `manifests`, parsed.
 *
 * @example
 * const args: Cli.ManifestsArgs = { module: "dist/manifests.js", crds: true, rbac: false, webhooks: false, namespace: Option.none(), out: Option.none() }
 * @since 0.1.0
 */
export interface ManifestsArgs {
  readonly module: string
  readonly crds: boolean
  readonly rbac: boolean
  readonly webhooks: boolean
  readonly namespace: Option.Option<string>
  readonly out: Option.Option<string>
}

const writeSections = (out: string, sections: Manifests.Sections, selection: Manifests.Selection) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const all = selection.crds !== true && selection.rbac !== true && selection.webhooks !== true
    const files = (
      [
        ["rbac.yaml", all || selection.rbac === true ? sections.rbac : []],
        ["crds.yaml", all || selection.crds === true ? sections.crds : []],
        ["webhooks.yaml", all || selection.webhooks === true ? sections.webhooks : []]
      ] as const
    ).filter(([, objects]) => objects.length > 0)
    yield* fs
      .makeDirectory(out, { recursive: true })
      .pipe(Effect.mapError((e) => new WriteError({ path: out, message: `cannot create ${out}: ${e.message}` })))
    for (const [name, objects] of files) {
      const file = path.join(out, name)
      yield* fs
        .writeFileString(file, Manifests.toYaml(objects))
        .pipe(Effect.mapError((e) => new WriteError({ path: file, message: `cannot write ${file}: ${e.message}` })))
      yield* Console.error(`wrote ${file} (${objects.length} object${objects.length === 1 ? "" : "s"})`)
    }
  })

/**
 * What `manifests` does with its parsed arguments.
 *
 * @example
 * yield* Cli.manifests({ module: "dist/manifests.js", crds: false, rbac: true, webhooks: false, namespace: Option.none(), out: Option.none() })
 * @since 0.1.0
 */
export const manifests = (
  args: ManifestsArgs
): Effect.Effect<void, ManifestsError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const loaded = yield* loadOperator(args.module)
    const operator = Option.match(args.namespace, {
      onNone: () => loaded,
      onSome: (ns) => Operator.withNamespace(loaded, ns)
    })
    const selection: Manifests.Selection = { crds: args.crds, rbac: args.rbac, webhooks: args.webhooks }
    const sections = yield* Manifests.sections(operator)
    if (Option.isSome(args.out)) return yield* writeSections(args.out.value, sections, selection)
    const yaml = Manifests.toYaml(yield* Manifests.objects(operator, selection))
    if (yaml === "") return yield* Console.error("no manifests to print for this selection")
    yield* Console.log(yaml.endsWith("\n") ? yaml.slice(0, -1) : yaml)
  })

const manifestsCommand = CliCommand.make(
  "manifests",
  {
    module: Args.text({ name: "module-path" }).pipe(
      Args.withDescription("a compiled ESM module exporting `operator` (Operator.make({ ... }))")
    ),
    crds: Options.boolean("crds").pipe(Options.withDescription("print the CustomResourceDefinitions")),
    rbac: Options.boolean("rbac").pipe(
      Options.withDescription("print the Namespace, ServiceAccount and least-privilege roles and bindings")
    ),
    webhooks: Options.boolean("webhooks").pipe(
      Options.withDescription("print the validating/mutating webhook configurations")
    ),
    namespace: Options.text("namespace").pipe(
      Options.withDescription("the namespace the operator runs in (default: the module's, else <name>-system)"),
      Options.optional
    ),
    out: Options.text("out").pipe(
      Options.withDescription("write rbac.yaml, crds.yaml and webhooks.yaml into this directory instead of stdout"),
      Options.optional
    )
  },
  manifests
).pipe(
  CliCommand.withDescription(
    "Print an operator's CRDs, least-privilege RBAC and webhook configurations as YAML (all parts unless some are selected)"
  )
)

/**
 * The `effect-kube` command with its subcommands.
 *
 * @example
 * const run = Command.run(Cli.command, { name: "effect-kube", version: Cli.version })
 * @since 0.1.0
 */
export const command = CliCommand.make("effect-kube").pipe(CliCommand.withSubcommands([manifestsCommand]))

/**
 * Runs the CLI on `process.argv`-style arguments (runtime and script first).
 *
 * @example
 * yield* Cli.run(["node", "effect-kube", "manifests", "dist/manifests.js", "--rbac"])
 * @since 0.1.0
 */
export const run = CliCommand.run(command, { name: "effect-kube", version })

/**
 * Runs the CLI and returns the process exit code: 0 on success, 1 on any failure — a usage
 * error (already explained by the CLI) or a {@link ManifestsError} (printed on stderr as
 * `error: <message>`). Never fails.
 *
 * @example
 * NodeRuntime.runMain(Cli.main(process.argv).pipe(Effect.provide(NodeContext.layer)))
 * @since 0.1.0
 */
export const main = (argv: ReadonlyArray<string>) =>
  run(argv).pipe(
    Effect.as(0),
    Effect.catchAll((error) =>
      ValidationError.isValidationError(error)
        ? Effect.succeed(1)
        : Effect.as(Console.error(`error: ${error.message}`), 1)
    )
  )
