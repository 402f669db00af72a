//! `rust-peer perf server|client`: a `/perf/1.0.0` server and client over
//! TCP + Noise + yamux on 127.0.0.1, for weft's benchmarks
//! (benchmarks/src/stacks/anchors.ts drives it; interop/go-peer/perf.go
//! takes the same arguments and prints the same lines).
//!
//! Wire format (libp2p/specs perf/perf.md, "Protocol"): the client sends the
//! number of bytes it wants back as a big-endian u64, uploads its bytes and
//! closes its write side; the server reads to the end, then sends the
//! requested bytes and closes. rust-libp2p's own `libp2p-perf` crate is not
//! used: its last release (0.3.0) needs libp2p-swarm 0.44, this peer has 0.48.
//!
//! ```text
//! rust-peer perf server [--timeout S] [--max-bytes N]
//!   → {"type":"ready","address":"/ip4/127.0.0.1/tcp/…/p2p/…"}; serves until stdin ends or S passes
//! rust-peer perf client --server ADDR --upload N --download N [--timeout S]
//!   → {"type":"result","connectSeconds":…,"uploadSeconds":…,"downloadSeconds":…}
//! ```
//! The client dials one connection (timed: TCP + Noise + yamux), then runs
//! an upload-only exchange and a download-only exchange on two streams, each
//! timed from opening the stream to the end of the exchange.

use std::io::Read;
use std::time::{Duration, Instant};

use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use libp2p::{
    identity, multiaddr::Protocol, noise, swarm::SwarmEvent, tcp, yamux, Multiaddr, PeerId,
    StreamProtocol, Swarm, SwarmBuilder,
};
use tokio::sync::mpsc;

const PERF_PROTOCOL: StreamProtocol = StreamProtocol::new("/perf/1.0.0");
const CHUNK: usize = 64 * 1024;
/// What a server sends back at most unless told otherwise (weft's default too).
const DEFAULT_MAX_BYTES: u64 = 4 * 1024 * 1024 * 1024;

struct Args {
    role: String,
    server: Option<String>,
    upload: u64,
    download: u64,
    timeout: Duration,
    max_bytes: u64,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        role: args.first().cloned().unwrap_or_default(),
        server: None,
        upload: 0,
        download: 0,
        timeout: Duration::from_secs(300),
        max_bytes: DEFAULT_MAX_BYTES,
    };
    if parsed.role != "server" && parsed.role != "client" {
        return Err(format!(
            "usage: perf server|client [options]; got {:?}",
            parsed.role
        ));
    }
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag} needs a non-negative integer, got {value}"))
        };
        match flag.as_str() {
            "--server" => parsed.server = Some(value.clone()),
            "--upload" => parsed.upload = number()?,
            "--download" => parsed.download = number()?,
            "--timeout" => parsed.timeout = Duration::from_secs(number()?.max(1)),
            "--max-bytes" => parsed.max_bytes = number()?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(parsed)
}

fn build_swarm(timeout: Duration) -> Result<Swarm<libp2p_stream::Behaviour>, String> {
    let swarm = SwarmBuilder::with_existing_identity(identity::Keypair::generate_ed25519())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| format!("tcp: {e}"))?
        .with_behaviour(|_| libp2p_stream::Behaviour::new())
        .map_err(|e| format!("behaviour: {e}"))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(timeout))
        .build();
    Ok(swarm)
}

/// Server side of one stream: read the request, drain the upload, send the bytes asked for.
async fn serve(mut stream: libp2p::Stream, max_bytes: u64) -> std::io::Result<()> {
    let mut header = [0u8; 8];
    stream.read_exact(&mut header).await?;
    let wanted = u64::from_be_bytes(header);
    if wanted > max_bytes {
        // dropping the stream resets it: the client sees an error, not a short answer
        return Err(std::io::Error::other(format!(
            "asked for {wanted} bytes, the limit is {max_bytes}"
        )));
    }
    let mut buffer = vec![0u8; CHUNK];
    while stream.read(&mut buffer).await? > 0 {}
    write_bytes(&mut stream, wanted, &buffer).await?;
    stream.close().await
}

async fn write_bytes(
    stream: &mut libp2p::Stream,
    mut left: u64,
    buffer: &[u8],
) -> std::io::Result<()> {
    while left > 0 {
        let n = left.min(buffer.len() as u64) as usize;
        stream.write_all(&buffer[..n]).await?;
        left -= n as u64;
    }
    Ok(())
}

/// Client side of one exchange; seconds from opening the stream to its end.
async fn exchange(
    control: &mut libp2p_stream::Control,
    peer: PeerId,
    upload: u64,
    download: u64,
) -> Result<f64, String> {
    let start = Instant::now();
    let mut stream = control
        .open_stream(peer, PERF_PROTOCOL)
        .await
        .map_err(|e| format!("opening a perf stream: {e}"))?;
    let buffer = vec![0u8; CHUNK];
    let sent = async {
        stream.write_all(&download.to_be_bytes()).await?;
        write_bytes(&mut stream, upload, &buffer).await?;
        stream.close().await
    };
    sent.await.map_err(|e| format!("upload: {e}"))?;
    let mut received: u64 = 0;
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let n = stream
            .read(&mut buffer)
            .await
            .map_err(|e| format!("download after {received} bytes: {e}"))?;
        if n == 0 {
            break;
        }
        received += n as u64;
        if received > download {
            return Err(format!(
                "the server sent more than the {download} bytes asked for"
            ));
        }
    }
    if received != download {
        return Err(format!("asked for {download} bytes, got {received}"));
    }
    Ok(start.elapsed().as_secs_f64())
}

async fn server(args: Args) -> Result<(), String> {
    let mut swarm = build_swarm(args.timeout)?;
    let local = *swarm.local_peer_id();
    let mut incoming = swarm
        .behaviour()
        .new_control()
        .accept(PERF_PROTOCOL)
        .map_err(|e| e.to_string())?;
    let max_bytes = args.max_bytes;
    tokio::spawn(async move {
        while let Some((_, stream)) = incoming.next().await {
            tokio::spawn(async move {
                if let Err(err) = serve(stream, max_bytes).await {
                    eprintln!("perf server: {err}");
                }
            });
        }
    });
    let listen: Multiaddr = "/ip4/127.0.0.1/tcp/0".parse().expect("a valid address");
    swarm
        .listen_on(listen)
        .map_err(|e| format!("listen: {e}"))?;
    loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            println!("{{\"type\":\"ready\",\"address\":\"{address}/p2p/{local}\"}}");
            break;
        }
    }
    // the orchestrator ends us by closing our stdin (or going away)
    let (closed_tx, mut closed) = mpsc::channel::<()>(1);
    std::thread::spawn(move || {
        let mut sink = [0u8; 256];
        while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
        let _ = closed_tx.blocking_send(());
    });
    loop {
        tokio::select! {
            _ = swarm.select_next_some() => {}
            _ = closed.recv() => return Ok(()),
        }
    }
}

async fn client(args: Args) -> Result<(), String> {
    let text = args.server.ok_or("client needs --server ADDR")?;
    let addr: Multiaddr = text.parse().map_err(|e| format!("--server: {e}"))?;
    let Some(Protocol::P2p(peer)) = addr.iter().last() else {
        return Err(format!("server address {addr} has no /p2p/<peerId>"));
    };
    let mut swarm = build_swarm(args.timeout)?;
    let mut control = swarm.behaviour().new_control();
    let (sender, mut connected) = mpsc::channel::<Result<(), String>>(4);
    let start = Instant::now();
    swarm.dial(addr).map_err(|e| format!("dial: {e}"))?;
    tokio::spawn(async move {
        loop {
            let outcome = match swarm.select_next_some().await {
                SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id == peer => Ok(()),
                SwarmEvent::OutgoingConnectionError { error, .. } => Err(format!("dial: {error}")),
                _ => continue,
            };
            // nobody listens once the first outcome is in: keep driving the swarm
            let _ = sender.try_send(outcome);
        }
    });
    connected.recv().await.ok_or("the swarm task ended")??;
    let connect_seconds = start.elapsed().as_secs_f64();
    let upload_seconds = exchange(&mut control, peer, args.upload, 0).await?;
    let download_seconds = exchange(&mut control, peer, 0, args.download).await?;
    println!(
        "{{\"type\":\"result\",\"connectSeconds\":{connect_seconds},\"uploadSeconds\":{upload_seconds},\"downloadSeconds\":{download_seconds}}}"
    );
    Ok(())
}

/// Entry point of `rust-peer perf …`; returns the exit code.
pub async fn main(args: &[String]) -> i32 {
    let parsed = match parse_args(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("perf: {message}");
            return 2;
        }
    };
    let timeout = parsed.timeout;
    let run = async move {
        if parsed.role == "server" {
            server(parsed).await
        } else {
            client(parsed).await
        }
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(Ok(())) => 0,
        Ok(Err(message)) => {
            eprintln!("perf: {message}");
            1
        }
        Err(_) => {
            eprintln!("perf: timed out after {timeout:?}");
            1
        }
    }
}
