//! The client's address: the TCP peer, or the first untrusted hop of `X-Forwarded-For` when the
//! peer is a trusted proxy.

use super::config::Config;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Walks `X-Forwarded-For` from the nearest hop back while hops are trusted proxies.
pub fn resolve(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = canonical(peer);
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.unwrap_or_default().rsplit(',').map(str::trim) {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = canonical(ip);
                if !is_trusted(&client) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// Every `X-Forwarded-For` line, joined in order: some proxies append a line of their own
/// instead of extending the last one, and the nearest hop is on the last line.
pub fn forwarded_for(headers: &http::HeaderMap) -> Option<String> {
    let lines: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).map(str::trim).collect();
    (!lines.is_empty()).then(|| lines.join(", "))
}

/// `::ffff:10.0.0.1` is `10.0.0.1`: dual-stack listeners see IPv4 peers in that form.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

pub async fn middleware(State(config): State<Arc<Config>>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let forwarded = forwarded_for(req.headers());
        let ip = resolve(peer.ip(), forwarded.as_deref(), &config.trusted_proxies);
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peer_forwarded_for_is_ignored() {
        assert_eq!(resolve(ip("203.0.113.9"), Some("1.2.3.4"), &[]), ip("203.0.113.9"));
    }

    #[test]
    fn trusted_proxy_chain_yields_first_untrusted_hop() {
        let trusted = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(resolve(ip("10.0.0.2"), Some("198.51.100.7, 10.0.0.5"), &trusted), ip("198.51.100.7"));
        // A spoofed entry before the real client is not reached.
        assert_eq!(resolve(ip("10.0.0.2"), Some("6.6.6.6, 198.51.100.7"), &trusted), ip("198.51.100.7"));
        assert_eq!(resolve(ip("10.0.0.2"), None, &trusted), ip("10.0.0.2"));
        assert_eq!(resolve(ip("10.0.0.2"), Some("garbage"), &trusted), ip("10.0.0.2"));
    }

    #[test]
    fn every_forwarded_for_line_counts_in_order() {
        let mut headers = http::HeaderMap::new();
        headers.append("x-forwarded-for", "6.6.6.6".parse().unwrap());
        headers.append("x-forwarded-for", "198.51.100.7, 10.0.0.5".parse().unwrap());
        let joined = forwarded_for(&headers);
        assert_eq!(joined.as_deref(), Some("6.6.6.6, 198.51.100.7, 10.0.0.5"));
        let trusted = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(resolve(ip("10.0.0.2"), joined.as_deref(), &trusted), ip("198.51.100.7"));
        assert_eq!(forwarded_for(&http::HeaderMap::new()), None);
    }

    #[test]
    fn mapped_v4_is_canonical() {
        assert_eq!(resolve(ip("::ffff:192.0.2.1"), None, &[]), ip("192.0.2.1"));
    }
}
