// The JSON-lines agent: `go-peer agent` runs one go-libp2p host driven by
// requests on stdin and answers on stdout, the protocol of the NAT lab's
// agents (interop/natlab/test/agent.ts): a request is `{"id", "op", ...args}`
// on one line, its answer `{"id", "ok": true, "result"}` or `{"id", "ok":
// false, "error"}`. Requests run concurrently (at most maxInFlight at once),
// each under a deadline (its `timeout` in ms if given, capped at maxTimeout).
// The ops live beside this file: agent_host.go (start, addresses,
// connections, dial, echo, reserve, stop), agent_holepunch.go (outcome),
// agent_dht.go (the kad-dht ops) and agent_pubsub.go (gossipsub). Logs go to
// stderr. The agent exits when stdin closes.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

const (
	maxInFlight    = 64
	defaultTimeout = 30 * time.Second
	maxTimeout     = 180 * time.Second
	maxRequestLine = 4 << 20
)

type request struct {
	ID      json.RawMessage `json:"id"`
	Op      string          `json:"op"`
	Timeout float64         `json:"timeout"`
}

type reply struct {
	ID     json.RawMessage `json:"id"`
	OK     bool            `json:"ok"`
	Result any             `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// opFunc answers one request; `args` is the whole request line, decoded by the op into its own struct.
type opFunc func(ctx context.Context, a *agent, args json.RawMessage) (any, error)

var agentOps = map[string]opFunc{}

// registerOps adds ops; each op file calls it from init.
func registerOps(ops map[string]opFunc) {
	for name, op := range ops {
		agentOps[name] = op
	}
}

type agent struct {
	// ctx lives as long as the agent; services started by `start` run under it
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	node  *agentHost // nil until `start`
	outMu sync.Mutex
	out   *bufio.Writer
}

func runAgent(args []string) int {
	if len(args) > 0 {
		fmt.Fprintln(os.Stderr, "agent: takes no arguments, got", args)
		return 2
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &agent{ctx: ctx, cancel: cancel, out: bufio.NewWriter(os.Stdout)}
	defer a.shutdown()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		a.shutdown()
		os.Exit(0)
	}()

	slots := make(chan struct{}, maxInFlight)
	var running sync.WaitGroup
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 64<<10), maxRequestLine)
	for scanner.Scan() {
		line := append([]byte(nil), scanner.Bytes()...)
		var req request
		if err := json.Unmarshal(line, &req); err != nil || len(req.ID) == 0 {
			fmt.Fprintf(os.Stderr, "agent: ignoring a line that is not a request: %.200s\n", line)
			continue
		}
		op, ok := agentOps[req.Op]
		if !ok {
			a.send(reply{ID: req.ID, Error: fmt.Sprintf("unknown op %q", req.Op)})
			continue
		}
		select {
		case slots <- struct{}{}:
		default:
			a.send(reply{ID: req.ID, Error: fmt.Sprintf("busy: %d requests already in flight", maxInFlight)})
			continue
		}
		running.Add(1)
		go func() {
			defer running.Done()
			defer func() { <-slots }()
			a.send(a.serve(req, op, line))
		}()
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "agent: reading stdin:", err)
	}
	a.cancel()
	running.Wait()
	return 0
}

func (a *agent) serve(req request, op opFunc, line []byte) (r reply) {
	r.ID = req.ID
	timeout := defaultTimeout
	if req.Timeout > 0 {
		timeout = min(time.Duration(req.Timeout*float64(time.Millisecond))+5*time.Second, maxTimeout)
	}
	ctx, cancel := context.WithTimeout(a.ctx, timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			r.OK, r.Result, r.Error = false, nil, fmt.Sprintf("panic in %s: %v", req.Op, p)
		}
	}()
	result, err := op(ctx, a, line)
	if err != nil {
		r.Error = fmt.Sprintf("%s: %v", req.Op, err)
		return r
	}
	r.OK, r.Result = true, result
	if result == nil {
		r.Result = json.RawMessage("null")
	}
	return r
}

func (a *agent) send(r reply) {
	line, err := json.Marshal(r)
	if err != nil {
		line, _ = json.Marshal(reply{ID: r.ID, Error: "encoding the result: " + err.Error()})
	}
	a.outMu.Lock()
	defer a.outMu.Unlock()
	_, _ = a.out.Write(append(line, '\n'))
	_ = a.out.Flush()
}

// started returns the running host, or an error when `start` has not run.
func (a *agent) started() (*agentHost, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.node == nil {
		return nil, errors.New("no host: send start first")
	}
	return a.node, nil
}

func (a *agent) shutdown() {
	a.mu.Lock()
	node := a.node
	a.node = nil
	a.mu.Unlock()
	if node != nil {
		node.close()
	}
	a.cancel()
}

// decode reads an op's arguments from its request line.
func decode[T any](args json.RawMessage) (T, error) {
	var v T
	if err := json.Unmarshal(args, &v); err != nil {
		return v, fmt.Errorf("arguments: %w", err)
	}
	return v, nil
}

// millisOr converts a duration in ms, or returns `fallback` when it is not positive.
func millisOr(ms float64, fallback time.Duration) time.Duration {
	if ms <= 0 {
		return fallback
	}
	return time.Duration(ms * float64(time.Millisecond))
}

func init() {
	registerOps(map[string]opFunc{
		"ping": func(context.Context, *agent, json.RawMessage) (any, error) { return "pong", nil },
	})
}
