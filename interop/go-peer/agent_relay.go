// The agent's circuit relay v2 parts: the relay server's limits taken from
// `start`'s relayInit, and `reserve`, which books a slot on a relay (weft's
// or go's) so that circuits reach this host through it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	ma "github.com/multiformats/go-multiaddr"
)

// relayInit maps the relay limits of weft's and js-libp2p's relay options onto go's relay.Resources.
type relayInit struct {
	MaxReservations      int     `json:"maxReservations"`
	MaxReservationsPerIP int     `json:"maxReservationsPerIp"`
	MaxCircuits          int     `json:"maxCircuits"`
	ReservationTTL       float64 `json:"reservationTtl"` // ms
	DurationLimit        float64 `json:"durationLimit"`  // ms per relayed connection
	DataLimit            int64   `json:"dataLimit"`      // bytes per direction
	// the js-libp2p spelling: reservations: { maxReservations, defaultDurationLimit, defaultDataLimit }
	Reservations *struct {
		MaxReservations      int     `json:"maxReservations"`
		DefaultDurationLimit float64 `json:"defaultDurationLimit"`
		DefaultDataLimit     int64   `json:"defaultDataLimit"`
	} `json:"reservations"`
}

func (r *relayInit) resources() relay.Resources {
	rc := relay.DefaultResources()
	maxReservations, duration, data := r.MaxReservations, r.DurationLimit, r.DataLimit
	if r.Reservations != nil {
		maxReservations = max(maxReservations, r.Reservations.MaxReservations)
		duration = max(duration, r.Reservations.DefaultDurationLimit)
		data = max(data, r.Reservations.DefaultDataLimit)
	}
	if maxReservations > 0 {
		rc.MaxReservations = maxReservations
	}
	if r.MaxReservationsPerIP > 0 {
		rc.MaxReservationsPerIP = r.MaxReservationsPerIP
	}
	if r.MaxCircuits > 0 {
		rc.MaxCircuits = r.MaxCircuits
	}
	rc.ReservationTTL = millisOr(r.ReservationTTL, rc.ReservationTTL)
	rc.Limit.Duration = millisOr(duration, rc.Limit.Duration)
	if data > 0 {
		rc.Limit.Data = data
	}
	return rc
}

type reserveResult struct {
	Expiration    string   `json:"expiration"`
	Addrs         []string `json:"addrs"`
	LimitDuration float64  `json:"limitDuration"` // ms, 0: none
	LimitData     uint64   `json:"limitData"`     // bytes per direction, 0: none
}

// opReserve reserves a slot on the relay at `addr`: the relay then forwards circuits to this host,
// which accepts them through the relay transport. Errors name the relay's status (RESERVATION_REFUSED, ...).
func opReserve(ctx context.Context, a *agent, raw json.RawMessage) (any, error) {
	node, err := a.started()
	if err != nil {
		return nil, err
	}
	args, err := decode[addrArgs](raw)
	if err != nil {
		return nil, err
	}
	parsed, err := ma.NewMultiaddr(args.Addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", args.Addr, err)
	}
	info, err := peer.AddrInfoFromP2pAddr(parsed)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", args.Addr, err)
	}
	if err := node.host.Connect(ctx, *info); err != nil {
		return nil, fmt.Errorf("connecting to the relay: %w", err)
	}
	rsvp, err := client.Reserve(ctx, node.host, *info)
	if err != nil {
		return nil, err
	}
	return reserveResult{
		Expiration:    rsvp.Expiration.UTC().Format(time.RFC3339),
		Addrs:         addrStrings(rsvp.Addrs),
		LimitDuration: float64(rsvp.LimitDuration.Milliseconds()),
		LimitData:     rsvp.LimitData,
	}, nil
}

func init() {
	registerOps(map[string]opFunc{"reserve": opReserve})
}
