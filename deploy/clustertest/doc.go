// Package clustertest runs OpenChat's production topology on this machine
// (deploy/local-cluster.sh: nginx with TLS, 3 instances, PostgreSQL, Redis,
// mailpit) and checks, through nginx only, that it survives faults: an
// instance killed, a rolling restart, Redis and PostgreSQL restarted.
//
// The tests carry the build tag cluster, so `go test ./...` skips them:
//
//	make test-cluster   # go test -tags cluster ./deploy/clustertest/ -v
//
// Environment: OPENCHAT_BIN (default <repo>/bin/openchat, built if
// missing), OPENCHAT_CLUSTER_DIR and the port variables of local-cluster.sh,
// OPENCHAT_CLUSTER_KEEP=1 to leave the cluster running afterwards.
package clustertest
