// Traefik, the Ingress controller of the HTTPS e2e test (its Kubernetes Ingress provider, limited
// to the seeds' ingress class `nginx`), from its Go module: no image registry is reachable here.
// Used by local-cluster/bin/install-ingress, which builds cmd/traefik inside a copy of the module
// (the module's own replace directives only apply when it is the main module). The go.sum pins
// the module's content, and the go-http-auth fork version install-ingress substitutes (its
// Traefik go.sum lines; `go mod download` cannot add them here: the fork declares another path).
module github.com/openkruise/agents-java/local-cluster/ingress

go 1.26.0

require github.com/traefik/traefik/v3 v3.7.13
