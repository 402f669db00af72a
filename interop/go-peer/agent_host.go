// The agent's host ops: start, addrs, connections, dial/connect,
// disconnect, echo and stop (the relay's options and `reserve` are in
// agent_relay.go). The host speaks TCP (and WebSocket) with Noise and
// yamux, runs identify, ping, the relay v2 client (EnableRelay) and hole
// punching (EnableHolePunching, traced for `outcome`); autorelay stays off.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	"github.com/libp2p/go-libp2p/p2p/protocol/holepunch"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/libp2p/go-libp2p/p2p/transport/websocket"
	ma "github.com/multiformats/go-multiaddr"
)

// labEchoProtocol is the NAT lab's echo (host-agent.mjs), served on limited (relayed) connections too.
const (
	labEchoProtocol = protocol.ID("/weft/lab/echo/1.0.0")
	maxLabEchoBytes = 64 << 20
)

// agentHost is what `start` made; close undoes it.
type agentHost struct {
	host    host.Host
	relay   *relay.Relay // nil unless started with relay: true
	punches *punchTracker
	dht     *dht.IpfsDHT // nil unless started with dht
	pubsub  *agentPubSub // nil unless started with pubsub
	once    sync.Once
}

func (n *agentHost) close() {
	n.once.Do(func() {
		if n.pubsub != nil {
			n.pubsub.close()
		}
		if n.dht != nil {
			_ = n.dht.Close()
		}
		if n.relay != nil {
			_ = n.relay.Close()
		}
		_ = n.host.Close()
	})
}

type startArgs struct {
	Listen       []string    `json:"listen"`
	Relay        bool        `json:"relay"`
	RelayInit    *relayInit  `json:"relayInit"`
	Reachability string      `json:"reachability"` // '' (AutoNAT decides), 'public' or 'private'
	DHT          *dhtArgs    `json:"dht"`
	PubSub       *pubsubArgs `json:"pubsub"`
}

type startResult struct {
	PeerID string   `json:"peerId"`
	Addrs  []string `json:"addrs"`
}

func opStart(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	args, err := decode[startArgs](raw)
	if err != nil {
		return nil, err
	}
	if len(args.Listen) == 0 {
		args.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.node != nil {
		return nil, errors.New("already started")
	}
	punches := newPunchTracker()
	opts := []libp2p.Option{
		libp2p.ListenAddrStrings(args.Listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(websocket.New),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.UserAgent(agentVersion() + " agent"),
		libp2p.Ping(true),
		libp2p.EnableRelay(),
		libp2p.EnableHolePunching(holepunch.WithMetricsAndEventTracer(punches, punches)),
	}
	switch args.Reachability {
	case "":
	case "public":
		opts = append(opts, libp2p.ForceReachabilityPublic())
	case "private":
		opts = append(opts, libp2p.ForceReachabilityPrivate())
	default:
		return nil, fmt.Errorf("reachability: expected public or private, got %q", args.Reachability)
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("libp2p.New: %w", err)
	}
	node := &agentHost{host: h, punches: punches}
	h.SetStreamHandler(labEchoProtocol, echoHandlerUpTo(maxLabEchoBytes))
	if args.Relay {
		rc := relay.DefaultResources()
		if args.RelayInit != nil {
			rc = args.RelayInit.resources()
		}
		// relay.New runs the hop service whatever AutoNAT says (libp2p.EnableRelayService waits
		// for public reachability); the lab's and loopback's addresses go into reservations too
		node.relay, err = relay.New(h, relay.WithResources(rc),
			relay.WithReservationAddressFilter(func(ma.Multiaddr) bool { return true }))
		if err != nil {
			node.close()
			return nil, fmt.Errorf("relay: %w", err)
		}
	}
	if args.DHT != nil {
		if node.dht, err = startDHT(h, *args.DHT); err != nil {
			node.close()
			return nil, err
		}
	}
	if args.PubSub != nil {
		if node.pubsub, err = startPubSub(a.ctx, h, *args.PubSub); err != nil {
			node.close()
			return nil, err
		}
	}
	a.node = node
	return startResult{PeerID: h.ID().String(), Addrs: addrStrings(h.Addrs())}, nil
}

func addrStrings(addrs []ma.Multiaddr) []string {
	out := make([]string, 0, len(addrs))
	for _, addr := range addrs {
		out = append(out, addr.String())
	}
	return out
}

type connectionInfo struct {
	RemotePeer string `json:"remotePeer"`
	RemoteAddr string `json:"remoteAddr"`
	Direct     bool   `json:"direct"`
	Limited    bool   `json:"limited"`
}

func describeConn(c network.Conn) connectionInfo {
	remote := c.RemoteMultiaddr()
	isRelayed := false
	for _, component := range remote {
		if component.Protocol().Code == ma.P_CIRCUIT {
			isRelayed = true
		}
	}
	return connectionInfo{
		RemotePeer: c.RemotePeer().String(),
		RemoteAddr: remote.String(),
		Direct:     !isRelayed,
		Limited:    c.Stat().Limited,
	}
}

func opAddrs(_ context.Context, a *agent, _ json.RawMessage) (any, error) {
	node, err := a.started()
	if err != nil {
		return nil, err
	}
	return addrStrings(node.host.Addrs()), nil
}

func opConnections(_ context.Context, a *agent, _ json.RawMessage) (any, error) {
	node, err := a.started()
	if err != nil {
		return nil, err
	}
	out := []connectionInfo{}
	for _, c := range node.host.Network().Conns() {
		out = append(out, describeConn(c))
	}
	return out, nil
}

// connect dials `addr` (ending in /p2p/<id>, possibly a /p2p-circuit address) and returns the
// connection it got, relayed ones included.
func connect(ctx context.Context, h host.Host, addr string) (network.Conn, peer.ID, error) {
	parsed, err := ma.NewMultiaddr(addr)
	if err != nil {
		return nil, "", fmt.Errorf("address %q: %w", addr, err)
	}
	info, err := peer.AddrInfoFromP2pAddr(parsed)
	if err != nil {
		return nil, "", fmt.Errorf("address %q: %w", addr, err)
	}
	ctx = network.WithAllowLimitedConn(ctx, "agent dial")
	if err := h.Connect(ctx, *info); err != nil {
		return nil, info.ID, err
	}
	conns := h.Network().ConnsToPeer(info.ID)
	if len(conns) == 0 {
		return nil, info.ID, fmt.Errorf("connected to %s but no connection is left", info.ID)
	}
	// the connection over the address asked for, else the newest
	for _, c := range conns {
		if c.RemoteMultiaddr().Equal(info.Addrs[0]) {
			return c, info.ID, nil
		}
	}
	return conns[len(conns)-1], info.ID, nil
}

type addrArgs struct {
	Addr string `json:"addr"`
}

func opDial(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	node, err := a.started()
	if err != nil {
		return nil, err
	}
	args, err := decode[addrArgs](raw)
	if err != nil {
		return nil, err
	}
	c, _, err := connect(ctx, node.host, args.Addr)
	if err != nil {
		return nil, err
	}
	return describeConn(c), nil
}

type echoArgs struct {
	Addr     string `json:"addr"`
	Size     int    `json:"size"`
	Protocol string `json:"protocol"`
}

type echoResult struct {
	connectionInfo
	Echoed   bool   `json:"echoed"`
	Received int    `json:"received"`
	Error    string `json:"error,omitempty"`
}

// opEcho dials, sends `size` bytes on the echo protocol and checks they come back. A stream
// that breaks half way (a relay's limit) is a result, not an error: echoed false, the bytes
// received, the error.
func opEcho(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	node, err := a.started()
	if err != nil {
		return nil, err
	}
	args, err := decode[echoArgs](raw)
	if err != nil {
		return nil, err
	}
	if args.Size < 0 || args.Size > maxLabEchoBytes {
		return nil, fmt.Errorf("size: expected 0..%d, got %d", maxLabEchoBytes, args.Size)
	}
	proto := labEchoProtocol
	if args.Protocol != "" {
		proto = protocol.ID(args.Protocol)
	}
	c, id, err := connect(ctx, node.host, args.Addr)
	if err != nil {
		return nil, err
	}
	result := echoResult{connectionInfo: describeConn(c)}
	s, err := node.host.NewStream(network.WithAllowLimitedConn(ctx, "agent echo"), id, proto)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", proto, err)
	}
	defer s.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(deadline)
	}
	data := make([]byte, args.Size)
	for i := range data {
		data[i] = byte(i * 31)
	}
	writeErr := make(chan error, 1)
	go func() {
		_, err := s.Write(data)
		if err == nil {
			err = s.CloseWrite()
		}
		writeErr <- err
	}()
	same := true
	buf := make([]byte, 32<<10)
	var readErr error
	for {
		n, err := s.Read(buf)
		for i := range n {
			if result.Received+i >= len(data) || buf[i] != data[result.Received+i] {
				same = false
			}
		}
		result.Received += n
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
	}
	if err := <-writeErr; err != nil && readErr == nil {
		readErr = fmt.Errorf("write: %w", err)
	}
	if readErr != nil {
		_ = s.Reset()
		result.Error = readErr.Error()
	}
	result.Echoed = readErr == nil && same && result.Received == args.Size
	return result, nil
}

// echoHandlerUpTo copies every byte back, at most `limit`, and half-closes once the remote has.
func echoHandlerUpTo(limit int64) network.StreamHandler {
	return func(s network.Stream) {
		if _, err := io.Copy(s, io.LimitReader(s, limit)); err != nil {
			_ = s.Reset()
			return
		}
		_ = s.Close()
	}
}

type peerArgs struct {
	Peer string `json:"peer"`
}

// opDisconnect closes every connection to `peer`.
func opDisconnect(_ context.Context, a *agent, raw json.RawMessage) (any, error) {
	node, err := a.started()
	if err != nil {
		return nil, err
	}
	args, err := decode[peerArgs](raw)
	if err != nil {
		return nil, err
	}
	id, err := peer.Decode(args.Peer)
	if err != nil {
		return nil, fmt.Errorf("peer %q: %w", args.Peer, err)
	}
	return true, node.host.Network().ClosePeer(id)
}

func opStop(_ context.Context, a *agent, _ json.RawMessage) (any, error) {
	a.mu.Lock()
	node := a.node
	a.node = nil
	a.mu.Unlock()
	if node != nil {
		node.close()
	}
	return true, nil
}

func init() {
	registerOps(map[string]opFunc{
		"start":       opStart,
		"addrs":       opAddrs,
		"connections": opConnections,
		"dial":        opDial,
		"connect":     opDial,
		"echo":        opEcho,
		"disconnect":  opDisconnect,
		"stop":        opStop,
	})
}
