#!/usr/bin/env node
/**
 * `pnpm start`: an in-memory Kubernetes apiserver over HTTPS for kubectl and live clients.
 * See `program.ts` for the settings (EFFECT_KUBE_PORT, EFFECT_KUBE_KUBECONFIG, EFFECT_KUBE_TOKEN).
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { main } from "./program.js"

NodeRuntime.runMain(main.pipe(Effect.provide(Logger.pretty)))
