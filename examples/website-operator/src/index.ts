/**
 * The Website operator example: the `Website` kind, its controller, the external registry it
 * maintains, its admission webhooks, and the program that runs it.
 *
 * @since 0.1.0
 */
export * as Controller from "./controller.js"
export * as Program from "./program.js"
export * as Registry from "./Registry.js"
export * as Render from "./render.js"
export * as Webhooks from "./webhooks.js"
export * as Website from "./Website.js"
