//! The security headers every response carries. Pages get a Content-Security-Policy that lets
//! only Pitwall's own scripts run: the hydration scripts carry the per-response nonce Leptos
//! renders them with, and what they load is trusted through `'strict-dynamic'`.

use super::config::Config;
use axum::Router;
use http::header::{self, HeaderName};
use http::HeaderValue;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of a rendered page whose inline scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Everything that is not a page (JSON, assets, errors) runs no script at all.
const OTHER_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()";
/// A year; subdomains are left alone (they may be other teams' sites).
const HSTS: &str = "max-age=31536000";

/// Adds the headers to every response of `router` that does not set its own.
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>, config: &Config) -> Router<S> {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let router = router
        .layer(set(header::CONTENT_SECURITY_POLICY, OTHER_POLICY))
        .layer(set(HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::REFERRER_POLICY, "same-origin"));
    if config.secure_cookies() {
        router.layer(set(header::STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        router
    }
}

/// Sets the page policy on the page being rendered (called from the shell).
#[cfg(feature = "ssr")]
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce.to_string())) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_only_nonced_scripts() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'nonce-abc123' 'strict-dynamic' 'wasm-unsafe-eval';"));
        for directive in ["object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'"] {
            assert!(policy.contains(directive), "{directive}");
        }
        assert!(!policy.contains("unsafe-eval'") || policy.contains("wasm-unsafe-eval"));
        assert!(!policy.split("script-src").nth(1).unwrap().split(';').next().unwrap().contains("unsafe-inline"));
    }
}
