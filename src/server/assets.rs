//! The built front end: content-hashed file names (from cargo-leptos' `hash.txt`) served with
//! year-long cache headers; everything else is never cached stale.

use axum::Router;
use http::header::CACHE_CONTROL;
use http::HeaderValue;
use std::path::Path;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

const HASH_FILE: &str = "hash.txt";

/// Names of the built assets, as the page shell links them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetNames {
    /// Whether file names carry content hashes (a cargo-leptos build with `hash-files`).
    pub hashed: bool,
    pub stylesheet: String,
}

impl AssetNames {
    /// Reads `hash.txt` beside the running binary, where cargo-leptos writes it and where Leptos
    /// itself looks for the script names.
    pub fn discover(output_name: &str, pkg_dir: &str) -> Self {
        let hashes = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(HASH_FILE)))
            .and_then(|path| std::fs::read_to_string(path).ok());
        Self::from_hash_file(hashes.as_deref(), output_name, pkg_dir)
    }

    fn from_hash_file(contents: Option<&str>, output_name: &str, pkg_dir: &str) -> Self {
        let css_hash = contents.and_then(|text| {
            text.lines().find_map(|line| {
                line.split_once(':').filter(|(kind, _)| kind.trim() == "css").map(|(_, h)| h.trim().to_owned())
            })
        });
        let stylesheet = match &css_hash {
            Some(hash) => format!("/{pkg_dir}/{output_name}.{hash}.css"),
            None => format!("/{pkg_dir}/{output_name}.css"),
        };
        Self { hashed: contents.is_some(), stylesheet }
    }
}

/// `/pkg/*`: precompressed variants when the build made them; immutable caching for hashed names.
pub fn pkg_router<S: Clone + Send + Sync + 'static>(site_root: &Path, pkg_dir: &str, hashed: bool) -> Router<S> {
    let cache = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
    let files = ServeDir::new(site_root.join(pkg_dir)).precompressed_br().precompressed_gzip();
    Router::new()
        .nest_service(&format!("/{pkg_dir}"), files)
        .layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static(cache)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stylesheet_name_follows_the_hash_file() {
        let names = AssetNames::from_hash_file(Some("js: abc\nwasm: def\ncss: Xy-9\n"), "pitwall", "pkg");
        assert!(names.hashed);
        assert_eq!(names.stylesheet, "/pkg/pitwall.Xy-9.css");
        let plain = AssetNames::from_hash_file(None, "pitwall", "pkg");
        assert!(!plain.hashed);
        assert_eq!(plain.stylesheet, "/pkg/pitwall.css");
    }
}
