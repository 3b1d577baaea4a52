import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Action from "@effect-kube/controller/Action"
import * as Controller from "@effect-kube/controller/Controller"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Operator from "../src/Operator.js"
import * as Rbac from "../src/Rbac.js"
import { Shop, shops } from "./fixtures/Shop.js"

const workloadVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"]

describe("Rbac", () => {
  it("derives exact rules from for/owns/watches", () => {
    expect(Rbac.controllerRules(shops)).toEqual([
      {
        namespace: undefined,
        rules: [
          { apiGroups: [""], resources: ["configmaps"], verbs: workloadVerbs },
          { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
          { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] },
          { apiGroups: ["apps"], resources: ["deployments"], verbs: workloadVerbs },
          { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
          { apiGroups: ["shop.example.com"], resources: ["shops"], verbs: ["get", "list", "patch", "update", "watch"] },
          { apiGroups: ["shop.example.com"], resources: ["shops/finalizers"], verbs: ["update"] },
          { apiGroups: ["shop.example.com"], resources: ["shops/status"], verbs: ["get", "patch", "update"] }
        ]
      }
    ])
  })

  it("merges verbs per (group, resource) across controllers and extra rules; one rule per verb set", () => {
    // A second controller owns Secrets (read-only for `shops`) and watches Deployments.
    const secrets = Controller.make({
      name: "secret-owner",
      for: Shop,
      owns: [Kinds.Secret, Kinds.Service],
      watches: [Controller.watches(Kinds.Deployment, () => [])],
      reconcile: () => Effect.succeed(Action.done)
    })
    const [cluster] = Rbac.permissions(
      Operator.make({
        name: "op",
        controllers: [shops, secrets],
        events: false,
        extraRules: [
          { apiGroups: [""], resources: ["namespaces"], verbs: ["create", "get"] },
          { apiGroups: [""], resources: ["configmaps"], resourceNames: ["b", "a"], verbs: ["get"] }
        ]
      })
    )
    expect(cluster?.rules).toEqual([
      { apiGroups: [""], resources: ["configmaps", "secrets", "services"], verbs: workloadVerbs },
      { apiGroups: [""], resources: ["namespaces"], verbs: ["create", "get"] },
      { apiGroups: ["apps"], resources: ["deployments"], verbs: workloadVerbs },
      { apiGroups: ["shop.example.com"], resources: ["shops"], verbs: ["get", "list", "patch", "update", "watch"] },
      { apiGroups: ["shop.example.com"], resources: ["shops/finalizers"], verbs: ["update"] },
      { apiGroups: ["shop.example.com"], resources: ["shops/status"], verbs: ["get", "patch", "update"] },
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["a", "b"], verbs: ["get"] }
    ])
  })

  it("a namespace-restricted controller gets a Role; cluster-scoped kinds stay in the ClusterRole", () => {
    const scoped = Controller.make({
      name: "scoped",
      for: Shop,
      namespace: "team-a",
      owns: [Kinds.ConfigMap],
      watches: [
        Controller.watches(Kinds.Namespace, () => []),
        Controller.watches(Kinds.Secret, () => [], { namespace: "vault" })
      ],
      reconcile: () => Effect.succeed(Action.done)
    })
    const perms = Rbac.permissions(Operator.make({ name: "op", controllers: [scoped], events: false }))
    expect(perms).toEqual([
      {
        namespace: undefined,
        rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] }]
      },
      {
        namespace: "team-a",
        rules: [
          { apiGroups: [""], resources: ["configmaps"], verbs: workloadVerbs },
          { apiGroups: ["shop.example.com"], resources: ["shops"], verbs: ["get", "list", "patch", "update", "watch"] },
          { apiGroups: ["shop.example.com"], resources: ["shops/finalizers"], verbs: ["update"] },
          { apiGroups: ["shop.example.com"], resources: ["shops/status"], verbs: ["get", "patch", "update"] }
        ]
      },
      { namespace: "vault", rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] }] }
    ])
    const kinds = Rbac.manifests(Operator.make({ name: "op", controllers: [scoped] })).map(
      (o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`
    )
    expect(kinds).toEqual([
      "ServiceAccount/op-system/op-controller-manager",
      "ClusterRole//op-manager-role",
      "ClusterRoleBinding//op-manager-rolebinding",
      "Role/team-a/op-manager-role",
      "RoleBinding/team-a/op-manager-rolebinding",
      "Role/vault/op-manager-role",
      "RoleBinding/vault/op-manager-rolebinding"
    ])
  })

  it("leader election adds a Lease Role in the operator's namespace, bound to the ServiceAccount", () => {
    const objects = Rbac.manifests(
      Operator.withNamespace(Operator.make({ name: "op", controllers: [shops], leaderElection: true }), "ops")
    )
    const role = objects.find((o): o is Rbac.Role => o.kind === "Role")
    const binding = objects.find((o): o is Rbac.Binding => o.kind === "RoleBinding")
    expect(role?.metadata).toMatchObject({ name: "op-leader-election-role", namespace: "ops" })
    expect(role?.rules).toEqual([
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create", "get", "update"] }
    ])
    expect(binding?.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "op-leader-election-role"
    })
    expect(binding?.subjects).toEqual([{ kind: "ServiceAccount", name: "op-controller-manager", namespace: "ops" }])
    // Without leader election: no Lease permissions anywhere.
    const none = Rbac.manifests(Operator.make({ name: "op", controllers: [shops] }))
    expect(JSON.stringify(none)).not.toContain("leases")
  })
})
