//! The JSON lines the peer prints, written by hand to keep dependencies few.

use libp2p::{identify, PeerId};

const REQUIRED_PROTOCOLS: [&str; 3] = [
    "/ipfs/id/1.0.0",
    "/ipfs/ping/1.0.0",
    "/weft-interop/echo/1.0.0",
];

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| json_string(s)).collect();
    format!("[{}]", inner.join(","))
}

pub struct Report {
    agent_version: String,
    protocols: Vec<String>,
    listen_addrs: Vec<String>,
}

impl Report {
    pub fn from_info(info: &identify::Info) -> Self {
        let mut protocols: Vec<String> = info.protocols.iter().map(|p| p.to_string()).collect();
        protocols.sort();
        Report {
            agent_version: info.agent_version.clone(),
            protocols,
            listen_addrs: info.listen_addrs.iter().map(|a| a.to_string()).collect(),
        }
    }

    pub fn json(&self) -> String {
        format!(
            "{{\"agentVersion\":{},\"protocols\":{},\"listenAddrs\":{}}}",
            json_string(&self.agent_version),
            json_list(&self.protocols),
            json_list(&self.listen_addrs)
        )
    }

    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.agent_version.is_empty() {
            problems.push("identify: empty agent version".to_string());
        }
        for p in REQUIRED_PROTOCOLS {
            if !self.protocols.iter().any(|q| q == p) {
                problems.push(format!(
                    "identify: protocol {p} missing from {:?}",
                    self.protocols
                ));
            }
        }
        if self.listen_addrs.is_empty() {
            problems.push("identify: no listen addresses".to_string());
        }
        problems
    }
}

pub fn self_json(peer: &PeerId, agent: &str, own: &str) -> String {
    format!(
        "{{\"peerId\":{},\"agentVersion\":{},\"listenAddrs\":{}}}",
        json_string(&peer.to_string()),
        json_string(agent),
        json_list(&[own.to_string()])
    )
}
