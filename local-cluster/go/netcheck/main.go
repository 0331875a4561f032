// Command netcheck is the network probe of the real-node NetworkPolicy test, packed as a one-file
// image by local-cluster/bin/install-netpol:
//
//	netcheck listen PORT...           accept TCP on every PORT, answer "netcheck <port>\n", close
//	netcheck dial HOST:PORT [TIMEOUT] try one TCP connection; print "open", "refused",
//	                                  "timeout" or "error: ..." (exit 0 in every case)
//	netcheck resolve NAME [TIMEOUT]   look NAME up with /etc/resolv.conf; print the addresses,
//	                                  "timeout" or "error: ..." (exit 0)
//
// The test dials only ports that a netcheck listener holds, so anything but "open" is a denial:
// a policy that drops shows as "timeout", one that rejects (kube-router answers ICMP port
// unreachable) as "refused".
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: netcheck listen PORT... | dial HOST:PORT [TIMEOUT] | resolve NAME [TIMEOUT]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "listen":
		listen(os.Args[2:])
	case "dial":
		fmt.Println(dial(os.Args[2], timeoutArg(3)))
	case "resolve":
		fmt.Println(resolve(os.Args[2], timeoutArg(3)))
	default:
		fmt.Fprintln(os.Stderr, "unknown command:", os.Args[1])
		os.Exit(2)
	}
}

func timeoutArg(i int) time.Duration {
	if len(os.Args) > i {
		if d, err := time.ParseDuration(os.Args[i]); err == nil {
			return d
		}
	}
	return 3 * time.Second
}

func listen(ports []string) {
	for _, p := range ports {
		l, err := net.Listen("tcp", ":"+p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			os.Exit(1)
		}
		go serve(l, p)
	}
	fmt.Println("listening on", strings.Join(ports, " "))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

func serve(l net.Listener, port string) {
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		_, _ = fmt.Fprintf(c, "netcheck %s\n", port)
		_ = c.Close()
	}
}

func dial(addr string, timeout time.Duration) string {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err == nil {
		_ = c.Close()
		return "open"
	}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	default:
		return "error: " + err.Error()
	}
}

func resolve(name string, timeout time.Duration) string {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	if err == nil {
		return strings.Join(addrs, " ")
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "timeout") {
		return "timeout"
	}
	return "error: " + err.Error()
}
