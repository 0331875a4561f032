// netcheck: the probe the real-node NetworkPolicy test runs in pods (standard library only).
module github.com/openkruise/agents-java/local-cluster/netcheck

go 1.26.0
