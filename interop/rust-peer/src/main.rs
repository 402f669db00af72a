//! rust-libp2p peer for weft's interop matrix.
//!
//! Configured from environment variables like every peer of the matrix (see
//! interop/runner/README.md): `transport` (tcp|ws|quic-v1), `security` (noise|tls),
//! `muxer` (yamux|mplex; both ignored for quic-v1, which brings its own), `is_dialer`,
//! `ip`, `listen_addr`, `listener_addr`, `test_timeout_seconds`; the upper-case names of
//! libp2p/unified-testing work too. The listener prints `<addr>/p2p/<peerId>`, then
//! a JSON line about the dialer once identify completes; the dialer connects, pings,
//! checks identify, echoes 1 MiB on /weft-interop/echo/1.0.0 and prints one JSON result line.
//! `rust-peer perf …` is the /perf/1.0.0 server and client of the benchmarks
//! instead (src/perf.rs).

use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use libp2p::{
    identify, identity, multiaddr::Protocol, noise, ping, tls, swarm::NetworkBehaviour,
    swarm::SwarmEvent, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm, SwarmBuilder,
};
use tokio::sync::mpsc;

mod config;
mod perf;
mod report;

use config::{read_config, Config};
use report::{self_json, Report};

/// The libp2p crate version pinned in Cargo.toml (`=0.57.1`), for the agent version.
const LIBP2P_VERSION: &str = "0.57.1";
const ECHO_PROTOCOL: StreamProtocol = StreamProtocol::new("/weft-interop/echo/1.0.0");
const ECHO_BYTES: usize = 1 << 20;
/// Upper bound on what an echo stream may carry, so a misbehaving peer cannot exhaust memory.
const MAX_ECHO_BYTES: u64 = 2 * ECHO_BYTES as u64;

#[derive(NetworkBehaviour)]
struct Behaviour {
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    stream: libp2p_stream::Behaviour,
}

/// What the swarm task reports to the test flow.
enum Event {
    Listening(Multiaddr),
    Pinged(PeerId, Duration),
    Identified(PeerId, identify::Info),
    Failed(String),
}

async fn build_swarm(
    config: &Config,
    agent: &str,
) -> Result<Swarm<Behaviour>, Box<dyn std::error::Error>> {
    let key = identity::Keypair::generate_ed25519();
    let make_behaviour = |key: &identity::Keypair| Behaviour {
        identify: identify::Behaviour::new(
            identify::Config::new("ipfs/0.1.0".into(), key.public())
                .with_agent_version(agent.to_string()),
        ),
        // one ping right after connecting is all we need; the next would come after an hour
        ping: ping::Behaviour::new(ping::Config::new().with_interval(Duration::from_secs(3600))),
        stream: libp2p_stream::Behaviour::new(),
    };
    let idle = |c: libp2p::swarm::Config| c.with_idle_connection_timeout(config.timeout);
    let builder = SwarmBuilder::with_existing_identity(key).with_tokio();
    let tcp_config = tcp::Config::default().nodelay(true);
    // one arm per transport × security × muxer: each combination is its own type
    macro_rules! tcp_swarm {
        ($security:expr, $muxer:expr) => {
            builder
                .with_tcp(tcp_config, $security, $muxer)?
                .with_behaviour(make_behaviour)?
                .with_swarm_config(idle)
                .build()
        };
    }
    macro_rules! ws_swarm {
        ($security:expr, $muxer:expr) => {
            builder
                .with_websocket($security, $muxer)
                .await?
                .with_behaviour(make_behaviour)?
                .with_swarm_config(idle)
                .build()
        };
    }
    if config.transport == "quic-v1" {
        return Ok(builder
            .with_quic()
            .with_behaviour(make_behaviour)?
            .with_swarm_config(idle)
            .build());
    }
    let swarm = match (
        config.transport.as_str(),
        config.security.as_str(),
        config.muxer.as_str(),
    ) {
        ("tcp", "tls", "yamux") => tcp_swarm!(tls::Config::new, yamux::Config::default),
        ("tcp", "tls", _) => tcp_swarm!(tls::Config::new, libp2p_mplex::Config::default),
        ("tcp", _, "yamux") => tcp_swarm!(noise::Config::new, yamux::Config::default),
        ("tcp", _, _) => tcp_swarm!(noise::Config::new, libp2p_mplex::Config::default),
        (_, "tls", "yamux") => ws_swarm!(tls::Config::new, yamux::Config::default),
        (_, "tls", _) => ws_swarm!(tls::Config::new, libp2p_mplex::Config::default),
        (_, _, "yamux") => ws_swarm!(noise::Config::new, yamux::Config::default),
        _ => ws_swarm!(noise::Config::new, libp2p_mplex::Config::default),
    };
    Ok(swarm)
}

/// Drives the swarm and forwards what the test flow needs; bounded channel.
async fn drive(mut swarm: Swarm<Behaviour>, events: mpsc::Sender<Event>) {
    loop {
        let event = match swarm.select_next_some().await {
            SwarmEvent::NewListenAddr { address, .. } => Event::Listening(address),
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event {
                peer,
                result: Ok(rtt),
                ..
            })) => Event::Pinged(peer, rtt),
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event {
                peer,
                result: Err(err),
                ..
            })) => Event::Failed(format!("ping {peer}: {err}")),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => Event::Identified(peer_id, info),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Error {
                peer_id,
                error,
                ..
            })) => Event::Failed(format!("identify {peer_id}: {error}")),
            SwarmEvent::OutgoingConnectionError { error, .. } => {
                Event::Failed(format!("dial: {error}"))
            }
            _ => continue,
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
}

/// Echoes every byte back, then half-closes once the remote has.
async fn echo(mut stream: libp2p::Stream) -> std::io::Result<()> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > MAX_ECHO_BYTES {
            return Err(std::io::Error::other("echo: too many bytes"));
        }
        stream.write_all(&buffer[..n]).await?;
    }
    stream.close().await
}

fn payload(size: usize) -> Vec<u8> {
    let mut x: u32 = 0x5eed;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn millis(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

async fn next(events: &mut mpsc::Receiver<Event>) -> Result<Event, String> {
    events
        .recv()
        .await
        .ok_or_else(|| "swarm task ended".to_string())
}

async fn run(config: Config) -> Result<i32, String> {
    let agent = format!("rust-libp2p/{LIBP2P_VERSION} interop-peer");
    let mut swarm = build_swarm(&config, &agent)
        .await
        .map_err(|e| format!("building the swarm: {e}"))?;
    let local = *swarm.local_peer_id();
    let mut control = swarm.behaviour().stream.new_control();
    let mut incoming = control.accept(ECHO_PROTOCOL).map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        while let Some((_, stream)) = incoming.next().await {
            tokio::spawn(async move {
                if let Err(err) = echo(stream).await {
                    eprintln!("echo handler: {err}");
                }
            });
        }
    });
    let listen: Multiaddr = config
        .listen_addr
        .parse()
        .map_err(|e| format!("listen_addr: {e}"))?;
    swarm
        .listen_on(listen)
        .map_err(|e| format!("listen: {e}"))?;

    let target = if config.is_dialer {
        let text = match &config.listener_addr {
            Some(text) => text.clone(),
            None => {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| format!("reading stdin: {e}"))?;
                line.trim().to_string()
            }
        };
        let addr: Multiaddr = text.parse().map_err(|e| format!("listener address: {e}"))?;
        let Some(Protocol::P2p(peer)) = addr.iter().last() else {
            return Err(format!("listener address {addr} has no /p2p/<peerId>"));
        };
        Some((addr, peer))
    } else {
        None
    };

    let (sender, mut events) = mpsc::channel(64);
    let start = Instant::now();
    if let Some((addr, _)) = &target {
        swarm.dial(addr.clone()).map_err(|e| format!("dial: {e}"))?;
    }
    tokio::spawn(drive(swarm, sender));

    let wants_ws = config.transport == "ws";
    let mut own: Option<String> = None;
    let mut ping_rtt: Option<(Duration, Duration)> = None;
    let mut remote: Option<Report> = None;
    let remote_peer = target.as_ref().map(|(_, peer)| *peer);
    // collect our address, the ping (dialer) and the remote's identify
    while own.is_none() || remote.is_none() || (config.is_dialer && ping_rtt.is_none()) {
        match next(&mut events).await? {
            Event::Listening(addr) => {
                let text = addr.to_string();
                if own.is_none()
                    && text.contains(&format!("/{}/", config.ip))
                    && text.contains("/ws") == wants_ws
                {
                    if !config.is_dialer {
                        println!("{text}/p2p/{local}");
                    }
                    own = Some(text);
                }
            }
            Event::Pinged(peer, rtt) => {
                if Some(peer) == remote_peer && ping_rtt.is_none() {
                    ping_rtt = Some((start.elapsed(), rtt));
                }
            }
            Event::Identified(peer, info) => {
                if remote.is_none() && (remote_peer.is_none() || Some(peer) == remote_peer) {
                    remote = Some(Report::from_info(&info));
                }
            }
            Event::Failed(message) => {
                if config.is_dialer {
                    return Err(message);
                }
                eprintln!("{message}");
            }
        }
    }
    let own = own.unwrap_or_default();
    let remote = remote.expect("loop ends with a report");
    let problems = remote.problems();
    let self_report = self_json(&local, &agent, &own);

    let Some((_, peer)) = target else {
        println!("{{\"self\":{},\"remote\":{}}}", self_report, remote.json());
        for p in &problems {
            eprintln!("{p}");
        }
        // serve until the runner ends us (the caller's timeout)
        futures::future::pending::<()>().await;
        unreachable!()
    };

    let (handshake_plus_one_rtt, rtt) = ping_rtt.expect("loop ends with a ping");
    let data = payload(ECHO_BYTES);
    let echo_start = Instant::now();
    let stream = control
        .open_stream(peer, ECHO_PROTOCOL)
        .await
        .map_err(|e| format!("echo stream: {e}"))?;
    let (mut reader, mut writer) = stream.split();
    let write = async {
        writer.write_all(&data).await?;
        writer.close().await
    };
    let read = async {
        let mut echoed = Vec::with_capacity(ECHO_BYTES);
        (&mut reader)
            .take(MAX_ECHO_BYTES)
            .read_to_end(&mut echoed)
            .await?;
        Ok::<_, std::io::Error>(echoed)
    };
    let (written, echoed) = futures::join!(write, read);
    written.map_err(|e| format!("echo write: {e}"))?;
    let echoed = echoed.map_err(|e| format!("echo read: {e}"))?;
    let echo_time = echo_start.elapsed();
    if echoed != data {
        let at = echoed
            .iter()
            .zip(&data)
            .position(|(a, b)| a != b)
            .unwrap_or(echoed.len().min(data.len()));
        return Err(format!(
            "echo: sent {} bytes, got {} back, first difference at {at}",
            data.len(),
            echoed.len()
        ));
    }
    println!(
        "{{\"handshakePlusOneRTTMillis\":{},\"pingRTTMilllis\":{},\"echoMillis\":{},\"echoBytes\":{},\"self\":{},\"remote\":{}}}",
        millis(handshake_plus_one_rtt),
        millis(rtt),
        millis(echo_time),
        data.len(),
        self_report,
        remote.json()
    );
    for p in &problems {
        eprintln!("{p}");
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("perf") {
        std::process::exit(perf::main(&args[1..]).await);
    }
    let config = match read_config() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let timeout = config.timeout;
    let code = match tokio::time::timeout(timeout, run(config)).await {
        Ok(Ok(code)) => code,
        Ok(Err(message)) => {
            eprintln!("rust peer failed: {message}");
            1
        }
        Err(_) => {
            eprintln!("rust peer: timed out after {timeout:?}");
            1
        }
    };
    std::process::exit(code);
}
