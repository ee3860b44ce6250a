// Package deploy holds what operators use to run OpenChat in production:
// deploy/Dockerfile, compose.yaml, nginx.conf, the Kubernetes manifests in
// k8s/ and local-cluster.sh (docs/deploy.md). The package has no code; its
// tests parse those files and check that they fit together, and
// deploy/clustertest runs the topology with faults.
package deploy
