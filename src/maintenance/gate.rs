//! `pitwall gate`: a reverse proxy in front of the site that serves visitors the maintenance page
//! while a window is in progress, and lets allowlisted addresses, excluded paths and holders of
//! the bypass cookie through.

use super::guess_limit::{GuessLimit, Guesser};
use super::live::LiveState;
use super::model::{normalise_path, path_is_excluded};
use super::store::GateSettings;
use super::visitor_page::VisitorPage;
use crate::auth::tokens::hex;
use crate::server::client_ip;
use crate::server::listen::{self, ConnectionLimits};
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{StatusCode, Uri};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use ipnet::IpNet;
use sha2::Sha256;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub const BYPASS_COOKIE: &str = "pitwall_bypass";
const BYPASS_PARAM: &str = "bypass";
const BYPASS_PATH: &str = "/__pitwall/bypass/";
pub const BYPASS_VALID_S: i64 = 12 * 3600;
/// Wrong bypass keys allowed per client address per window, before even the right one is ignored.
const MAX_GUESSES: u32 = 10;
const GUESS_WINDOW: Duration = Duration::from_secs(15 * 60);
const UPSTREAM_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The site behind the gate: `http://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// `host:port`, to connect to.
    address: String,
    /// The `Host` sent when the visitor sent none (HTTP/1.0).
    host: HeaderValue,
}

impl Upstream {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim().trim_end_matches('/');
        let uri: Uri = trimmed.parse().map_err(|_| format!("{raw:?} is not a URL like http://127.0.0.1:8080"))?;
        match (uri.scheme_str(), uri.authority(), uri.path()) {
            (Some("http"), Some(authority), "" | "/") if uri.query().is_none() => Ok(Self {
                address: format!("{}:{}", authority.host(), authority.port_u16().unwrap_or(80)),
                host: HeaderValue::from_str(authority.as_str()).map_err(|_| format!("{raw:?} has an odd host"))?,
            }),
            (Some("https"), ..) => Err(format!("{raw:?}: the gate speaks plain HTTP to the site; use http://")),
            _ => Err(format!("{raw:?} is not a URL like http://127.0.0.1:8080 (no path)")),
        }
    }
}

/// How many connections the gate takes from visitors and opens to the site.
#[derive(Debug, Clone, Copy)]
pub struct GateLimits {
    pub visitors: ConnectionLimits,
    /// Each visitor connection keeps at most one connection to the site while there are free
    /// ones; past this many, a request waits up to the connect timeout for one, then gets 503.
    pub upstream_connections: u32,
}

impl Default for GateLimits {
    fn default() -> Self {
        Self { visitors: ConnectionLimits::default(), upstream_connections: DEFAULT_SITE_CONNECTIONS }
    }
}

pub const DEFAULT_SITE_CONNECTIONS: u32 = 512;

struct GateState {
    live: LiveState,
    upstream: Upstream,
    trusted_proxies: Vec<IpNet>,
    guesses: GuessLimit,
    limits: GateLimits,
    upstream_slots: Arc<Semaphore>,
}

/// A connection to the site, with the slot it holds under the gate's cap.
struct SiteConnection {
    sender: SendRequest<Body>,
    _slot: OwnedSemaphorePermit,
}

pub struct Gate {
    listener: TcpListener,
    state: Arc<GateState>,
}

impl Gate {
    pub async fn bind(
        listen: SocketAddr,
        upstream: Upstream,
        trusted_proxies: Vec<IpNet>,
        live: LiveState,
        limits: GateLimits,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let state = Arc::new(GateState {
            live,
            upstream,
            trusted_proxies,
            guesses: GuessLimit::new(MAX_GUESSES, GUESS_WINDOW),
            limits,
            upstream_slots: Arc::new(Semaphore::new(limits.upstream_connections as usize)),
        });
        Ok(Self { listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let gate = self.state;
        let limits = gate.limits.visitors;
        let connection_for = move |peer| Connection { gate: gate.clone(), peer, upstream: Arc::new(Mutex::new(None)) };
        listen::serve(self.listener, limits, connection_for, shutdown).await
    }
}

/// A visitor's connection, paired with a keep-alive connection of its own to the site: HTTP/1
/// requests on one connection come one at a time, so no pool (and no pool lock) is needed.
#[derive(Clone)]
struct Connection {
    gate: Arc<GateState>,
    peer: SocketAddr,
    upstream: Arc<Mutex<Option<SiteConnection>>>,
}

impl tower::Service<Request> for Connection {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let connection = self.clone();
        Box::pin(async move { Ok(connection.handle(req).await) })
    }
}

impl Connection {
    async fn handle(&self, mut req: Request) -> Response {
        let peer_ip = client_ip::canonical(self.peer.ip());
        let trusted_peer = self.gate.trusted_proxies.iter().any(|net| net.contains(&peer_ip));
        match self.screen(&mut req, peer_ip, trusted_peer) {
            Some(answered) => answered,
            None => self.proxy(req, peer_ip, trusted_peer).await,
        }
    }

    /// The gate's own answer (bypass redirect, maintenance page, or 400 for a path it will not
    /// guess about), or `None` to let the request through. During maintenance an always-open
    /// path is judged in its normalised form, and that form is what goes to the site.
    fn screen(&self, req: &mut Request, peer_ip: IpAddr, trusted_peer: bool) -> Option<Response> {
        let gate = &self.gate;
        let snapshot = gate.live.current();
        let settings = snapshot.settings.as_ref()?;
        // Only bypass attempts and visits during maintenance need the client's address.
        let client_ip = || {
            let forwarded_for = client_ip::forwarded_for(req.headers());
            client_ip::resolve(peer_ip, forwarded_for.as_deref(), &gate.trusted_proxies)
        };
        if let Some(attempt) = BypassAttempt::of(req.uri()) {
            let guesser = if trusted_peer {
                Guesser::Address(client_ip())
            } else {
                // An edge the operator has not listed as trusted: its last hop is believed
                // for counting guesses only, never for the allowlist.
                let last_hop = client_ip::forwarded_for(req.headers())
                    .and_then(|hops| hops.rsplit(',').next().and_then(|hop| hop.trim().parse::<IpAddr>().ok()));
                match last_hop {
                    Some(client) => Guesser::BehindEdge { edge: peer_ip, client: client_ip::canonical(client) },
                    None => Guesser::Address(peer_ip),
                }
            };
            if let Some(response) = gate.try_bypass(&attempt, settings, guesser, trusted_peer, req.headers()) {
                return Some(response);
            }
        }
        let page = snapshot.visitor_page.as_ref()?;
        let now = Utc::now();
        let Ok(path) = normalise_path(req.uri().path()) else {
            return Some(ambiguous_path());
        };
        let excluded = path_is_excluded(&settings.excluded_paths, &path);
        let passes = excluded
            || {
                let ip = client_ip();
                settings.allowlist.iter().any(|net| net.contains(&ip))
            }
            || has_valid_cookie(req.headers(), settings, now);
        if !passes {
            return Some(maintenance_response(page, req.headers(), now));
        }
        if excluded && path != req.uri().path() {
            let forwarded = match req.uri().query() {
                Some(query) => format!("{path}?{query}"),
                None => path,
            };
            match Uri::try_from(forwarded) {
                Ok(uri) => *req.uri_mut() = uri,
                Err(_) => return Some(ambiguous_path()),
            }
        }
        None
    }

    async fn proxy(&self, mut req: Request, peer: IpAddr, trusted_peer: bool) -> Response {
        let upstream = &self.gate.upstream;
        let upgrade = upgrade_protocol(req.headers());
        forward_headers(req.headers_mut(), peer, trusted_peer, upgrade.as_ref());
        if !req.headers().contains_key(header::HOST) {
            req.headers_mut().insert(header::HOST, upstream.host.clone());
        }
        // Origin-form on the wire, whatever form the visitor used.
        if req.uri().authority().is_some() {
            let path = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
            *req.uri_mut() = Uri::try_from(path).unwrap_or_else(|_| Uri::from_static("/"));
        }
        *req.version_mut() = http::Version::HTTP_11;
        let client_side = upgrade.is_some().then(|| hyper::upgrade::on(&mut req));

        let mut kept = self.upstream.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(site) = kept.as_mut() {
            if site.sender.ready().await.is_err() {
                kept = None;
            }
        }
        let mut site = match kept {
            Some(site) => site,
            None => match self.gate.connect().await {
                Ok(site) => site,
                Err(refused) => return refused,
            },
        };
        let sent = match site.sender.try_send_request(req).await {
            Ok(response) => Ok(response),
            // The kept connection closed just now (the site's keep-alive ran out): once more on a new one.
            Err(mut failed) => match failed.take_message() {
                Some(req) => {
                    drop(site);
                    match self.gate.connect().await {
                        Ok(fresh) => {
                            site = fresh;
                            site.sender.send_request(req).await
                        }
                        Err(refused) => return refused,
                    }
                }
                None => Err(failed.into_error()),
            },
        };
        match sent {
            Ok(mut response) => {
                if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                    // The site's connection becomes the tunnel: it is not kept for later requests,
                    // and its slot is held until the tunnel closes.
                    if let Some(client_side) = client_side {
                        let upstream_side = hyper::upgrade::on(&mut response);
                        tokio::spawn(async move {
                            tunnel(client_side, upstream_side).await;
                            drop(site);
                        });
                    }
                } else {
                    strip_hop_by_hop(response.headers_mut());
                    // Kept for this visitor's next request only while others are not short of one.
                    if self.gate.upstream_slots.available_permits() > 0 {
                        *self.upstream.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(site);
                    }
                }
                response.map(Body::new)
            }
            Err(err) => upstream_failed(upstream, &err),
        }
    }
}

impl GateState {
    /// A new keep-alive connection to the site, within the cap; else the answer to give.
    async fn connect(&self) -> Result<SiteConnection, Response> {
        let upstream = &self.upstream;
        let slot = tokio::time::timeout(UPSTREAM_CONNECT_TIMEOUT, self.upstream_slots.clone().acquire_owned()).await;
        let Ok(Ok(slot)) = slot else {
            tracing::warn!(upstream = %upstream.address, cap = self.limits.upstream_connections, "every connection to the site is busy");
            return Err(site_busy());
        };
        match open_site_connection(upstream).await {
            Ok(sender) => Ok(SiteConnection { sender, _slot: slot }),
            Err(err) => Err(upstream_failed(upstream, &err)),
        }
    }
}

async fn open_site_connection(
    upstream: &Upstream,
) -> Result<SendRequest<Body>, Box<dyn std::error::Error + Send + Sync>> {
    let stream = tokio::time::timeout(UPSTREAM_CONNECT_TIMEOUT, TcpStream::connect(&upstream.address))
        .await
        .map_err(|_| "connect timed out")??;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        if let Err(err) = connection.with_upgrades().await {
            tracing::debug!(error = %err, "connection to the site ended");
        }
    });
    Ok(sender)
}

fn upstream_failed(upstream: &Upstream, err: &dyn std::fmt::Display) -> Response {
    tracing::warn!(error = %err, upstream = %upstream.address, "upstream unreachable");
    bad_gateway()
}

/// `?bypass=KEY` or `/__pitwall/bypass/KEY`, and where to send the visitor once let in.
struct BypassAttempt {
    key: String,
    redirect_to: String,
}

impl BypassAttempt {
    fn of(uri: &Uri) -> Option<Self> {
        if let Some(key) = uri.path().strip_prefix(BYPASS_PATH) {
            return Some(Self { key: key.to_owned(), redirect_to: "/".into() });
        }
        let query = uri.query()?;
        if !query.contains(BYPASS_PARAM) {
            return None;
        }
        let mut key = None;
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| match pair.split_once('=') {
                Some((BYPASS_PARAM, value)) => {
                    key = Some(value.to_owned());
                    false
                }
                _ => true,
            })
            .collect();
        let key = key?;
        let redirect_to =
            if kept.is_empty() { uri.path().to_owned() } else { format!("{}?{}", uri.path(), kept.join("&")) };
        Some(Self { key, redirect_to })
    }
}

impl GateState {
    /// The right key (and not too many wrong ones) earns the cookie and a redirect without the key;
    /// anything else is an ordinary visit.
    fn try_bypass(
        &self,
        attempt: &BypassAttempt,
        settings: &GateSettings,
        guesser: Guesser,
        trusted_peer: bool,
        headers: &HeaderMap,
    ) -> Option<Response> {
        let now = Instant::now();
        if self.guesses.locked(guesser, now) {
            tracing::warn!(?guesser, "bypass attempt ignored: too many wrong keys from this address");
            return None;
        }
        if !constant_time_eq(attempt.key.as_bytes(), settings.bypass_key.as_bytes()) {
            self.guesses.wrong(guesser, now);
            return None;
        }
        let expires = Utc::now().timestamp() + BYPASS_VALID_S;
        // Only a trusted proxy can say the visitor came over HTTPS.
        let secure = trusted_peer && headers.get("x-forwarded-proto").is_some_and(|p| p.as_bytes() == b"https");
        let cookie = format!(
            "{BYPASS_COOKIE}={}; Path=/; Max-Age={BYPASS_VALID_S}; HttpOnly; SameSite=Lax{}",
            sign_bypass(settings, expires),
            if secure { "; Secure" } else { "" }
        );
        tracing::info!(?guesser, "bypass cookie issued");
        Some(
            Response::builder()
                .status(StatusCode::SEE_OTHER)
                .header(header::LOCATION, &attempt.redirect_to)
                .header(header::SET_COOKIE, cookie)
                .header(header::CACHE_CONTROL, "no-store")
                .body(Body::empty())
                .expect("static response parts are valid"),
        )
    }
}

const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers the Connection header names are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// The protocol a request asks to switch to (WebSocket, …). `h2c` is never passed on: a tunnel
/// of HTTP/2 to the site would carry requests the gate never screens.
fn upgrade_protocol(headers: &HeaderMap) -> Option<HeaderValue> {
    let asks = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("upgrade")));
    let protocol = asks.then(|| headers.get(header::UPGRADE).cloned()).flatten()?;
    let is_h2c = protocol.to_str().map_or(true, |p| p.split(',').any(|p| p.trim().eq_ignore_ascii_case("h2c")));
    (!is_h2c).then_some(protocol)
}

/// `X-Forwarded-For` gains the peer; what an untrusted peer claims is dropped, not passed on.
/// `Host` is kept as the visitor sent it.
fn forward_headers(headers: &mut HeaderMap, peer: IpAddr, trusted_peer: bool, upgrade: Option<&HeaderValue>) {
    strip_hop_by_hop(headers);
    let prior = trusted_peer.then(|| client_ip::forwarded_for(headers)).flatten();
    let chain = match prior {
        Some(prior) => format!("{prior}, {peer}"),
        None => peer.to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&chain) {
        headers.insert("x-forwarded-for", value);
    }
    if !trusted_peer || !headers.contains_key("x-forwarded-proto") {
        headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    }
    if !trusted_peer || !headers.contains_key("x-forwarded-host") {
        if let Some(host) = headers.get(header::HOST).cloned() {
            headers.insert("x-forwarded-host", host);
        }
    }
    if let Some(protocol) = upgrade {
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, protocol.clone());
    }
}

async fn tunnel(client: hyper::upgrade::OnUpgrade, upstream: hyper::upgrade::OnUpgrade) {
    match tokio::try_join!(client, upstream) {
        Ok((client, upstream)) => {
            let (mut client, mut upstream) = (TokioIo::new(client), TokioIo::new(upstream));
            if let Err(err) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
                tracing::debug!(error = %err, "upgraded connection closed");
            }
        }
        Err(err) => tracing::debug!(error = %err, "upgrade failed"),
    }
}

fn maintenance_response(page: &VisitorPage, headers: &HeaderMap, now: DateTime<Utc>) -> Response {
    let json = prefers_json(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or(""));
    let (body, content_type) =
        if json { (page.json.clone(), "application/json") } else { (page.html.clone(), "text/html; charset=utf-8") };
    let mut response = Response::builder()
        .status(StatusCode::SERVICE_UNAVAILABLE)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-store");
    if let Some(end) = page.ends_at {
        response = response.header(header::RETRY_AFTER, (end - now).num_seconds().max(1));
    }
    response.body(Body::from(body)).expect("static response parts are valid")
}

/// Whether `Accept` ranks JSON above HTML (no header, or a tie, means HTML).
pub fn prefers_json(accept: &str) -> bool {
    let (mut json, mut html) = (0.0f32, 0.0f32);
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let q = parts.find_map(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        match media.as_str() {
            "application/json" => json = json.max(q),
            "text/html" => html = html.max(q),
            "*/*" => html = html.max(q * 0.99),
            _ => {}
        }
    }
    json > html
}

fn sign_bypass(settings: &GateSettings, expires: i64) -> String {
    format!("{expires}.{}", hex(&bypass_mac(settings, expires).finalize().into_bytes()))
}

/// HMAC over the expiry and the current key: rotating the key voids every cookie.
fn bypass_mac(settings: &GateSettings, expires: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(settings.cookie_secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{expires}.{}", settings.bypass_key).as_bytes());
    mac
}

fn has_valid_cookie(headers: &HeaderMap, settings: &GateSettings, now: DateTime<Utc>) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix(BYPASS_COOKIE)?.strip_prefix('='))
        .any(|value| bypass_cookie_is_valid(value, settings, now))
}

pub fn bypass_cookie_is_valid(value: &str, settings: &GateSettings, now: DateTime<Utc>) -> bool {
    let Some((expires, signature)) = value.split_once('.') else {
        return false;
    };
    let (Ok(expires), Some(signature)) = (expires.parse::<i64>(), unhex(signature)) else {
        return false;
    };
    let now = now.timestamp();
    expires > now && expires <= now + BYPASS_VALID_S && bypass_mac(settings, expires).verify_slice(&signature).is_ok()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn ambiguous_path() -> Response {
    Response::builder()
        .status(StatusCode::BAD_REQUEST)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from("This path is ambiguous (an encoded slash, backslash or NUL); ask for it plainly.\n"))
        .expect("static response parts are valid")
}

/// The gate's cap on connections to the site is reached and none came free in time.
fn site_busy() -> Response {
    const PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Busy</title></head>\
        <body style=\"font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem\">\
        <h1>The site is very busy</h1><p>Please try again in a moment.</p></body></html>";
    Response::builder()
        .status(StatusCode::SERVICE_UNAVAILABLE)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::RETRY_AFTER, "5")
        .body(Body::from(PAGE))
        .expect("static response parts are valid")
}

fn bad_gateway() -> Response {
    const PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Site unreachable</title></head>\
        <body style=\"font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem\">\
        <h1>The site is not answering</h1><p>The gateway could not reach it. Please try again in a moment.</p></body></html>";
    Response::builder()
        .status(StatusCode::BAD_GATEWAY)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(PAGE))
        .expect("static response parts are valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maintenance::model::SiteSettings;

    fn settings(key: &str) -> GateSettings {
        GateSettings {
            site: SiteSettings {
                site_name: "Shop".into(),
                site_url: String::new(),
                status_url: String::new(),
                support_contact: String::new(),
            },
            excluded_paths: Vec::new(),
            allowlist: Vec::new(),
            bypass_key: key.into(),
            cookie_secret: "secret".into(),
        }
    }

    #[test]
    fn bypass_cookies_expire_and_die_with_the_key() {
        let now = Utc::now();
        let s = settings("k1");
        let value = sign_bypass(&s, now.timestamp() + 60);
        assert!(bypass_cookie_is_valid(&value, &s, now));
        assert!(!bypass_cookie_is_valid(&value, &settings("k2"), now), "rotation voids it");
        assert!(!bypass_cookie_is_valid(&value, &s, now + chrono::Duration::seconds(61)), "expired");
        let (expires, signature) = value.split_once('.').unwrap();
        let stretched = format!("{}.{signature}", expires.parse::<i64>().unwrap() + 3600);
        assert!(!bypass_cookie_is_valid(&stretched, &s, now), "expiry is signed");
        assert!(!bypass_cookie_is_valid("garbage", &s, now));
        let too_long = sign_bypass(&s, now.timestamp() + BYPASS_VALID_S + 3600);
        assert!(!bypass_cookie_is_valid(&too_long, &s, now), "no cookie outlives the 12 h");
    }

    #[test]
    fn bypass_links_lose_the_key() {
        let a = BypassAttempt::of(&"/shop?page=2&bypass=abc&x=1".parse().unwrap()).unwrap();
        assert_eq!((a.key.as_str(), a.redirect_to.as_str()), ("abc", "/shop?page=2&x=1"));
        let b = BypassAttempt::of(&"/?bypass=abc".parse().unwrap()).unwrap();
        assert_eq!(b.redirect_to, "/");
        let c = BypassAttempt::of(&"/__pitwall/bypass/abc".parse().unwrap()).unwrap();
        assert_eq!((c.key.as_str(), c.redirect_to.as_str()), ("abc", "/"));
        assert!(BypassAttempt::of(&"/?bypassed=1".parse().unwrap()).is_none());
    }

    #[test]
    fn accept_decides_json_or_html() {
        assert!(prefers_json("application/json"));
        assert!(!prefers_json("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
        assert!(!prefers_json(""));
        assert!(!prefers_json("*/*"));
        assert!(prefers_json("application/json, */*;q=0.5"));
        assert!(!prefers_json("application/json;q=0.5, text/html"));
    }

    #[test]
    fn upstreams_are_plain_http_origins() {
        assert!(Upstream::parse("http://127.0.0.1:8080").is_ok());
        assert!(Upstream::parse("http://app.internal:80/").is_ok());
        assert!(Upstream::parse("https://x").is_err());
        assert!(Upstream::parse("http://x/path").is_err());
        assert!(Upstream::parse("nonsense").is_err());
    }

    #[test]
    fn forwarded_headers_trust_only_trusted_peers() {
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        h.insert(header::HOST, HeaderValue::from_static("shop.example.com"));
        h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, x-secret"));
        h.insert("x-secret", HeaderValue::from_static("1"));
        let mut untrusted = h.clone();
        forward_headers(&mut untrusted, peer, false, None);
        assert_eq!(untrusted["x-forwarded-for"], "10.0.0.2");
        assert_eq!(untrusted["x-forwarded-proto"], "http");
        assert_eq!(untrusted["x-forwarded-host"], "shop.example.com");
        assert_eq!(untrusted[header::HOST], "shop.example.com");
        assert!(untrusted.get("x-secret").is_none() && untrusted.get(header::CONNECTION).is_none());
        let mut trusted = h.clone();
        forward_headers(&mut trusted, peer, true, None);
        assert_eq!(trusted["x-forwarded-for"], "6.6.6.6, 10.0.0.2");
        assert_eq!(trusted["x-forwarded-proto"], "https");
    }
}
