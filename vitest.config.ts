import { defineConfig } from "vitest/config"

// Tests run against package sources (the "@effect-kube/source" export condition), so a test
// run never depends on a stale dist/. `tsc -b` type-checks sources and tests separately.
export default defineConfig({
  resolve: { conditions: ["@effect-kube/source"] },
  ssr: { resolve: { conditions: ["@effect-kube/source"] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [
            "packages/*/test/**/*.test.ts",
            "test/integration/**/*.test.ts",
            "test/conformance/**/*.test.ts",
            "examples/*/test/**/*.test.ts",
            "test/bench/test/**/*.test.ts"
          ],
          exclude: ["**/node_modules/**", "**/*.e2e.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000
        }
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts", "**/*.e2e.test.ts"],
          exclude: ["**/node_modules/**"],
          testTimeout: 120_000,
          hookTimeout: 900_000,
          fileParallelism: false
        }
      }
    ]
  }
})
