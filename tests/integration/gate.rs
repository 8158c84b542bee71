//! The gate in front of a real upstream on loopback: who gets the maintenance page, who gets
//! through, the bypass cookie, upgrades, an unreachable upstream, and a database that goes away.

use crate::support::*;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use hmac::{Hmac, Mac};
use pitwall::maintenance::gate::{Gate, GateLimits, Upstream, BYPASS_COOKIE};
use pitwall::maintenance::live::LiveState;
use pitwall::server::jobs::Supervisor;
use serde_json::{json, Value};
use sha2::Sha256;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The site behind the gate: echoes what reached it; `/upgrade` switches to an echo protocol.
async fn upstream() -> SocketAddr {
    async fn echo(headers: HeaderMap, req: Request) -> Response {
        let path = req.uri().to_string();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = axum::body::to_bytes(req.into_body(), usize::MAX).await.unwrap_or_default();
        let reply = json!({
            "site": true, "path": path, "host": header("host"), "xff": header("x-forwarded-for"),
            "xfp": header("x-forwarded-proto"), "xfh": header("x-forwarded-host"), "body_len": body.len(),
            "upgrade": header("upgrade"),
        });
        // A large response, to see it streamed through whole.
        let padding = if path.starts_with("/big") { "x".repeat(2 << 20) } else { String::new() };
        ([("content-type", "application/json")], format!("{}{padding}", reply)).into_response()
    }
    async fn upgrade(mut req: Request) -> Response {
        let on_upgrade = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            if let Ok(upgraded) = on_upgrade.await {
                let mut io = hyper_util::rt::TokioIo::new(upgraded);
                let mut buf = [0u8; 64];
                while let Ok(n) = io.read(&mut buf).await {
                    if n == 0 || io.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        });
        Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header("connection", "upgrade")
            .header("upgrade", "echo")
            .body(Body::empty())
            .unwrap()
    }
    let router = Router::new().route("/upgrade", any(upgrade)).fallback(echo);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

pub struct TestGate {
    pub base: String,
    live: LiveState,
}

/// A gate process over the app's database: its own pool, watcher and listener. It re-reads on
/// NOTIFY alone, so every test that waits for it to see a change proves that path.
async fn gate(app: &TestApp, upstream: &str, listen: &str, trusted: &[&str]) -> TestGate {
    gate_with(app, upstream, listen, trusted, GateLimits::default()).await
}

pub async fn gate_with(app: &TestApp, upstream: &str, listen: &str, trusted: &[&str], limits: GateLimits) -> TestGate {
    let live = LiveState::start(connect(&app.database).await, None, &Supervisor::default()).await;
    let trusted = trusted.iter().map(|t| t.parse().unwrap()).collect();
    let gate = Gate::bind(listen.parse().unwrap(), Upstream::parse(upstream).unwrap(), trusted, live.clone(), limits)
        .await
        .unwrap();
    let addr = gate.local_addr();
    tokio::spawn(gate.run_until(std::future::pending()));
    TestGate { base: format!("http://{addr}"), live }
}

/// A gate that keeps its last state in `cache` (as `pitwall gate --state-file`).
async fn cached_gate(pool: sqlx::PgPool, upstream: &str, cache: &std::path::Path) -> TestGate {
    let live = LiveState::start_with_cache(pool, None, &Supervisor::default(), Some(cache.to_owned())).await;
    let gate = Gate::bind(
        "127.0.0.1:0".parse().unwrap(),
        Upstream::parse(upstream).unwrap(),
        Vec::new(),
        live.clone(),
        GateLimits::default(),
    )
    .await
    .unwrap();
    let addr = gate.local_addr();
    tokio::spawn(gate.run_until(std::future::pending()));
    TestGate { base: format!("http://{addr}"), live }
}

fn visitor() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn status(client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> StatusCode {
    let mut req = client.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap().status()
}

async fn start_maintenance(owner: &Browser, duration: &str) {
    owner
        .call(
            "maintenance/start",
            &[("reason", "Database upgrade"), ("message", "Back in a bit"), ("duration", duration)],
        )
        .await
        .assert_ok()
        .await;
}

/// Waits until the gate answers `path` with `expected`; returns how long that took.
async fn gate_says(gate: &TestGate, path: &str, expected: StatusCode) -> Duration {
    let client = visitor();
    let url = format!("{}{path}", gate.base);
    within(WAIT, || async { status(&client, &url, &[]).await == expected }).await
}

#[tokio::test]
async fn visitors_get_the_maintenance_page_while_health_checks_pass() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    owner
        .call(
            "maintenance/site",
            &[
                ("site_name", "Acme Shop"),
                ("site_url", ""),
                ("status_url", "https://status.acme.test"),
                ("support_contact", "help@acme.test"),
            ],
        )
        .await
        .assert_ok()
        .await;
    let site = upstream().await;
    let gate = gate(&app, &format!("http://{site}"), "127.0.0.1:0", &[]).await;
    let client = visitor();

    // Off: everything goes through, headers set as a proxy sets them, bodies streamed both ways.
    let echoed: Value = client.get(format!("{}/shop?x=1", gate.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(echoed["path"], "/shop?x=1");
    assert_eq!(echoed["xff"], "127.0.0.1");
    assert_eq!(echoed["xfp"], "http");
    assert_eq!(echoed["host"], gate.base.trim_start_matches("http://"));
    let posted = client.post(format!("{}/big", gate.base)).body(vec![7u8; 1 << 20]).send().await.unwrap();
    let posted = posted.bytes().await.unwrap();
    assert!(posted.len() > 2 << 20);
    let echoed: Value = serde_json::Deserializer::from_slice(&posted).into_iter().next().unwrap().unwrap();
    assert_eq!(echoed["body_len"], 1 << 20);

    start_maintenance(&owner, "30m").await;
    let took = gate_says(&gate, "/shop", StatusCode::SERVICE_UNAVAILABLE).await;
    println!("the gate closed {} ms after the change", took.as_millis());

    let page = client.get(format!("{}/shop", gate.base)).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let retry: i64 = page.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1790..=1800).contains(&retry), "Retry-After {retry}");
    let html = page.text().await.unwrap();
    for expected in [
        "Acme Shop",
        "Back in a bit",
        "Database upgrade",
        "id=\"elapsed\"",
        "https://status.acme.test",
        "mailto:help@acme.test",
    ] {
        assert!(html.contains(expected), "page lacks {expected}");
    }

    let json =
        client.get(format!("{}/api/orders", gate.base)).header("accept", "application/json").send().await.unwrap();
    assert_eq!(json.status(), 503);
    let body: Value = json.json().await.unwrap();
    assert_eq!(body["maintenance"], true);
    assert_eq!(body["message"], "Back in a bit");
    assert_eq!(body["status_url"], "https://status.acme.test");
    assert!(body["started_at"].is_string() && body["ends_at"].is_string());

    for path in ["/healthz", "/health/db", "/robots.txt"] {
        assert_eq!(status(&client, &format!("{}{path}", gate.base), &[]).await, 200, "{path}");
    }
    assert_eq!(status(&client, &format!("{}/healthy", gate.base), &[]).await, 503);

    let ended = owner.call("maintenance/overview", &[]).await.assert_ok().await;
    let id = ended["current"]["id"].as_i64().unwrap().to_string();
    owner.call("maintenance/end", &[("id", &id)]).await.assert_ok().await;
    let took = gate_says(&gate, "/shop", StatusCode::OK).await;
    println!("the gate opened {} ms after the change", took.as_millis());
}

/// The `X-Forwarded-For` the site receives when a visitor sends `claimed` through `gate`.
async fn forwarded_for_at_site(client: &reqwest::Client, gate: &TestGate, claimed: &str) -> String {
    let echoed: Value = client
        .get(format!("{}/healthz", gate.base))
        .header("x-forwarded-for", claimed)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    echoed["xff"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn allowlisted_addresses_pass_and_forwarded_for_counts_only_from_trusted_proxies() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    for (network, label) in [("203.0.113.0/24", "office"), ("2001:db8::/32", "vpn v6"), ("::1", "loopback v6")] {
        owner.call("maintenance/allow/add", &[("network", network), ("label", label)]).await.assert_ok().await;
    }
    let site = format!("http://{}", upstream().await);
    let behind_proxy = gate(&app, &site, "127.0.0.1:0", &["127.0.0.1/32"]).await;
    let direct = gate(&app, &site, "127.0.0.1:0", &[]).await;
    let direct_v6 = gate(&app, &site, "[::1]:0", &[]).await;
    start_maintenance(&owner, "").await;
    gate_says(&direct, "/", StatusCode::SERVICE_UNAVAILABLE).await;
    gate_says(&behind_proxy, "/", StatusCode::SERVICE_UNAVAILABLE).await;
    let client = visitor();

    let proxied = |xff: &'static str| {
        let client = client.clone();
        let url = format!("{}/", behind_proxy.base);
        async move { status(&client, &url, &[("x-forwarded-for", xff)]).await }
    };
    assert_eq!(proxied("203.0.113.9").await, 200, "v4 in an allowed CIDR");
    assert_eq!(proxied("2001:db8::5").await, 200, "v6 in an allowed CIDR");
    assert_eq!(proxied("198.51.100.1").await, 503);
    assert_eq!(proxied("203.0.113.9, 198.51.100.1").await, 503, "the nearest untrusted hop is the client");
    // The proxy's own chain reaches the site, with the gate's peer appended.
    assert_eq!(forwarded_for_at_site(&client, &behind_proxy, "198.51.100.1").await, "198.51.100.1, 127.0.0.1");
    // A proxy that appends a line of its own: every line counts, in order, so a spoof on the
    // first line does not become the client.
    let two_lines = |first: &'static str, second: &'static str| {
        client.get(format!("{}/", behind_proxy.base)).header("x-forwarded-for", first).header("x-forwarded-for", second)
    };
    assert_eq!(two_lines("203.0.113.9", "198.51.100.1").send().await.unwrap().status(), 503);
    assert_eq!(two_lines("198.51.100.1", "203.0.113.9").send().await.unwrap().status(), 200);
    let echoed: Value = client
        .get(format!("{}/healthz", behind_proxy.base))
        .header("x-forwarded-for", "198.51.100.1")
        .header("x-forwarded-for", "10.1.1.1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echoed["xff"], "198.51.100.1, 10.1.1.1, 127.0.0.1");

    // From an untrusted peer the same header is a spoof: ignored, and not passed on.
    assert_eq!(status(&client, &format!("{}/", direct.base), &[("x-forwarded-for", "203.0.113.9")]).await, 503);
    assert_eq!(forwarded_for_at_site(&client, &direct, "203.0.113.9").await, "127.0.0.1");

    // An allowed address connecting directly over IPv6.
    assert_eq!(status(&client, &format!("{}/", direct_v6.base), &[]).await, 200);
    // Allowing 127.0.0.1 lets the v4 loopback visitor through within a second.
    owner.call("maintenance/allow/add", &[("network", "127.0.0.1"), ("label", "")]).await.assert_ok().await;
    gate_says(&direct, "/", StatusCode::OK).await;
}

/// Sends `GET {path}` exactly as written (no client cleaning it) and returns the status and body.
async fn raw_get(gate: &TestGate, path: &str, headers: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(gate.base.trim_start_matches("http://")).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: site\r\nAccept: text/html\r\n{headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn every_spelling_of_an_always_open_path_is_judged_as_the_site_reads_it() {
    let (_app, _owner, gate) = gate_during_maintenance("1h").await;
    // "Health, then up and out", as an attacker spells it: the maintenance page, never the site.
    for path in [
        "/health/../admin",
        "/health/%2e%2e/admin",
        "/health/%2E%2E/admin",
        "/health;x=1/../admin",
        "/health/./../admin",
        "//health/../../admin",
    ] {
        let (status, body) = raw_get(&gate, path, "").await;
        assert_eq!(status, 503, "{path}: {body}");
        assert!(!body.contains("\"site\":true"), "{path} reached the site");
    }
    // Encoded separators are refused rather than guessed about.
    for path in ["/health%2F..%2Fadmin", "/health%5c..%5cadmin", "/health/..%2fadmin"] {
        assert_eq!(raw_get(&gate, path, "").await.0, 400, "{path}");
    }
    // What passes as always-open reaches the site in the form that was judged.
    for (path, seen) in
        [("//health", "/health"), ("/%68ealth/db?full=1", "/health/db?full=1"), ("/healthz/", "/healthz/")]
    {
        let (status, body) = raw_get(&gate, path, "").await;
        assert_eq!(status, 200, "{path}: {body}");
        let echoed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(echoed["path"], seen, "{path}");
    }
    // An allowed request may not smuggle an HTTP/2 tunnel past the gate.
    let (status, body) = raw_get(
        &gate,
        "/health",
        "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let echoed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(echoed["upgrade"], "", "h2c was passed on");
}

/// An app whose owner has started maintenance (for `duration`), and a gate in front of a site
/// that already answers 503.
async fn gate_during_maintenance(duration: &str) -> (TestApp, Browser, TestGate) {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let site = format!("http://{}", upstream().await);
    let gate = gate(&app, &site, "127.0.0.1:0", &[]).await;
    start_maintenance(&owner, duration).await;
    gate_says(&gate, "/", StatusCode::SERVICE_UNAVAILABLE).await;
    (app, owner, gate)
}

async fn bypass_key(owner: &Browser) -> String {
    owner.call("maintenance/access", &[]).await.assert_ok().await["bypass_key"].as_str().unwrap().to_owned()
}

fn cookie_of(response: &reqwest::Response) -> String {
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("Max-Age=43200"), "{set_cookie}");
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_bypass_link_sets_a_signed_cookie_that_rotation_voids() {
    let (app, owner, gate) = gate_during_maintenance("1h").await;
    let key = bypass_key(&owner).await;
    let client = visitor();

    let let_in = client.get(format!("{}/account?tab=orders&bypass={key}", gate.base)).send().await.unwrap();
    assert_eq!(let_in.status(), 303);
    assert_eq!(let_in.headers()["location"], "/account?tab=orders", "the key is gone from the URL");
    let cookie = cookie_of(&let_in);
    assert_eq!(status(&client, &format!("{}/account", gate.base), &[("cookie", &cookie)]).await, 200);

    let by_path = client.get(format!("{}/__pitwall/bypass/{key}", gate.base)).send().await.unwrap();
    assert_eq!((by_path.status().as_u16(), by_path.headers()["location"].to_str().unwrap()), (303, "/"));

    // Tampered, expired (correctly signed with the real secret) and unsigned cookies are refused.
    let tampered = format!("{}{}", &cookie[..cookie.len() - 1], if cookie.ends_with('0') { '1' } else { '0' });
    assert_eq!(status(&client, &format!("{}/", gate.base), &[("cookie", &tampered)]).await, 503);
    let secret: String =
        sqlx::query_scalar("SELECT cookie_secret FROM maintenance_settings").fetch_one(&app.pool).await.unwrap();
    let expired_at = chrono::Utc::now().timestamp() - 60;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{expired_at}.{key}").as_bytes());
    let signature: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let expired = format!("{BYPASS_COOKIE}={expired_at}.{signature}");
    assert_eq!(status(&client, &format!("{}/", gate.base), &[("cookie", &expired)]).await, 503);
    assert_eq!(
        status(&client, &format!("{}/", gate.base), &[("cookie", &format!("{BYPASS_COOKIE}=123.abc"))]).await,
        503
    );

    // Rotating the key voids the cookie (within a second) and the old link.
    owner.call("maintenance/rotate", &[]).await.assert_ok().await;
    let url = format!("{}/", gate.base);
    within(WAIT, || async { status(&client, &url, &[("cookie", &cookie)]).await == 503 }).await;
    let old_link = client.get(format!("{}/?bypass={key}", gate.base)).send().await.unwrap();
    assert_eq!(old_link.status(), 503);
    assert!(old_link.headers().get("set-cookie").is_none());
    assert_eq!(app.audit_actions().await.last().unwrap(), "maintenance.bypass_key.rotate");
}

#[tokio::test]
async fn guessing_the_bypass_key_is_rate_limited() {
    // The limit is exactly ten: after nine wrong keys the right one still works…
    let (_app, owner, gate) = gate_during_maintenance("").await;
    let key = bypass_key(&owner).await;
    let client = visitor();
    guess_wrong(&client, &gate, 9).await;
    let right = client.get(format!("{}/?bypass={key}", gate.base)).send().await.unwrap();
    assert_eq!(right.status(), 303, "the right key after nine wrong ones");
    cookie_of(&right);

    // …and after ten (a gate of its own, so the count starts at zero) it earns nothing.
    let (_app, owner, gate) = gate_during_maintenance("").await;
    let key = bypass_key(&owner).await;
    guess_wrong(&client, &gate, 10).await;
    let locked = client.get(format!("{}/?bypass={key}", gate.base)).send().await.unwrap();
    assert_eq!(locked.status(), 503, "locked out after 10 guesses");
    assert!(locked.headers().get("set-cookie").is_none(), "no cookie while locked out");
}

async fn guess_wrong(client: &reqwest::Client, gate: &TestGate, times: usize) {
    for guess in 0..times {
        let url = format!("{}/?bypass=wrong{guess}", gate.base);
        assert_eq!(status(client, &url, &[]).await, 503, "a wrong key is an ordinary visit");
    }
}

#[tokio::test]
async fn one_guesser_behind_an_untrusted_edge_does_not_lock_out_the_others_behind_it() {
    // The gate trusts no proxy, so the edge in front of it is the peer of every visitor.
    let (_app, owner, gate) = gate_during_maintenance("").await;
    let key = bypass_key(&owner).await;
    let client = visitor();
    let attacker = [("x-forwarded-for", "203.0.113.9")];
    for guess in 0..10 {
        let url = format!("{}/?bypass=wrong{guess}", gate.base);
        assert_eq!(status(&client, &url, &attacker).await, 503);
    }
    let right = format!("{}/?bypass={key}", gate.base);
    assert_eq!(status(&client, &right, &attacker).await, 503, "the guesser itself is locked out");
    // What the edge prepends to its own last hop is the guesser's to choose; the last hop is not.
    let spoofed = [("x-forwarded-for", "198.51.100.7, 203.0.113.9")];
    assert_eq!(status(&client, &right, &spoofed).await, 503, "the same guesser, whatever it claims before");
    let colleague = client.get(&right).header("x-forwarded-for", "198.51.100.7").send().await.unwrap();
    assert_eq!(colleague.status(), 303, "a colleague behind the same edge still gets in");
    cookie_of(&colleague);
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502_page_not_a_hang() {
    let app = TestApp::spawn().await;
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let gate = gate(&app, &format!("http://{closed}"), "127.0.0.1:0", &[]).await;
    let started = std::time::Instant::now();
    let res = visitor().get(format!("{}/", gate.base)).send().await.unwrap();
    assert_eq!(res.status(), 502);
    assert!(res.text().await.unwrap().contains("not answering"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn upgrades_are_passed_through_both_ways() {
    let app = TestApp::spawn().await;
    let site = format!("http://{}", upstream().await);
    let gate = gate(&app, &site, "127.0.0.1:0", &[]).await;
    let mut stream = TcpStream::connect(gate.base.trim_start_matches("http://")).await.unwrap();
    stream
        .write_all(b"GET /upgrade HTTP/1.1\r\nHost: site\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    stream.write_all(b"ping through the gate").await.unwrap();
    let mut echoed = [0u8; 21];
    tokio::time::timeout(WAIT, stream.read_exact(&mut echoed)).await.unwrap().unwrap();
    assert_eq!(&echoed, b"ping through the gate");
}

#[tokio::test]
async fn without_its_database_the_gate_keeps_its_last_state() {
    let (app, _owner, gate) = gate_during_maintenance("").await;

    // The database goes away for every process: no new connections, existing ones cut.
    app.cut_off_database().await;
    within(WAIT, || async { gate.live.is_stale() }).await;
    let client = visitor();
    assert_eq!(status(&client, &format!("{}/", gate.base), &[]).await, 503, "still closed");
    assert_eq!(status(&client, &format!("{}/healthz", gate.base), &[]).await, 200, "health checks still pass");

    app.restore_database().await;
    within(WAIT, || async { !gate.live.is_stale() }).await;
}

#[tokio::test]
async fn a_gate_started_while_postgres_is_down_serves_its_cached_state() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let site = format!("http://{}", upstream().await);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("state/gate-state.json");
    let first = cached_gate(connect(&app.database).await, &site, &cache).await;
    start_maintenance(&owner, "1h").await;
    gate_says(&first, "/", StatusCode::SERVICE_UNAVAILABLE).await;
    within(WAIT, || async { std::fs::read_to_string(&cache).is_ok_and(|c| c.contains("Database upgrade")) }).await;
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the file holds the bypass key: its owner's alone");

    // Postgres goes away; then a gate starts (a reboot, a new instance).
    app.cut_off_database().await;
    let second = cached_gate(connect_lazy(&app.database).await, &site, &cache).await;
    assert!(second.live.is_stale());
    let client = visitor();
    assert_eq!(status(&client, &format!("{}/shop", second.base), &[]).await, 503, "maintenance holds");
    let page = client.get(format!("{}/shop", second.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Back in a bit"), "the cached page: {page}");
    assert_eq!(status(&client, &format!("{}/healthz", second.base), &[]).await, 200, "always-open paths still pass");

    // Without a cache a gate started now would know nothing: it lets everyone through.
    let blind = cached_gate(connect_lazy(&app.database).await, &site, &dir.path().join("none.json")).await;
    assert_eq!(status(&client, &format!("{}/shop", blind.base), &[]).await, 200);

    app.restore_database().await;
    within(WAIT, || async { !second.live.is_stale() }).await;
}
