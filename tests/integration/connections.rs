//! Both listeners, the console's and the gate's, against clients that are hostile or merely
//! slow: a request head trickled a byte at a time, keep-alive connections left idle, more
//! connections than the cap, and a site whose every connection is in use.

use crate::gate::gate_with;
use crate::support::*;
use axum::body::Body;
use axum::routing::get;
use axum::Router;
use hyper_util::rt::TokioIo;
use pitwall::maintenance::gate::GateLimits;
use pitwall::server::listen::ConnectionLimits;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

fn address(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

/// Trickles a request head at one byte per 200 ms (after `before`, sent whole) and returns how
/// long the listener let the trickle go on, from its first byte, before closing the connection.
async fn trickle_is_cut_after(addr: &str, before: &[u8]) -> Duration {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(before).await.unwrap();
    let started = Instant::now();
    let trickle = tokio::spawn(async move {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".iter().cycle() {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut answered = Vec::new();
    // Whatever came back before the close (the answer to `before`, perhaps a 408), then the end.
    let read = tokio::time::timeout(WAIT, reader.read_to_end(&mut answered)).await;
    trickle.abort();
    assert!(read.is_ok(), "the trickling connection was still open after {WAIT:?}");
    started.elapsed()
}

fn get_request(host: &str, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes()
}

#[tokio::test]
async fn a_request_head_trickled_byte_by_byte_is_cut_at_the_header_deadline_by_console_and_gate() {
    let app = TestApp::spawn_with(&[("PITWALL_HEADER_TIMEOUT", "1s")]).await;
    let limits = GateLimits {
        visitors: ConnectionLimits { header_timeout: Duration::from_secs(1), ..ConnectionLimits::default() },
        ..GateLimits::default()
    };
    let gate = gate_with(&app, &app.base, "127.0.0.1:0", &[], limits).await;
    for addr in [address(&app.base), address(&gate.base)] {
        let first = trickle_is_cut_after(&addr, b"").await;
        println!("{addr}: a trickled first head was cut after {first:?}");
        assert!(
            first >= Duration::from_millis(900) && first < Duration::from_secs(5),
            "{addr}: first head cut after {first:?}"
        );
        // A head that trickles after a good request on the same connection: its own deadline.
        let later = trickle_is_cut_after(&addr, &get_request(&addr, "/healthz")).await;
        println!("{addr}: a trickled later head was cut after {later:?}");
        assert!(
            later >= Duration::from_millis(900) && later < Duration::from_secs(5),
            "{addr}: later head cut after {later:?}"
        );
    }
    // Prompt visitors are served as ever.
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200);
}

/// One keep-alive connection, driven by hyper's client: returns its sender and the task that
/// ends when the server closes the connection.
async fn keep_alive_connection(
    addr: &str,
) -> (hyper::client::conn::http1::SendRequest<Body>, tokio::task::JoinHandle<()>) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    let task = tokio::spawn(async move {
        let _ = connection.await;
    });
    (sender, task)
}

async fn healthz_on(sender: &mut hyper::client::conn::http1::SendRequest<Body>, host: &str) -> u16 {
    sender.ready().await.expect("the connection is open");
    let req = hyper::Request::get("/healthz").header("host", host).body(Body::empty()).unwrap();
    let res = sender.send_request(req).await.expect("the connection is open");
    let status = res.status().as_u16();
    axum::body::to_bytes(Body::new(res.into_body()), usize::MAX).await.unwrap();
    status
}

#[tokio::test]
async fn an_idle_keep_alive_connection_lives_past_the_header_deadline_until_the_idle_one() {
    let app = TestApp::spawn_with(&[("PITWALL_HEADER_TIMEOUT", "1s"), ("PITWALL_IDLE_TIMEOUT", "3s")]).await;
    let addr = address(&app.base);
    let (mut sender, closed) = keep_alive_connection(&addr).await;
    assert_eq!(healthz_on(&mut sender, &addr).await, 200);
    // Idle for twice the header deadline (a load balancer's pooled connection), then reused.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!closed.is_finished(), "closed at the header deadline while idle");
    assert_eq!(healthz_on(&mut sender, &addr).await, 200);
    let idle_from = Instant::now();
    tokio::time::timeout(WAIT, closed).await.expect("an idle connection is closed").unwrap();
    let idled = idle_from.elapsed();
    println!("an idle keep-alive connection was closed after {idled:?} (idle deadline 3 s)");
    assert!(idled >= Duration::from_millis(2900) && idled < Duration::from_secs(6), "closed after {idled:?} idle");
}

#[tokio::test]
async fn past_the_connection_cap_a_visitor_waits_until_a_connection_closes() {
    let app = TestApp::spawn_with(&[("PITWALL_MAX_CONNECTIONS", "2"), ("PITWALL_HEADER_TIMEOUT", "60s")]).await;
    let addr = address(&app.base);
    // Two connections that never send a byte hold both places.
    let silent = [TcpStream::connect(&addr).await.unwrap(), TcpStream::connect(&addr).await.unwrap()];
    tokio::time::sleep(Duration::from_millis(200)).await;
    let impatient = reqwest::Client::builder().timeout(Duration::from_secs(1)).build().unwrap();
    let refused = impatient.get(app.url("/healthz")).send().await;
    assert!(refused.is_err(), "a third connection was served while two held the cap: {refused:?}");
    drop(silent);
    let patient = reqwest::Client::builder().timeout(WAIT).build().unwrap();
    let served = patient.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(served.status(), 200, "served once the silent connections closed");
}

/// A site whose `/slow` answers only when told to, and `/` at once.
async fn site_with_a_slow_page() -> (String, Arc<Notify>, Arc<Notify>) {
    let (arrived, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let slow = {
        let (arrived, release) = (arrived.clone(), release.clone());
        move || async move {
            arrived.notify_one();
            release.notified().await;
            "slow"
        }
    };
    let router = Router::new().route("/slow", get(slow)).route("/", get(|| async { "quick" }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), arrived, release)
}

#[tokio::test]
async fn the_gate_opens_no_more_connections_to_the_site_than_its_cap() {
    let app = TestApp::spawn().await;
    let (site, arrived, release) = site_with_a_slow_page().await;
    let gate =
        gate_with(&app, &site, "127.0.0.1:0", &[], GateLimits { upstream_connections: 1, ..GateLimits::default() })
            .await;
    let slow = tokio::spawn(reqwest::get(format!("{}/slow", gate.base)));
    tokio::time::timeout(WAIT, arrived.notified()).await.expect("the slow request reached the site");

    // The one connection to the site is busy: another visitor is told so instead of queueing for ever.
    let busy = reqwest::get(format!("{}/", gate.base)).await.unwrap();
    assert_eq!(busy.status(), 503);
    assert_eq!(busy.headers()["retry-after"], "5");
    assert!(busy.text().await.unwrap().contains("very busy"));

    release.notify_one();
    let slow = slow.await.unwrap().unwrap();
    assert_eq!((slow.status().as_u16(), slow.text().await.unwrap()), (200, "slow".to_owned()));
    let quick = reqwest::get(format!("{}/", gate.base)).await.unwrap();
    assert_eq!((quick.status().as_u16(), quick.text().await.unwrap()), (200, "quick".to_owned()));
}
