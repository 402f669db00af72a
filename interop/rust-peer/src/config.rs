//! The peer's configuration from environment variables (see interop/runner/README.md).

use std::time::Duration;

pub struct Config {
    pub transport: String,
    pub security: String,
    pub muxer: String,
    pub is_dialer: bool,
    pub ip: String,
    pub listen_addr: String,
    pub listener_addr: Option<String>,
    pub timeout: Duration,
}

/// Reads a variable by its lower-case or upper-case name.
fn env(names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| {
                std::env::var(name.to_uppercase())
                    .ok()
                    .filter(|v| !v.is_empty())
            })
    })
}

pub fn read_config() -> Result<Config, String> {
    let transport = env(&["transport"]).unwrap_or_else(|| "tcp".into());
    if transport != "tcp" && transport != "ws" && transport != "quic-v1" {
        return Err(format!(
            "transport: expected tcp, ws or quic-v1, got {transport}"
        ));
    }
    // QUIC brings its own security (TLS 1.3) and multiplexing: the two variables are ignored for it
    let quic = transport == "quic-v1";
    let security = env(&["security", "secure_channel"]).unwrap_or_else(|| "noise".into());
    if !quic && security != "noise" && security != "tls" {
        return Err(format!("security: expected noise or tls, got {security}"));
    }
    let muxer = env(&["muxer"]).unwrap_or_else(|| "yamux".into());
    if !quic && muxer != "yamux" && muxer != "mplex" {
        return Err(format!("muxer: expected yamux or mplex, got {muxer}"));
    }
    let ip = env(&["ip", "listener_ip"]).unwrap_or_else(|| "127.0.0.1".into());
    let family = if ip.contains(':') { "ip6" } else { "ip4" };
    let listen_addr = env(&["listen_addr"]).unwrap_or_else(|| match transport.as_str() {
        "ws" => format!("/{family}/{ip}/tcp/0/ws"),
        "quic-v1" => format!("/{family}/{ip}/udp/0/quic-v1"),
        _ => format!("/{family}/{ip}/tcp/0"),
    });
    let seconds: f64 = match env(&["test_timeout_seconds", "test_timeout_secs"]) {
        Some(v) => v
            .parse()
            .map_err(|_| format!("test_timeout_seconds: expected a number, got {v}"))?,
        None => 180.0,
    };
    if !(seconds > 0.0) {
        return Err(format!("test_timeout_seconds: expected > 0, got {seconds}"));
    }
    Ok(Config {
        transport,
        security,
        muxer,
        is_dialer: env(&["is_dialer"]).as_deref() == Some("true"),
        ip,
        listen_addr,
        listener_addr: env(&["listener_addr", "remote_addr"]),
        timeout: Duration::from_secs_f64(seconds),
    })
}
