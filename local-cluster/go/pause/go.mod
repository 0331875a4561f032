// The pod sandbox ("pause") process of the real-node tier, built here because no registry
// is reachable to pull one. Standard library only. Used by local-cluster/bin/install-node.
module github.com/openkruise/agents-java/local-cluster/pause

go 1.22
