// The agent's gossipsub ops, on go-libp2p-pubsub's GossipSub started by
// `start` with `pubsub: {}` (StrictSign, the library's default message id
// from+seqno; optional `validateQueueSize`, `outboundQueueSize`,
// `heartbeatMs`). `subscribe` joins a topic and records every message
// delivered to the subscription (at most maxKeptMessages per topic, further
// ones are counted as dropped); `received` returns them so tests can check
// exactly-once delivery; `pubsub-stats` returns what the library's raw tracer
// saw (rejections by reason, dropped RPCs, undeliverable messages, mesh
// peers), the evidence when something is lost.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

const (
	maxKeptMessages = 20_000
	maxTopics       = 64
	// subscriptionBuffer is go-pubsub's per-subscription queue (its default is 32);
	// a reader that falls behind it loses messages (UndeliverableMessage)
	subscriptionBuffer = 1024
)

type pubsubArgs struct {
	ValidateQueueSize int     `json:"validateQueueSize"`
	OutboundQueueSize int     `json:"outboundQueueSize"`
	HeartbeatMs       float64 `json:"heartbeatMs"`
}

type receivedMessage struct {
	From  string `json:"from"`
	Seqno string `json:"seqno"`
	Data  string `json:"data"`
	Local bool   `json:"local"`
}

type topicState struct {
	topic    *pubsub.Topic
	sub      *pubsub.Subscription
	messages []receivedMessage
	dropped  int
}

type agentPubSub struct {
	ps     *pubsub.PubSub
	self   peer.ID
	cancel context.CancelFunc
	ctx    context.Context
	mu     sync.Mutex
	topics map[string]*topicState
	trace  *pubsubTrace
	wg     sync.WaitGroup
}

func startPubSub(parent context.Context, h host.Host, args pubsubArgs) (*agentPubSub, error) {
	ctx, cancel := context.WithCancel(parent)
	trace := &pubsubTrace{rejected: map[string]int{}, mesh: map[string]map[peer.ID]bool{}}
	opts := []pubsub.Option{
		pubsub.WithMessageSignaturePolicy(pubsub.StrictSign),
		pubsub.WithRawTracer(trace),
	}
	if args.ValidateQueueSize > 0 {
		opts = append(opts, pubsub.WithValidateQueueSize(args.ValidateQueueSize))
	}
	if args.OutboundQueueSize > 0 {
		opts = append(opts, pubsub.WithPeerOutboundQueueSize(args.OutboundQueueSize))
	}
	if args.HeartbeatMs > 0 {
		params := pubsub.DefaultGossipSubParams()
		params.HeartbeatInterval = millisOr(args.HeartbeatMs, params.HeartbeatInterval)
		opts = append(opts, pubsub.WithGossipSubParams(params))
	}
	ps, err := pubsub.NewGossipSub(ctx, h, opts...)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("gossipsub: %w", err)
	}
	return &agentPubSub{ps: ps, self: h.ID(), ctx: ctx, cancel: cancel, topics: map[string]*topicState{}, trace: trace}, nil
}

func (p *agentPubSub) close() {
	p.cancel()
	p.mu.Lock()
	for _, t := range p.topics {
		t.sub.Cancel()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// join returns the topic's state, joining and subscribing the first time.
func (p *agentPubSub) join(name string) (*topicState, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.topics[name]; ok {
		return t, nil
	}
	if len(p.topics) >= maxTopics {
		return nil, fmt.Errorf("at most %d topics", maxTopics)
	}
	topic, err := p.ps.Join(name)
	if err != nil {
		return nil, err
	}
	sub, err := topic.Subscribe(pubsub.WithBufferSize(subscriptionBuffer))
	if err != nil {
		return nil, err
	}
	t := &topicState{topic: topic, sub: sub}
	p.topics[name] = t
	p.wg.Add(1)
	go p.read(t)
	return t, nil
}

func (p *agentPubSub) read(t *topicState) {
	defer p.wg.Done()
	for {
		msg, err := t.sub.Next(p.ctx)
		if err != nil {
			return
		}
		from := msg.GetFrom()
		m := receivedMessage{From: from.String(), Seqno: hex.EncodeToString(msg.GetSeqno()), Data: string(msg.GetData()), Local: from == p.self}
		p.mu.Lock()
		if len(t.messages) < maxKeptMessages {
			t.messages = append(t.messages, m)
		} else {
			t.dropped++
		}
		p.mu.Unlock()
	}
}

func startedPubSub(a *agent) (*agentPubSub, error) {
	node, err := a.started()
	if err != nil {
		return nil, err
	}
	if node.pubsub == nil {
		return nil, errors.New("no pubsub: start with pubsub: {}")
	}
	return node.pubsub, nil
}

type topicArgs struct {
	Topic string `json:"topic"`
	Data  string `json:"data"`
	Since int    `json:"since"`
}

func opSubscribe(_ context.Context, a *agent, raw json.RawMessage) (any, error) {
	p, err := startedPubSub(a)
	if err != nil {
		return nil, err
	}
	args, err := decode[topicArgs](raw)
	if err != nil {
		return nil, err
	}
	_, err = p.join(args.Topic)
	return true, err
}

func opPublish(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	p, err := startedPubSub(a)
	if err != nil {
		return nil, err
	}
	args, err := decode[topicArgs](raw)
	if err != nil {
		return nil, err
	}
	t, err := p.join(args.Topic)
	if err != nil {
		return nil, err
	}
	return true, t.topic.Publish(ctx, []byte(args.Data))
}

type burstArgs struct {
	Topic  string `json:"topic"`
	Prefix string `json:"prefix"`
	Count  int    `json:"count"`
}

// opPublishBurst publishes `count` messages `<prefix><i>` back to back, the go side of the burst
// test: what go's own queues do with a go publisher's burst.
func opPublishBurst(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	p, err := startedPubSub(a)
	if err != nil {
		return nil, err
	}
	args, err := decode[burstArgs](raw)
	if err != nil {
		return nil, err
	}
	if args.Count < 1 || args.Count > maxKeptMessages {
		return nil, fmt.Errorf("count: expected 1..%d, got %d", maxKeptMessages, args.Count)
	}
	t, err := p.join(args.Topic)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	for i := range args.Count {
		if err := t.topic.Publish(ctx, []byte(fmt.Sprintf("%s%d", args.Prefix, i))); err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
	}
	return map[string]float64{"ms": millis(time.Since(start))}, nil
}

type receivedResult struct {
	Messages []receivedMessage `json:"messages"`
	Total    int               `json:"total"`
	Dropped  int               `json:"dropped"`
}

// opReceived returns the messages delivered on `topic`, from index `since` on.
func opReceived(_ context.Context, a *agent, raw json.RawMessage) (any, error) {
	p, err := startedPubSub(a)
	if err != nil {
		return nil, err
	}
	args, err := decode[topicArgs](raw)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.topics[args.Topic]
	if !ok {
		return nil, fmt.Errorf("not subscribed to %q", args.Topic)
	}
	since := min(max(args.Since, 0), len(t.messages))
	return receivedResult{Messages: append([]receivedMessage{}, t.messages[since:]...), Total: len(t.messages), Dropped: t.dropped}, nil
}

type topicPeers struct {
	Subscribers []string `json:"subscribers"`
	Mesh        []string `json:"mesh"`
}

func opTopicPeers(_ context.Context, a *agent, raw json.RawMessage) (any, error) {
	p, err := startedPubSub(a)
	if err != nil {
		return nil, err
	}
	args, err := decode[topicArgs](raw)
	if err != nil {
		return nil, err
	}
	out := topicPeers{Subscribers: []string{}, Mesh: p.trace.meshPeers(args.Topic)}
	p.mu.Lock()
	t, ok := p.topics[args.Topic]
	p.mu.Unlock()
	if ok {
		for _, id := range t.topic.ListPeers() {
			out.Subscribers = append(out.Subscribers, id.String())
		}
	}
	return out, nil
}

func opPubSubStats(_ context.Context, a *agent, _ json.RawMessage) (any, error) {
	p, err := startedPubSub(a)
	if err != nil {
		return nil, err
	}
	return p.trace.stats(), nil
}

// pubsubTrace is go-pubsub's RawTracer: counts what was lost and keeps the mesh per topic.
type pubsubTrace struct {
	mu            sync.Mutex
	validated     int
	delivered     int
	duplicates    int
	rejected      map[string]int
	droppedRPCs   int
	undeliverable int
	mesh          map[string]map[peer.ID]bool
}

type pubsubStats struct {
	Validated     int            `json:"validated"`
	Delivered     int            `json:"delivered"`
	Duplicates    int            `json:"duplicates"`
	Rejected      map[string]int `json:"rejected"`
	DroppedRPCs   int            `json:"droppedRpcs"`
	Undeliverable int            `json:"undeliverable"`
}

func (t *pubsubTrace) stats() pubsubStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	rejected := map[string]int{}
	for reason, n := range t.rejected {
		rejected[reason] = n
	}
	return pubsubStats{t.validated, t.delivered, t.duplicates, rejected, t.droppedRPCs, t.undeliverable}
}

func (t *pubsubTrace) meshPeers(topic string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := []string{}
	for id := range t.mesh[topic] {
		out = append(out, id.String())
	}
	return out
}

func (t *pubsubTrace) count(f func()) {
	t.mu.Lock()
	f()
	t.mu.Unlock()
}

func (t *pubsubTrace) OnNewOutboundStream(peer.ID, protocol.ID) {}
func (t *pubsubTrace) OnClosedOutboundStream(peer.ID)           {}
func (t *pubsubTrace) AddPeer(peer.ID, protocol.ID)             {}
func (t *pubsubTrace) RemovePeer(id peer.ID) {
	t.count(func() {
		for _, peers := range t.mesh {
			delete(peers, id)
		}
	})
}
func (t *pubsubTrace) Join(string)  {}
func (t *pubsubTrace) Leave(string) {}
func (t *pubsubTrace) Graft(id peer.ID, topic string) {
	t.count(func() {
		if t.mesh[topic] == nil {
			t.mesh[topic] = map[peer.ID]bool{}
		}
		t.mesh[topic][id] = true
	})
}
func (t *pubsubTrace) Prune(id peer.ID, topic string) {
	t.count(func() { delete(t.mesh[topic], id) })
}
func (t *pubsubTrace) ValidateMessage(*pubsub.Message) { t.count(func() { t.validated++ }) }
func (t *pubsubTrace) DeliverMessage(*pubsub.Message)  { t.count(func() { t.delivered++ }) }
func (t *pubsubTrace) RejectMessage(_ *pubsub.Message, reason string) {
	t.count(func() { t.rejected[reason]++ })
}
func (t *pubsubTrace) DuplicateMessage(*pubsub.Message)                     { t.count(func() { t.duplicates++ }) }
func (t *pubsubTrace) ThrottlePeer(peer.ID)                                 {}
func (t *pubsubTrace) RecvRPC(*pubsub.RPC)                                  {}
func (t *pubsubTrace) SendRPC(*pubsub.RPC, peer.ID)                         {}
func (t *pubsubTrace) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
func (t *pubsubTrace) DropRPC(*pubsub.RPC, peer.ID)                         { t.count(func() { t.droppedRPCs++ }) }
func (t *pubsubTrace) UndeliverableMessage(*pubsub.Message)                 { t.count(func() { t.undeliverable++ }) }

func init() {
	registerOps(map[string]opFunc{
		"subscribe":     opSubscribe,
		"publish":       opPublish,
		"publish-burst": opPublishBurst,
		"received":      opReceived,
		"topic-peers":   opTopicPeers,
		"pubsub-stats":  opPubSubStats,
	})
}
