// go-libp2p peer for weft's interop matrix.
//
// Configured from environment variables like every peer of the matrix (see
// interop/runner/README.md): transport (tcp|ws|quic-v1), security (noise|tls), muxer (yamux; go
// has no mplex since v0.30), is_dialer, ip, listen_addr, listener_addr,
// test_timeout_seconds; the upper-case names of libp2p/unified-testing work too.
// The listener prints `<addr>/p2p/<peerId>`, then a JSON line about the dialer
// once identify completes; the dialer connects, pings, checks identify, echoes
// 1 MiB on /weft-interop/echo/1.0.0 and prints one JSON result line.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/libp2p/go-libp2p/p2p/transport/websocket"
	ma "github.com/multiformats/go-multiaddr"
)

const (
	echoProtocol = protocol.ID("/weft-interop/echo/1.0.0")
	echoBytes    = 1 << 20
	maxEchoBytes = 2 * echoBytes
)

var requiredProtocols = []string{"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", string(echoProtocol)}

type config struct {
	transport    string
	security     string
	muxer        string
	isDialer     bool
	ip           string
	listenAddr   string
	listenerAddr string
	timeout      time.Duration
}

type identifyReport struct {
	AgentVersion string   `json:"agentVersion"`
	Protocols    []string `json:"protocols"`
	ListenAddrs  []string `json:"listenAddrs"`
}

type selfReport struct {
	PeerID       string   `json:"peerId"`
	AgentVersion string   `json:"agentVersion"`
	ListenAddrs  []string `json:"listenAddrs"`
}

type dialerResult struct {
	HandshakePlusOneRTTMillis float64        `json:"handshakePlusOneRTTMillis"`
	PingRTTMilllis            float64        `json:"pingRTTMilllis"`
	EchoMillis                float64        `json:"echoMillis"`
	EchoBytes                 int            `json:"echoBytes"`
	Self                      selfReport     `json:"self"`
	Remote                    identifyReport `json:"remote"`
}

// env reads a variable by its lower-case or upper-case name.
func env(names ...string) string {
	for _, name := range names {
		if v := os.Getenv(name); v != "" {
			return v
		}
		if v := os.Getenv(strings.ToUpper(name)); v != "" {
			return v
		}
	}
	return ""
}

func readConfig() (config, error) {
	c := config{transport: "tcp", security: "noise", muxer: "yamux", ip: "127.0.0.1", timeout: 180 * time.Second}
	if v := env("transport"); v != "" {
		c.transport = v
	}
	if c.transport != "tcp" && c.transport != "ws" && c.transport != "quic-v1" {
		return c, fmt.Errorf("transport: expected tcp, ws or quic-v1, got %q", c.transport)
	}
	if v := env("security", "secure_channel"); v != "" {
		c.security = v
	}
	// QUIC brings its own security (TLS 1.3) and multiplexing: security and muxer do not apply
	if c.transport != "quic-v1" && c.security != "noise" && c.security != "tls" {
		return c, fmt.Errorf("security: expected noise or tls, got %q", c.security)
	}
	if v := env("muxer"); v != "" {
		c.muxer = v
	}
	if c.transport != "quic-v1" && c.muxer != "yamux" {
		return c, fmt.Errorf("muxer: go-libp2p supports yamux only, got %q", c.muxer)
	}
	c.isDialer = env("is_dialer") == "true"
	if v := env("ip", "listener_ip"); v != "" {
		c.ip = v
	}
	family := "ip4"
	if strings.Contains(c.ip, ":") {
		family = "ip6"
	}
	c.listenAddr = fmt.Sprintf("/%s/%s/tcp/0", family, c.ip)
	if c.transport == "ws" {
		c.listenAddr += "/ws"
	}
	if c.transport == "quic-v1" {
		c.listenAddr = fmt.Sprintf("/%s/%s/udp/0/quic-v1", family, c.ip)
	}
	if v := env("listen_addr"); v != "" {
		c.listenAddr = v
	}
	c.listenerAddr = env("listener_addr", "remote_addr")
	if v := env("test_timeout_seconds", "test_timeout_secs"); v != "" {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || secs <= 0 {
			return c, fmt.Errorf("test_timeout_seconds: expected > 0, got %q", v)
		}
		c.timeout = time.Duration(secs * float64(time.Second))
	}
	return c, nil
}

func agentVersion() string {
	version := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/libp2p/go-libp2p" {
				version = dep.Version
			}
		}
	}
	return "go-libp2p/" + version + " interop-peer"
}

// echoHandler copies every byte back and half-closes once the remote has.
func echoHandler(s network.Stream) {
	if _, err := io.Copy(s, io.LimitReader(s, maxEchoBytes)); err != nil {
		_ = s.Reset()
		return
	}
	_ = s.Close()
}

func checkIdentify(r identifyReport) []string {
	var problems []string
	if r.AgentVersion == "" {
		problems = append(problems, "identify: empty agent version")
	}
	for _, p := range requiredProtocols {
		if !slices.Contains(r.Protocols, p) {
			problems = append(problems, fmt.Sprintf("identify: protocol %s missing from %v", p, r.Protocols))
		}
	}
	if len(r.ListenAddrs) == 0 {
		problems = append(problems, "identify: no listen addresses")
	}
	return problems
}

func toReport(e event.EvtPeerIdentificationCompleted) identifyReport {
	r := identifyReport{AgentVersion: e.AgentVersion, Protocols: []string{}, ListenAddrs: []string{}}
	for _, p := range e.Protocols {
		r.Protocols = append(r.Protocols, string(p))
	}
	slices.Sort(r.Protocols)
	for _, a := range e.ListenAddrs {
		r.ListenAddrs = append(r.ListenAddrs, a.String())
	}
	return r
}

// ownAddress is the first listen address on the configured transport and ip.
func ownAddress(h host.Host, c config) (string, error) {
	for _, a := range h.Network().ListenAddresses() {
		s := a.String()
		if strings.Contains(s, "/"+c.ip+"/") && strings.Contains(s, "/ws") == (c.transport == "ws") &&
			strings.Contains(s, "/quic-v1") == (c.transport == "quic-v1") {
			return s, nil
		}
	}
	return "", fmt.Errorf("no %s listen address on %s among %v", c.transport, c.ip, h.Network().ListenAddresses())
}

// waitIdentify waits for identify to complete with a peer accepted by `accept`.
func waitIdentify(ctx context.Context, sub event.Subscription, accept func(peer.ID) bool) (event.EvtPeerIdentificationCompleted, error) {
	for {
		select {
		case e, ok := <-sub.Out():
			if !ok {
				return event.EvtPeerIdentificationCompleted{}, errors.New("event bus closed")
			}
			evt := e.(event.EvtPeerIdentificationCompleted)
			if accept(evt.Peer) {
				return evt, nil
			}
		case <-ctx.Done():
			return event.EvtPeerIdentificationCompleted{}, fmt.Errorf("waiting for identify: %w", ctx.Err())
		}
	}
}

// securityOption offers exactly the one security protocol the case asks for.
func securityOption(security string) libp2p.Option {
	if security == "tls" {
		return libp2p.Security(libp2ptls.ID, libp2ptls.New)
	}
	return libp2p.Security(noise.ID, noise.New)
}

func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

func run() int {
	c, err := readConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()

	agent := agentVersion()
	opts := []libp2p.Option{
		libp2p.ListenAddrStrings(c.listenAddr),
		securityOption(c.security),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.UserAgent(agent),
		libp2p.Ping(true),
	}
	if c.transport == "ws" {
		opts = append(opts, libp2p.Transport(websocket.New))
	} else if c.transport == "quic-v1" {
		opts = append(opts, libp2p.Transport(libp2pquic.NewTransport))
	} else {
		opts = append(opts, libp2p.Transport(tcp.NewTCPTransport))
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "libp2p.New:", err)
		return 1
	}
	defer h.Close()
	h.SetStreamHandler(echoProtocol, echoHandler)

	sub, err := h.EventBus().Subscribe(new(event.EvtPeerIdentificationCompleted))
	if err != nil {
		fmt.Fprintln(os.Stderr, "subscribe:", err)
		return 1
	}
	defer sub.Close()

	own, err := ownAddress(h, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	self := selfReport{PeerID: h.ID().String(), AgentVersion: agent, ListenAddrs: []string{own}}

	if !c.isDialer {
		fmt.Printf("%s/p2p/%s\n", own, h.ID())
		evt, err := waitIdentify(ctx, sub, func(peer.ID) bool { return true })
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		remote := toReport(evt)
		line, _ := json.Marshal(map[string]any{"self": self, "remote": remote})
		fmt.Println(string(line))
		problems := checkIdentify(remote)
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p)
		}
		<-ctx.Done() // serve until the runner ends us
		if len(problems) > 0 {
			return 1
		}
		return 0
	}

	target := c.listenerAddr
	if target == "" {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(os.Stderr, "reading the listener address from stdin:", err)
			return 1
		}
		target = strings.TrimSpace(line)
	}
	addr, err := ma.NewMultiaddr(target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listener address:", err)
		return 1
	}
	info, err := peer.AddrInfoFromP2pAddr(addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listener address:", err)
		return 1
	}

	start := time.Now()
	if err := h.Connect(ctx, *info); err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		return 1
	}
	res := <-ping.Ping(ctx, h, info.ID)
	if res.Error != nil {
		fmt.Fprintln(os.Stderr, "ping:", res.Error)
		return 1
	}
	handshakePlusOneRTT := time.Since(start)

	evt, err := waitIdentify(ctx, sub, func(p peer.ID) bool { return p == info.ID })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	remote := toReport(evt)
	problems := checkIdentify(remote)

	data := make([]byte, echoBytes)
	rng := rand.NewChaCha8([32]byte{0x5e, 0xed})
	_, _ = rng.Read(data)
	echoStart := time.Now()
	s, err := h.NewStream(ctx, info.ID, echoProtocol)
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo stream:", err)
		return 1
	}
	writeErr := make(chan error, 1)
	go func() {
		_, err := s.Write(data)
		if err == nil {
			err = s.CloseWrite()
		}
		writeErr <- err
	}()
	echoed, err := io.ReadAll(io.LimitReader(s, maxEchoBytes))
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo read:", err)
		return 1
	}
	if err := <-writeErr; err != nil {
		fmt.Fprintln(os.Stderr, "echo write:", err)
		return 1
	}
	_ = s.Close()
	echoTime := time.Since(echoStart)
	if !bytes.Equal(echoed, data) {
		fmt.Fprintf(os.Stderr, "echo: sent %d bytes, got %d back, first difference at %d\n", len(data), len(echoed), firstDifference(data, echoed))
		return 1
	}

	line, _ := json.Marshal(dialerResult{
		HandshakePlusOneRTTMillis: millis(handshakePlusOneRTT),
		PingRTTMilllis:            millis(res.RTT),
		EchoMillis:                millis(echoTime),
		EchoBytes:                 len(data),
		Self:                      self,
		Remote:                    remote,
	})
	fmt.Println(string(line))
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		return 1
	}
	return 0
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// main runs the matrix peer by default; `go-peer agent` is the JSON-lines
// agent the protocol interop tests and the NAT lab drive (agent.go), and
// `go-peer perf` the /perf/1.0.0 client and server the benchmarks use (perf.go).
func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "agent":
			os.Exit(runAgent(os.Args[2:]))
		case "perf":
			os.Exit(runPerf(os.Args[2:]))
		}
	}
	os.Exit(run())
}
