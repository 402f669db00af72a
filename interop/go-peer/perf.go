// `go-peer perf server|client`: a /perf/1.0.0 server and client over
// TCP + Noise + yamux on 127.0.0.1, for weft's benchmarks
// (benchmarks/src/stacks/anchors.ts drives it; interop/rust-peer/src/perf.rs
// takes the same arguments and prints the same lines).
//
// Wire format (libp2p/specs perf/perf.md, "Protocol"): the client sends the
// number of bytes it wants back as a big-endian uint64, uploads its bytes and
// closes its write side; the server reads to EOF, then sends the requested
// bytes and closes. go-libp2p keeps its own perf implementation in test
// code only, so this is a small one of our own.
//
//	go-peer perf server [-timeout S] [-max-bytes N]
//	  → {"type":"ready","address":"/ip4/127.0.0.1/tcp/…/p2p/…"}; serves until stdin ends or S passes
//	go-peer perf client -server ADDR -upload N -download N [-timeout S]
//	  → {"type":"result","connectSeconds":…,"uploadSeconds":…,"downloadSeconds":…}
//
// The client dials one connection (timed: TCP + Noise + yamux), then runs an
// upload-only and a download-only exchange on two streams, each timed from
// opening the stream to the end of the exchange.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

const (
	perfProtocol = protocol.ID("/perf/1.0.0")
	perfChunk    = 64 * 1024
	// what a server sends back at most unless told otherwise (weft's default too)
	defaultPerfMaxBytes = 4 << 30
)

// zeros is what both sides send: the perf protocol's payload carries no meaning
var zeros = make([]byte, perfChunk)

func runPerf(args []string) int {
	if len(args) == 0 || (args[0] != "server" && args[0] != "client") {
		fmt.Fprintln(os.Stderr, "usage: go-peer perf server|client [options]")
		return 2
	}
	flags := flag.NewFlagSet("perf "+args[0], flag.ContinueOnError)
	server := flags.String("server", "", "the server's multiaddr with /p2p/<peer id> (client)")
	upload := flags.Uint64("upload", 0, "bytes to upload (client)")
	download := flags.Uint64("download", 0, "bytes to download (client)")
	timeoutSeconds := flags.Uint("timeout", 300, "seconds after which the process exits whatever it is doing")
	maxBytes := flags.Uint64("max-bytes", defaultPerfMaxBytes, "the most a server sends back on one stream")
	if err := flags.Parse(args[1:]); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(max(*timeoutSeconds, 1))*time.Second)
	defer cancel()
	var err error
	if args[0] == "server" {
		err = perfServer(ctx, *maxBytes)
	} else {
		err = perfClient(ctx, *server, *upload, *download)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		return 1
	}
	return 0
}

func newPerfHost(listen bool) (host.Host, error) {
	options := []libp2p.Option{
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
	}
	if listen {
		options = append(options, libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	} else {
		options = append(options, libp2p.NoListenAddrs)
	}
	return libp2p.New(options...)
}

func perfServer(ctx context.Context, maxBytes uint64) error {
	h, err := newPerfHost(true)
	if err != nil {
		return err
	}
	defer h.Close()
	h.SetStreamHandler(perfProtocol, func(s network.Stream) {
		if err := servePerf(s, maxBytes); err != nil {
			fmt.Fprintln(os.Stderr, "perf server:", err)
			_ = s.Reset()
		}
	})
	address := fmt.Sprintf("%s/p2p/%s", h.Addrs()[0], h.ID())
	if err := printLine(map[string]any{"type": "ready", "address": address}); err != nil {
		return err
	}
	// the orchestrator ends us by closing our stdin (or going away)
	stdinClosed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case <-stdinClosed:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("server timed out: %w", ctx.Err())
	}
}

// servePerf answers one stream: read the request, drain the upload, send the bytes asked for.
func servePerf(s network.Stream, maxBytes uint64) error {
	var header [8]byte
	if _, err := io.ReadFull(s, header[:]); err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	wanted := binary.BigEndian.Uint64(header[:])
	if wanted > maxBytes {
		return fmt.Errorf("asked for %d bytes, the limit is %d", wanted, maxBytes)
	}
	if _, err := io.Copy(io.Discard, s); err != nil {
		return fmt.Errorf("reading the upload: %w", err)
	}
	if err := writeZeros(s, wanted); err != nil {
		return fmt.Errorf("sending %d bytes: %w", wanted, err)
	}
	return s.Close()
}

func writeZeros(w io.Writer, left uint64) error {
	for left > 0 {
		n := min(left, uint64(len(zeros)))
		if _, err := w.Write(zeros[:n]); err != nil {
			return err
		}
		left -= n
	}
	return nil
}

func perfClient(ctx context.Context, server string, upload, download uint64) error {
	addr, err := ma.NewMultiaddr(server)
	if err != nil {
		return fmt.Errorf("-server: %w", err)
	}
	info, err := peer.AddrInfoFromP2pAddr(addr)
	if err != nil {
		return fmt.Errorf("-server %s: %w", server, err)
	}
	h, err := newPerfHost(false)
	if err != nil {
		return err
	}
	defer h.Close()
	start := time.Now()
	if err := h.Connect(ctx, *info); err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	connectSeconds := time.Since(start).Seconds()
	uploadSeconds, err := perfExchange(ctx, h, info.ID, upload, 0)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	downloadSeconds, err := perfExchange(ctx, h, info.ID, 0, download)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	return printLine(map[string]any{
		"type":            "result",
		"connectSeconds":  connectSeconds,
		"uploadSeconds":   uploadSeconds,
		"downloadSeconds": downloadSeconds,
	})
}

// perfExchange runs one client stream; seconds from opening it to its end.
func perfExchange(ctx context.Context, h host.Host, id peer.ID, upload, download uint64) (float64, error) {
	start := time.Now()
	s, err := h.NewStream(ctx, id, perfProtocol)
	if err != nil {
		return 0, fmt.Errorf("opening a perf stream: %w", err)
	}
	defer s.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(deadline)
	}
	var header [8]byte
	binary.BigEndian.PutUint64(header[:], download)
	if _, err := s.Write(header[:]); err != nil {
		return 0, err
	}
	if err := writeZeros(s, upload); err != nil {
		return 0, err
	}
	if err := s.CloseWrite(); err != nil {
		return 0, err
	}
	// one byte more than asked for tells a server that sends too much from one that is exact
	received, err := io.Copy(io.Discard, io.LimitReader(s, int64(download)+1))
	if err != nil {
		return 0, fmt.Errorf("after %d bytes: %w", received, err)
	}
	if uint64(received) != download {
		return 0, fmt.Errorf("asked for %d bytes, got %d", download, received)
	}
	return time.Since(start).Seconds(), nil
}

func printLine(value map[string]any) error {
	line, err := json.Marshal(value)
	if err != nil {
		return err
	}
	_, err = fmt.Println(string(line))
	return err
}
