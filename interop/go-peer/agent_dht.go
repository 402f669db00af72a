// The agent's kad-dht ops, on go-libp2p-kad-dht started by `start` with
// `dht: { mode: 'server' | 'client', protocol? }`. Its validator is the
// library's default namespaced one: `/pk/` (record.PublicKeyValidator) and
// `/ipns/`. Keys and values travel base64-encoded (standard alphabet).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ipfs/go-cid"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// maxProvidersAsked bounds find-providers.
const maxProvidersAsked = 100

type dhtArgs struct {
	Mode string `json:"mode"`
	// Protocol is the full protocol id ("/ipfs/kad/1.0.0" by default, like weft's `protocol`)
	Protocol string `json:"protocol"`
}

func startDHT(h host.Host, args dhtArgs) (*dht.IpfsDHT, error) {
	opts := []dht.Option{}
	switch args.Mode {
	case "", "server":
		opts = append(opts, dht.Mode(dht.ModeServer))
	case "client":
		opts = append(opts, dht.Mode(dht.ModeClient))
	default:
		return nil, fmt.Errorf("dht mode: expected server or client, got %q", args.Mode)
	}
	if args.Protocol != "" {
		prefix, ok := strings.CutSuffix(args.Protocol, "/kad/1.0.0")
		if !ok || prefix == "" {
			return nil, fmt.Errorf("dht protocol: expected <prefix>/kad/1.0.0, got %q", args.Protocol)
		}
		opts = append(opts, dht.ProtocolPrefix(protocol.ID(prefix)))
	}
	d, err := dht.New(h, opts...)
	if err != nil {
		return nil, fmt.Errorf("dht: %w", err)
	}
	return d, nil
}

func startedDHT(a *agent) (*dht.IpfsDHT, error) {
	node, err := a.started()
	if err != nil {
		return nil, err
	}
	if node.dht == nil {
		return nil, errors.New("no DHT: start with dht: { mode }")
	}
	return node.dht, nil
}

type peerInfo struct {
	ID    string   `json:"id"`
	Addrs []string `json:"addrs"`
}

func toPeerInfo(info peer.AddrInfo) peerInfo {
	return peerInfo{ID: info.ID.String(), Addrs: addrStrings(info.Addrs)}
}

// opDHTBootstrap runs a routing-table refresh (a self lookup and random walks) and waits for it.
func opDHTBootstrap(ctx context.Context, a *agent, _ json.RawMessage) (any, error) {
	d, err := startedDHT(a)
	if err != nil {
		return nil, err
	}
	select {
	case err := <-d.RefreshRoutingTable():
		if err != nil {
			return nil, err
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return routingTable(d), nil
}

func routingTable(d *dht.IpfsDHT) []string {
	out := []string{}
	for _, id := range d.RoutingTable().ListPeers() {
		out = append(out, id.String())
	}
	return out
}

func opRoutingTable(_ context.Context, a *agent, _ json.RawMessage) (any, error) {
	d, err := startedDHT(a)
	if err != nil {
		return nil, err
	}
	return routingTable(d), nil
}

func opFindPeer(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	d, err := startedDHT(a)
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
	info, err := d.FindPeer(ctx, id)
	if err != nil {
		return nil, err
	}
	return toPeerInfo(info), nil
}

type cidArgs struct {
	CID   string `json:"cid"`
	Count int    `json:"count"`
}

func opProvide(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	d, err := startedDHT(a)
	if err != nil {
		return nil, err
	}
	args, err := decode[cidArgs](raw)
	if err != nil {
		return nil, err
	}
	c, err := cid.Decode(args.CID)
	if err != nil {
		return nil, fmt.Errorf("cid %q: %w", args.CID, err)
	}
	return true, d.Provide(ctx, c, true)
}

// opFindProviders collects up to `count` providers (default 20), until the lookup ends or the deadline.
func opFindProviders(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	d, err := startedDHT(a)
	if err != nil {
		return nil, err
	}
	args, err := decode[cidArgs](raw)
	if err != nil {
		return nil, err
	}
	c, err := cid.Decode(args.CID)
	if err != nil {
		return nil, fmt.Errorf("cid %q: %w", args.CID, err)
	}
	count := args.Count
	if count <= 0 || count > maxProvidersAsked {
		count = 20
	}
	out := []peerInfo{}
	for info := range d.FindProvidersAsync(ctx, c, count) {
		out = append(out, toPeerInfo(info))
	}
	return out, nil
}

type valueArgs struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func opPutValue(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	d, err := startedDHT(a)
	if err != nil {
		return nil, err
	}
	args, err := decode[valueArgs](raw)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(args.Key)
	if err != nil {
		return nil, fmt.Errorf("key: expected base64: %w", err)
	}
	value, err := base64.StdEncoding.DecodeString(args.Value)
	if err != nil {
		return nil, fmt.Errorf("value: expected base64: %w", err)
	}
	return true, d.PutValue(ctx, string(key), value)
}

func opGetValue(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	d, err := startedDHT(a)
	if err != nil {
		return nil, err
	}
	args, err := decode[valueArgs](raw)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(args.Key)
	if err != nil {
		return nil, fmt.Errorf("key: expected base64: %w", err)
	}
	value, err := d.GetValue(ctx, string(key))
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString(value), nil
}

func init() {
	registerOps(map[string]opFunc{
		"dht-bootstrap":  opDHTBootstrap,
		"routing-table":  opRoutingTable,
		"find-peer":      opFindPeer,
		"provide":        opProvide,
		"find-providers": opFindProviders,
		"put-value":      opPutValue,
		"get-value":      opGetValue,
	})
}
