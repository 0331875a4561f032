// Stand-in for Traefik's nested module github.com/traefik/traefik/dynamic/ext (a directory of
// Traefik's repository that its module zip leaves out, and that Traefik's go.mod replaces with a
// relative path). Its types are empty extension points of Traefik's dynamic configuration.
// Copied into the build by local-cluster/bin/install-ingress.
module github.com/traefik/traefik/dynamic/ext

go 1.24.0
