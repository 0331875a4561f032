// Package ext holds the extension points Traefik's dynamic configuration embeds. The open-source
// build extends nothing, so they are empty.
package ext

// HTTP is embedded in the dynamic HTTP configuration.
type HTTP struct{}

// Router is embedded in a dynamic router.
type Router struct{}

// RouterIng is the Ingress-annotation form of Router.
type RouterIng struct{}

// ToRouter gives the Router a RouterIng stands for.
func (RouterIng) ToRouter() Router { return Router{} }
