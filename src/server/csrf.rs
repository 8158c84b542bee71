//! Cross-site request refusal, on top of SameSite cookies: a state-changing request must come
//! from Pitwall's own origin, and every request must name a host Pitwall answers to (so a
//! DNS-rebinding page, whose requests carry its own domain as `Host`, is refused).

use super::config::Config;
use crate::error::AppError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, Method};
use std::sync::Arc;

/// Whether a request is same-origin. `expected` is the configured public origin; without one,
/// the request's own `Host` is the origin (a forged cross-site request names the real host but
/// carries the attacker's `Origin`).
pub fn is_same_origin(method: &Method, headers: &HeaderMap, expected: Option<&str>) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let header_str = |name| headers.get(name).and_then(|v: &http::HeaderValue| v.to_str().ok());
    let source = match (header_str(header::ORIGIN), header_str(header::REFERER)) {
        (Some(origin), _) if origin != "null" => origin.to_owned(),
        (_, Some(referer)) => origin_of(referer),
        // No browser context at all: a machine client with a token and no cookie is fine; a
        // cookie-carrying request without any origin information is not trusted.
        _ => return headers.get(header::COOKIE).is_none(),
    };
    match expected {
        Some(origin) => source.eq_ignore_ascii_case(origin),
        None => {
            let host = header_str(header::HOST).unwrap_or_default();
            source.split_once("://").is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
        }
    }
}

fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split(['/', '?', '#']).next().unwrap_or_default()),
        None => String::new(),
    }
}

pub async fn middleware(State(config): State<Arc<Config>>, req: Request, next: Next) -> Response {
    if is_same_origin(req.method(), req.headers(), config.public_url.as_deref()) {
        next.run(req).await
    } else {
        tracing::warn!(path = %req.uri().path(), "cross-origin request refused");
        AppError::Forbidden.into_response()
    }
}

/// Whether `Host` names this Pitwall: an IP address, `localhost`, or the public URL's host. A
/// rebinding attack always carries the attacker's domain name, never one of these.
pub fn is_own_host(host: Option<&str>, public_url: Option<&str>) -> bool {
    let Some(host) = host else {
        // No Host at all (HTTP/1.0 tools): not something a browser sends.
        return true;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => return v6.split_once(']').is_some_and(|(ip, _)| ip.parse::<std::net::Ipv6Addr>().is_ok()),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let public_host = public_url
        .and_then(|url| url.split_once("://"))
        .map(|(_, authority)| authority.rsplit_once(':').map_or(authority, |(name, _)| name));
    name.parse::<std::net::Ipv4Addr>().is_ok()
        || name == "localhost"
        || name.ends_with(".localhost")
        || public_host.is_some_and(|public| public.eq_ignore_ascii_case(&name))
}

/// Whether `Host` (any port) is `name`.
pub fn is_host(host: Option<&str>, name: Option<&str>) -> bool {
    let (Some(host), Some(name)) = (host, name) else { return false };
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case(name) || host.rsplit_once(':').is_some_and(|(h, _)| h.eq_ignore_ascii_case(name))
}

pub async fn host_middleware(State(config): State<Arc<Config>>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok());
    if is_own_host(host, config.public_url.as_deref()) || is_host(host, config.status_host.as_deref()) {
        return next.run(req).await;
    }
    tracing::warn!(host = host.unwrap_or_default(), "request for another host refused");
    (
        http::StatusCode::MISDIRECTED_REQUEST,
        "This Pitwall does not answer to that host name. Reach it by its address or localhost, or set \
         PITWALL_PUBLIC_URL to the URL you use.\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn addresses_localhost_and_the_public_host_are_own_hosts() {
        for host in ["127.0.0.1:3000", "10.1.2.3", "[::1]:3000", "localhost:3000", "app.localhost", "LOCALHOST."] {
            assert!(is_own_host(Some(host), None), "{host}");
        }
        assert!(is_own_host(Some("Ops.Example.com"), Some("https://ops.example.com")));
        assert!(is_own_host(Some("ops.example.com:8443"), Some("https://ops.example.com:8443")));
        for host in ["evil.test", "evil.test:3000", "localhost.evil.test", "127.0.0.1.evil.test", "[evil]:80"] {
            assert!(!is_own_host(Some(host), Some("https://ops.example.com")), "{host}");
        }
        assert!(!is_own_host(Some("ops.example.com"), None));
    }

    #[test]
    fn reads_are_always_allowed() {
        assert!(is_same_origin(&Method::GET, &headers(&[("origin", "https://evil.test")]), None));
    }

    #[test]
    fn posts_must_match_the_host_or_public_origin() {
        let ok = headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")]);
        assert!(is_same_origin(&Method::POST, &ok, None));
        let evil = headers(&[("host", "127.0.0.1:3000"), ("origin", "http://evil.test")]);
        assert!(!is_same_origin(&Method::POST, &evil, None));
        let public = headers(&[("host", "internal:3000"), ("origin", "https://ops.example.com")]);
        assert!(is_same_origin(&Method::POST, &public, Some("https://ops.example.com")));
        assert!(!is_same_origin(&Method::POST, &evil, Some("https://ops.example.com")));
    }

    #[test]
    fn referer_stands_in_for_a_missing_origin() {
        let h = headers(&[("host", "a.test"), ("referer", "http://a.test/users?x=1")]);
        assert!(is_same_origin(&Method::POST, &h, None));
        let h = headers(&[("host", "a.test"), ("referer", "http://b.test/")]);
        assert!(!is_same_origin(&Method::POST, &h, None));
    }

    #[test]
    fn cookie_without_origin_is_refused_but_bare_machine_calls_pass() {
        assert!(!is_same_origin(&Method::POST, &headers(&[("cookie", "pitwall_session=x")]), None));
        assert!(is_same_origin(&Method::POST, &headers(&[("authorization", "Bearer t")]), None));
    }
}
