//! Ops endpoints and response headers.

use crate::support::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn healthz_and_readyz_report_the_database() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let res = app.machine().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body = res.assert_ok().await;
        assert_eq!(body["status"], "ok", "{path}: {body}");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        assert!(body["uptime_s"].is_u64());
        assert_eq!(body["checks"]["database"]["status"], "ok");
        assert!(body["checks"]["database"]["response_ms"].is_u64());
        assert_eq!(body["checks"]["jobs"], serde_json::json!({"status": "ok", "stalled": []}), "{path}");
    }
}

#[tokio::test]
async fn pages_are_never_cached_and_carry_safety_headers() {
    let app = TestApp::spawn().await;
    let res = app.browser().get("/setup").await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn pages_allow_only_their_own_nonced_scripts() {
    let app = TestApp::spawn().await;
    let res = app.browser().get("/setup").await;
    let policy = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(res.headers()["permissions-policy"].to_str().unwrap().contains("camera=()"));
    assert!(res.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
    let html = res.text().await.unwrap();
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
    assert!(nonce.len() >= 16, "{policy}");
    for directive in ["object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "'strict-dynamic'"] {
        assert!(policy.contains(directive), "{directive} missing from {policy}");
    }
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "every script carries the nonce");
    // Each response its own nonce.
    let again = app.browser().get("/setup").await.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert_ne!(again, policy);
    // Machine answers run no script at all.
    let json = app.machine().get(app.url("/api/v1/maintenance")).send().await.unwrap();
    assert!(json.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));

    let https = TestApp::spawn_with(&[("PITWALL_PUBLIC_URL", "https://ops.example.com")]).await;
    let res = https.machine().get(https.url("/healthz")).send().await.unwrap();
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000");
}

#[tokio::test]
async fn built_assets_are_served_compressed() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    let css = "body { color: red; }\n".repeat(200);
    std::fs::write(site.path().join("pkg/pitwall.css"), &css).unwrap();
    let app = TestApp::spawn_with(&[("LEPTOS_SITE_ROOT", site.path().to_str().unwrap())]).await;
    let res = app.machine().get(app.url("/pkg/pitwall.css")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    // Test binaries have no hash file beside them, so names are unhashed and must revalidate.
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert!(res.bytes().await.unwrap().len() < css.len() / 4);
}

/// With a 1 s acquire timeout: 503 well within a few seconds, and no internal detail.
async fn answers_503_promptly(what: &str, request: impl std::future::Future<Output = reqwest::Response>) {
    let started = Instant::now();
    let res = tokio::time::timeout(Duration::from_secs(10), request).await.unwrap_or_else(|_| panic!("{what} hung"));
    let took = started.elapsed();
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert_eq!(status, 503, "{what}: {body}");
    assert!(took < Duration::from_secs(4), "{what} took {took:?} with a 1 s acquire timeout");
    assert!(!body.to_lowercase().contains("pool"), "{what} shows internal detail: {body}");
}

#[tokio::test]
async fn an_exhausted_pool_answers_503_within_the_acquire_timeout() {
    let app =
        TestApp::spawn_with_server_pool(&[("PITWALL_DB_POOL_SIZE", "6"), ("PITWALL_DB_ACQUIRE_TIMEOUT", "1s")]).await;
    let owner = app.setup_owner().await;
    let token = owner.create_token("ops", "incidents:read").await["secret"].as_str().unwrap().to_owned();
    let incidents = || app.machine().get(app.url("/api/v1/incidents")).bearer_auth(&token).send();
    incidents().await.unwrap().assert_ok().await;
    owner.call("users/list", &[]).await.assert_ok().await;

    // Hold every connection the server's pool will give, as a stuck query or a burst would.
    let mut held = Vec::new();
    while let Ok(connection) = app.pool.acquire().await {
        held.push(connection);
    }
    assert!(!held.is_empty());
    answers_503_promptly("a token API call", async { incidents().await.unwrap() }).await;
    answers_503_promptly("a console server fn", owner.call("users/list", &[])).await;
    answers_503_promptly("/readyz", async { app.machine().get(app.url("/readyz")).send().await.unwrap() }).await;

    drop(held);
    incidents().await.unwrap().assert_ok().await;
    owner.call("users/list", &[]).await.assert_ok().await;
}

#[tokio::test]
async fn a_pool_of_two_still_serves_requests_beside_the_listeners() {
    let app =
        TestApp::spawn_with_server_pool(&[("PITWALL_DB_POOL_SIZE", "2"), ("PITWALL_DB_ACQUIRE_TIMEOUT", "2s")]).await;
    let owner = app.setup_owner().await;
    for _ in 0..5 {
        owner.call("users/list", &[]).await.assert_ok().await;
    }
    app.machine().get(app.url("/readyz")).send().await.unwrap().assert_ok().await;
    // The watchers still hear changes on their own connections.
    owner.call("maintenance/start", &[("reason", ""), ("message", ""), ("duration", "")]).await.assert_ok().await;
    within(WAIT, || async {
        let state: serde_json::Value =
            app.machine().get(app.url("/api/v1/maintenance")).send().await.unwrap().json().await.unwrap();
        state["active"] == true
    })
    .await;
}
