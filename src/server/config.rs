//! Configuration from environment variables, validated once at start-up.

use super::listen::ConnectionLimits;
pub use crate::duration::parse_duration;
use ipnet::IpNet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseSource {
    /// `DATABASE_URL`: an existing Postgres.
    Url(String),
    /// Pitwall's own cluster under `data_dir`, run with the server binaries in `bin_dir` (found
    /// automatically when not given).
    Embedded { data_dir: PathBuf, bin_dir: Option<PathBuf> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database: DatabaseSource,
    /// The origin users reach Pitwall at (`https://ops.example.com`), when known.
    pub public_url: Option<String>,
    /// A host name that serves only the public status page (`status.example.com`), at `/`.
    pub status_host: Option<String>,
    pub session_idle: Duration,
    pub log_format: LogFormat,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    pub db_pool_size: u32,
    pub db_acquire_timeout: Duration,
    /// How often in-memory state (maintenance, flags) is re-read besides each NOTIFY; `None`:
    /// on NOTIFY alone.
    pub live_reread: Option<Duration>,
    /// The set-up code a fresh instance accepts (`PITWALL_SETUP_CODE`), instead of a random one
    /// printed at start: for unattended installs.
    pub setup_code: Option<String>,
    /// Where the built site (`pkg/`, public assets) lives.
    pub site_root: PathBuf,
    /// Deadlines and the connection cap of the listener (the console's, or the gate's).
    pub connection_limits: ConnectionLimits,
}

/// A configuration value that could not be used, naming the variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let err = |variable: &'static str, message: String| ConfigError { variable, message };

        let (listen_var, listen_raw) = match get("PITWALL_LISTEN") {
            Some(v) => ("PITWALL_LISTEN", v),
            None => ("LEPTOS_SITE_ADDR", get("LEPTOS_SITE_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into())),
        };
        let listen = listen_raw
            .parse()
            .map_err(|_| err(listen_var, format!("{listen_raw:?} is not an address like 127.0.0.1:3000")))?;

        let database = match get("DATABASE_URL") {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => DatabaseSource::Url(url),
            Some(_) => return Err(err("DATABASE_URL", "must start with postgres:// or postgresql://".into())),
            None => DatabaseSource::Embedded {
                data_dir: get("PITWALL_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".pitwall")),
                bin_dir: get("PITWALL_PG_BINDIR").map(PathBuf::from),
            },
        };

        let public_url = get("PITWALL_PUBLIC_URL")
            .map(|raw| {
                parse_origin(&raw).ok_or_else(|| {
                    err("PITWALL_PUBLIC_URL", format!("{raw:?} is not an origin like https://ops.example.com"))
                })
            })
            .transpose()?;

        let status_host = get("PITWALL_STATUS_HOST")
            .map(|raw| {
                let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
                let valid =
                    !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
                valid.then_some(host).ok_or_else(|| {
                    err("PITWALL_STATUS_HOST", format!("{raw:?} is not a host name like status.example.com"))
                })
            })
            .transpose()?;

        let duration = |key: &'static str, default: Duration| -> Result<Duration, ConfigError> {
            get(key).map(|raw| parse_duration(&raw).map_err(|m| err(key, m))).unwrap_or(Ok(default))
        };
        let session_idle = duration("PITWALL_SESSION_IDLE", Duration::from_secs(12 * 3600))?;
        let db_acquire_timeout = duration("PITWALL_DB_ACQUIRE_TIMEOUT", Duration::from_secs(5))?;
        let live_reread = match get("PITWALL_LIVE_REREAD").as_deref() {
            Some("off") => None,
            _ => Some(duration("PITWALL_LIVE_REREAD", Duration::from_secs(5))?),
        };

        let log_format = match get("PITWALL_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(err("PITWALL_LOG_FORMAT", format!("{other:?}: use text or json"))),
        };

        let trusted_proxies = get("PITWALL_TRUSTED_PROXIES")
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        parse_net(s).ok_or_else(|| {
                            err("PITWALL_TRUSTED_PROXIES", format!("{s:?} is not an IP address or CIDR"))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();

        let db_pool_size = match get("PITWALL_DB_POOL_SIZE") {
            None => 10,
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|n| (1..=500).contains(n))
                .ok_or_else(|| err("PITWALL_DB_POOL_SIZE", format!("{raw:?}: use a whole number from 1 to 500")))?,
        };

        let setup_code = get("PITWALL_SETUP_CODE")
            .map(|code| {
                if code.chars().count() >= 12 {
                    Ok(code)
                } else {
                    Err(err(
                        "PITWALL_SETUP_CODE",
                        "use at least 12 characters: it is all that guards a fresh instance".into(),
                    ))
                }
            })
            .transpose()?;

        let defaults = ConnectionLimits::default();
        let connection_limits = ConnectionLimits {
            header_timeout: duration("PITWALL_HEADER_TIMEOUT", defaults.header_timeout)?,
            idle_timeout: duration("PITWALL_IDLE_TIMEOUT", defaults.idle_timeout)?,
            max_connections: match get("PITWALL_MAX_CONNECTIONS") {
                None => defaults.max_connections,
                Some(raw) => raw.parse().ok().filter(|n| (1..=1_000_000).contains(n)).ok_or_else(|| {
                    err("PITWALL_MAX_CONNECTIONS", format!("{raw:?}: use a whole number from 1 to 1000000"))
                })?,
            },
        };

        let site_root = get("LEPTOS_SITE_ROOT").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/site"));

        Ok(Self {
            listen,
            database,
            public_url,
            status_host,
            session_idle,
            log_format,
            trusted_proxies,
            db_pool_size,
            db_acquire_timeout,
            live_reread,
            setup_code,
            site_root,
            connection_limits,
        })
    }

    /// Where the public reads the status page: on the status host when there is one, else under
    /// the console's public URL (relative when neither is known).
    pub fn status_page_url(&self) -> String {
        match (&self.status_host, &self.public_url) {
            (Some(host), _) => format!("https://{host}/status"),
            (None, Some(url)) => format!("{url}/status"),
            (None, None) => "/status".to_owned(),
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

/// `https://Host:Port/` → `https://host:port`; anything with a path, query or no host is refused.
fn parse_origin(raw: &str) -> Option<String> {
    let (scheme, rest) = raw.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    Some(format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// An address or network: `10.0.0.1` is read as `10.0.0.1/32`.
pub fn parse_net(raw: &str) -> Option<IpNet> {
    raw.parse::<IpNet>().ok().or_else(|| raw.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_use_the_embedded_database() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database, DatabaseSource::Embedded { data_dir: PathBuf::from(".pitwall"), bin_dir: None });
        assert_eq!(c.session_idle, Duration::from_secs(43_200));
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert!(!c.secure_cookies());
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert_eq!(config(&[("PITWALL_SESSION_IDLE", "forever")]).unwrap_err().variable, "PITWALL_SESSION_IDLE");
        assert_eq!(config(&[("PITWALL_LOG_FORMAT", "xml")]).unwrap_err().variable, "PITWALL_LOG_FORMAT");
        assert_eq!(config(&[("DATABASE_URL", "mysql://x")]).unwrap_err().variable, "DATABASE_URL");
        assert_eq!(
            config(&[("PITWALL_TRUSTED_PROXIES", "10.0.0.0/8, nope")]).unwrap_err().variable,
            "PITWALL_TRUSTED_PROXIES"
        );
        assert_eq!(config(&[("PITWALL_PUBLIC_URL", "ops.example.com")]).unwrap_err().variable, "PITWALL_PUBLIC_URL");
        assert_eq!(config(&[("PITWALL_LISTEN", "localhost")]).unwrap_err().variable, "PITWALL_LISTEN");
        assert_eq!(
            config(&[("PITWALL_STATUS_HOST", "https://status.example.com/")]).unwrap_err().variable,
            "PITWALL_STATUS_HOST"
        );
        assert_eq!(
            config(&[("PITWALL_STATUS_HOST", "Status.Example.com")]).unwrap().status_host.as_deref(),
            Some("status.example.com")
        );
        assert_eq!(config(&[("PITWALL_DB_POOL_SIZE", "0")]).unwrap_err().variable, "PITWALL_DB_POOL_SIZE");
        assert_eq!(config(&[("PITWALL_HEADER_TIMEOUT", "0s")]).unwrap_err().variable, "PITWALL_HEADER_TIMEOUT");
        assert_eq!(config(&[("PITWALL_IDLE_TIMEOUT", "soon")]).unwrap_err().variable, "PITWALL_IDLE_TIMEOUT");
        assert_eq!(config(&[("PITWALL_MAX_CONNECTIONS", "0")]).unwrap_err().variable, "PITWALL_MAX_CONNECTIONS");
    }

    #[test]
    fn live_state_rereads_every_five_seconds_unless_told_otherwise() {
        assert_eq!(config(&[]).unwrap().live_reread, Some(Duration::from_secs(5)));
        assert_eq!(config(&[("PITWALL_LIVE_REREAD", "1m")]).unwrap().live_reread, Some(Duration::from_secs(60)));
        assert_eq!(config(&[("PITWALL_LIVE_REREAD", "off")]).unwrap().live_reread, None);
        assert_eq!(config(&[("PITWALL_LIVE_REREAD", "never")]).unwrap_err().variable, "PITWALL_LIVE_REREAD");
    }

    #[test]
    fn https_public_url_makes_cookies_secure() {
        let c = config(&[("PITWALL_PUBLIC_URL", "HTTPS://Ops.Example.com/")]).unwrap();
        assert_eq!(c.public_url.as_deref(), Some("https://ops.example.com"));
        assert!(c.secure_cookies());
    }

    #[test]
    fn trusted_proxies_accept_addresses_and_networks() {
        let c = config(&[("PITWALL_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,::1")]).unwrap();
        assert_eq!(c.trusted_proxies.len(), 3);
        assert!(c.trusted_proxies[0].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        for bad in ["", "m", "0s", "1w", "1.5h", "-3m"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
