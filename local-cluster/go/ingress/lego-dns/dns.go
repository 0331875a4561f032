// Package dns replaces lego's registry of DNS-01 challenge providers in the Traefik build of
// local-cluster/bin/install-ingress. The registry imports every DNS vendor's SDK, and the Go
// module proxy serves some of them no more; the test Ingress uses a local certificate and no
// ACME at all, so asking for a DNS provider is an error.
package dns

import (
	"fmt"

	"github.com/go-acme/lego/v5/challenge"
)

// NewDNSChallengeProviderByName always fails: no DNS provider is built in.
func NewDNSChallengeProviderByName(name string) (challenge.Provider, error) {
	return nil, fmt.Errorf("DNS challenge provider %q: none is built into this Traefik (install-ingress)", name)
}
