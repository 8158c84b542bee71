//! Ops endpoints and response headers.

use crate::support::*;

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
