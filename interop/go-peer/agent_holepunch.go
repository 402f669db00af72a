// The `outcome` op: what go-libp2p's hole punching (DCUtR) ended with, per
// remote peer, in the shape the weft agent reports (host-agent.mjs):
// { peer, outcome: 'direct' | 'failed', method: 'hole-punch' | 'unilateral',
// side, attempts, remoteAddr, error }.
//
// go's holepunch service reports through two tracers: events (with the remote
// peer) and metrics (HolePunchFinished, with the side and attempt count but
// no peer). HolePunchFinished is called on the same goroutine right after the
// EndHolePunch event of its punch, so it is attributed to the peer of the
// latest EndHolePunch; concurrent punches with several peers could blur that
// attribution of side and attempts (never the outcome of a success, which
// comes from the event itself).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/holepunch"
	ma "github.com/multiformats/go-multiaddr"
)

// maxOutcomes bounds the outcomes kept; the oldest go first.
const maxOutcomes = 1024

type punchOutcome struct {
	Peer       string `json:"peer"`
	Outcome    string `json:"outcome"`
	Method     string `json:"method,omitempty"`
	Side       string `json:"side,omitempty"`
	Attempts   int    `json:"attempts"`
	RemoteAddr string `json:"remoteAddr,omitempty"`
	Error      string `json:"error,omitempty"`
	At         string `json:"at"`
}

type punchTracker struct {
	mu        sync.Mutex
	attempts  map[peer.ID]int
	lastError map[peer.ID]string
	lastEnded peer.ID
	outcomes  []punchOutcome
}

var (
	_ holepunch.EventTracer   = (*punchTracker)(nil)
	_ holepunch.MetricsTracer = (*punchTracker)(nil)
)

func newPunchTracker() *punchTracker {
	return &punchTracker{attempts: map[peer.ID]int{}, lastError: map[peer.ID]string{}}
}

func (t *punchTracker) record(o punchOutcome) {
	o.At = time.Now().UTC().Format(time.RFC3339Nano)
	t.outcomes = append(t.outcomes, o)
	if len(t.outcomes) > maxOutcomes {
		t.outcomes = t.outcomes[len(t.outcomes)-maxOutcomes:]
	}
}

// Trace receives go's hole-punch events.
func (t *punchTracker) Trace(evt *holepunch.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	remote := evt.Remote
	switch e := evt.Evt.(type) {
	case *holepunch.HolePunchAttemptEvt:
		t.attempts[remote] = e.Attempt
	case *holepunch.EndHolePunchEvt:
		t.lastEnded = remote
		if e.Success {
			t.record(punchOutcome{Peer: remote.String(), Outcome: "direct", Method: "hole-punch", Attempts: t.attempts[remote]})
			delete(t.attempts, remote)
		} else {
			t.lastError[remote] = e.Error
		}
	case *holepunch.DirectDialEvt:
		if e.Success {
			t.record(punchOutcome{Peer: remote.String(), Outcome: "direct", Method: "unilateral"})
		}
	case *holepunch.ProtocolErrorEvt:
		t.record(punchOutcome{Peer: remote.String(), Outcome: "failed", Method: "hole-punch", Attempts: t.attempts[remote], Error: e.Error})
		delete(t.attempts, remote)
	}
}

// HolePunchFinished closes a punch: a failure is recorded here (a success already was, from its event).
func (t *punchTracker) HolePunchFinished(side string, attempts int, _ []ma.Multiaddr, _ []ma.Multiaddr, direct network.ConnMultiaddrs) {
	t.mu.Lock()
	defer t.mu.Unlock()
	remote := t.lastEnded
	if remote == "" {
		return
	}
	for i := len(t.outcomes) - 1; i >= 0; i-- {
		o := &t.outcomes[i]
		if o.Peer == remote.String() && o.Side == "" {
			if o.Outcome == "direct" {
				o.Side, o.Attempts = side, attempts
				if direct != nil {
					o.RemoteAddr = direct.RemoteMultiaddr().String()
				}
				return
			}
			break
		}
	}
	if direct == nil {
		t.record(punchOutcome{Peer: remote.String(), Outcome: "failed", Method: "hole-punch", Side: side, Attempts: attempts, Error: t.lastError[remote]})
	}
	delete(t.attempts, remote)
	delete(t.lastError, remote)
}

func (t *punchTracker) DirectDialFinished(bool) {}

func (t *punchTracker) find(id string) *punchOutcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range t.outcomes {
		if o.Peer == id {
			found := o
			return &found
		}
	}
	return nil
}

type outcomeArgs struct {
	Peer    string  `json:"peer"`
	Timeout float64 `json:"timeout"`
}

// opOutcome waits up to `timeout` ms for the hole-punch outcome with `peer`; null when there is none.
func opOutcome(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	node, err := a.started()
	if err != nil {
		return nil, err
	}
	args, err := decode[outcomeArgs](raw)
	if err != nil {
		return nil, err
	}
	if _, err := peer.Decode(args.Peer); err != nil {
		return nil, fmt.Errorf("peer %q: %w", args.Peer, err)
	}
	deadline := time.Now().Add(millisOr(args.Timeout, 0))
	for {
		if found := node.punches.find(args.Peer); found != nil {
			if found.RemoteAddr == "" && found.Outcome == "direct" {
				found.RemoteAddr = directAddrTo(node, args.Peer)
			}
			return found, nil
		}
		if time.Now().After(deadline) {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func directAddrTo(node *agentHost, id string) string {
	for _, c := range node.host.Network().Conns() {
		if info := describeConn(c); info.RemotePeer == id && info.Direct {
			return info.RemoteAddr
		}
	}
	return ""
}

func init() {
	registerOps(map[string]opFunc{"outcome": opOutcome})
}
