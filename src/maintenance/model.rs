//! Maintenance windows, recurrences and the gate's access settings: shared types and parsed inputs.

use crate::duration::parse_duration;
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

pub const DEFAULT_REASON: &str = "Scheduled maintenance";
pub const DEFAULT_MESSAGE: &str = "We are updating to improve your experience.";

crate::text_enum!(
    /// Statuspage's lifecycle: scheduled → in progress → completed, or cancelled before it starts.
    WindowState("window state") {
        Scheduled = "scheduled" / "Scheduled",
        InProgress = "in_progress" / "In progress",
        Completed = "completed" / "Completed",
        Cancelled = "cancelled" / "Cancelled",
    }
);

/// One step of a window's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowEvent {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowView {
    pub id: i64,
    pub reason: String,
    pub message: String,
    pub planned_start: DateTime<Utc>,
    pub planned_end: Option<DateTime<Utc>>,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    pub state: WindowState,
    pub missed: bool,
    pub recurrence_id: Option<i64>,
    pub created_by: String,
    pub history: Vec<WindowEvent>,
}

impl WindowView {
    /// When it started, or is planned to.
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.actual_start.unwrap_or(self.planned_start)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecurrenceView {
    pub id: i64,
    pub reason: String,
    pub summary: String,
    pub active: bool,
    pub next: Vec<DateTime<Utc>>,
}

/// What the console's maintenance page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub current: Option<WindowView>,
    pub upcoming: Vec<WindowView>,
    pub past: Vec<WindowView>,
    pub recurrences: Vec<RecurrenceView>,
}

/// The state in brief: for the banner on every page and the dashboard card.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NowAndNext {
    pub current: Option<WindowView>,
    pub next: Option<WindowView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedNetworkView {
    pub network: String,
    pub label: String,
}

/// The gate's access settings as the owner edits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessView {
    pub allowlist: Vec<AllowedNetworkView>,
    pub excluded_paths: Vec<String>,
    pub bypass_key: String,
    pub site: SiteSettings,
}

impl AccessView {
    /// The ready-made link that lets its holder through the gate (relative when the site's address is not set).
    pub fn bypass_link(&self) -> String {
        format!("{}/?bypass={}", self.site.site_url, self.bypass_key)
    }
}

/// What the maintenance page tells visitors besides the window itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSettings {
    pub site_name: String,
    pub site_url: String,
    pub status_url: String,
    pub support_contact: String,
}

fn bounded_text(field: &str, raw: &str, default: &str, max: usize, what: &str) -> Result<String, AppError> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(AppError::validation(field, format!("{what} is too long: at most {max} characters.")));
    }
    Ok(if text.is_empty() { default.to_owned() } else { text.to_owned() })
}

/// A window as requested: what, when and for how long. Times are UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWindow {
    reason: String,
    message: String,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
}

/// When a requested window starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Now,
    At(DateTime<Utc>),
}

impl NewWindow {
    /// `duration` is empty for "until ended by hand", else `90s`, `15m`, `2h`.
    pub fn parse(
        reason: &str,
        message: &str,
        start: Start,
        duration: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, AppError> {
        let reason = bounded_text("reason", reason, DEFAULT_REASON, 200, "The reason")?;
        let message = bounded_text("message", message, DEFAULT_MESSAGE, 1000, "The message")?;
        let starts_at = match start {
            Start::Now => now,
            Start::At(at) if at < now - Duration::seconds(60) => {
                return Err(AppError::validation("starts_at", "That time has passed: pick a time in the future."));
            }
            Start::At(at) => at,
        };
        let ends_at = parse_length("duration", duration)?.map(|length| starts_at + length);
        Ok(Self { reason, message, starts_at, ends_at })
    }

    /// The same window with a fixed end (a recurrence's occurrence lasts the recurrence's duration).
    pub fn with_end(self, ends_at: DateTime<Utc>) -> Self {
        Self { ends_at: Some(ends_at), ..self }
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }
    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.ends_at
    }
}

/// An optional length (`""` → none) of at most 30 days.
pub fn parse_length(field: &str, raw: &str) -> Result<Option<Duration>, AppError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    let length = parse_duration(raw).map_err(|m| AppError::validation(field, capitalise(&m)))?;
    if length.as_secs() > 30 * 86_400 {
        return Err(AppError::validation(field, "At most 30 days."));
    }
    Ok(Some(Duration::seconds(length.as_secs() as i64)))
}

/// A required positive length (`extend --by 30m`).
pub fn parse_required_length(field: &str, raw: &str) -> Result<Duration, AppError> {
    parse_length(field, raw)?.ok_or_else(|| AppError::validation(field, "Enter a duration such as 15m or 2h."))
}

/// The start of a scheduled window: an RFC 3339 time (`2026-12-01T02:00:00+01:00`), or a delay
/// from now (`30m`; a bare number is minutes, as `--schedule=30` always meant).
pub fn parse_start(field: &str, raw: &str, now: DateTime<Utc>) -> Result<Start, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Start::Now);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Start::At(at.with_timezone(&Utc)));
    }
    let delay = if raw.bytes().all(|b| b.is_ascii_digit()) { format!("{raw}m") } else { raw.to_owned() };
    match parse_length(field, &delay) {
        Ok(Some(delay)) => Ok(Start::At(now + delay)),
        _ => Err(AppError::validation(
            field,
            format!("{raw:?} is neither a time like 2026-12-01T02:00:00+01:00 nor a delay like 30m."),
        )),
    }
}

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// An allowlist entry: an address or network, v4 or v6, kept in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedNetwork {
    network: IpNet,
    label: String,
}

impl AllowedNetwork {
    pub fn parse(network: &str, label: &str) -> Result<Self, AppError> {
        let network = parse_network("network", network)?;
        let label = bounded_text("label", label, "", 100, "The label")?;
        Ok(Self { network, label })
    }

    pub fn network(&self) -> IpNet {
        self.network
    }
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`; host bits are cleared (`10.1.2.3/8` → `10.0.0.0/8`).
pub fn parse_network(field: &str, raw: &str) -> Result<IpNet, AppError> {
    let raw = raw.trim();
    let parsed = raw.parse::<IpNet>().ok().or_else(|| raw.parse::<IpAddr>().ok().map(IpNet::from));
    parsed.map(|net| net.trunc()).ok_or_else(|| {
        AppError::validation(
            field,
            format!("{raw:?} is not an IP address or network like 203.0.113.0/24 or 2001:db8::/32."),
        )
    })
}

/// Paths the gate always lets through (health checks, robots.txt), one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludedPaths(Vec<String>);

impl ExcludedPaths {
    pub const MAX: usize = 50;

    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let mut paths: Vec<String> = Vec::new();
        for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !line.starts_with('/')
                || line.contains(char::is_whitespace)
                || line.contains(['?', '#'])
                || line.len() > 200
            {
                return Err(AppError::validation(
                    field,
                    format!("{line:?} is not a path: start with / and leave out spaces, ? and #."),
                ));
            }
            if !paths.iter().any(|p| p == line) {
                paths.push(line.to_owned());
            }
        }
        if paths.len() > Self::MAX {
            return Err(AppError::validation(field, format!("At most {} paths.", Self::MAX)));
        }
        Ok(Self(paths))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// A request path the gate will not guess about: an encoded `/`, `\` or NUL, a raw `\`, a
/// broken `%` escape, or not a path at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmbiguousPath;

/// The path as a server resolving it would: unreserved characters percent-decoded, `;`
/// parameters dropped from each segment, empty and `.` segments removed, `..` applied. The gate
/// decides on this form and forwards it, so the site sees exactly what was decided on.
pub fn normalise_path(raw: &str) -> Result<String, AmbiguousPath> {
    let rest = raw.strip_prefix('/').ok_or(AmbiguousPath)?;
    let mut segments: Vec<String> = Vec::new();
    for segment in rest.split('/') {
        let segment = segment.split(';').next().unwrap_or_default();
        let decoded = decode_unreserved(segment)?;
        match decoded.as_str() {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(decoded),
        }
    }
    let mut path = format!("/{}", segments.join("/"));
    let ends_in_directory = raw.ends_with('/') || raw.ends_with("/.") || raw.ends_with("/..");
    if ends_in_directory && path != "/" {
        path.push('/');
    }
    Ok(path)
}

fn decode_unreserved(segment: &str) -> Result<String, AmbiguousPath> {
    let bytes = segment.as_bytes();
    let mut out = String::with_capacity(segment.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = segment.get(i + 1..i + 3).ok_or(AmbiguousPath)?;
                let value = u8::from_str_radix(hex, 16).map_err(|_| AmbiguousPath)?;
                match value {
                    b'/' | b'\\' | 0 => return Err(AmbiguousPath),
                    v if v.is_ascii_alphanumeric() || matches!(v, b'-' | b'.' | b'_' | b'~') => out.push(v as char),
                    v => out.push_str(&format!("%{v:02X}")),
                }
                i += 3;
            }
            b'\\' => return Err(AmbiguousPath),
            _ => {
                let ch = segment[i..].chars().next().ok_or(AmbiguousPath)?;
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    Ok(out)
}

/// Whether `path` is one of `excluded` or below one (`/health` covers `/health/db`, not `/healthy`).
pub fn path_is_excluded(excluded: &[String], path: &str) -> bool {
    excluded.iter().any(|p| {
        path == p || (path.starts_with(p.as_str()) && (p.ends_with('/') || path.as_bytes().get(p.len()) == Some(&b'/')))
    })
}

impl SiteSettings {
    pub fn parse(site_name: &str, site_url: &str, status_url: &str, support_contact: &str) -> Result<Self, AppError> {
        let site_name = bounded_text("site_name", site_name, "", 100, "The site name")?;
        if site_name.is_empty() {
            return Err(AppError::validation("site_name", "Enter the site's name, as visitors know it."));
        }
        Ok(Self {
            site_name,
            site_url: parse_url("site_url", site_url)?.trim_end_matches('/').to_owned(),
            status_url: parse_url("status_url", status_url)?,
            support_contact: parse_contact("support_contact", support_contact)?,
        })
    }
}

/// An optional support contact that becomes a link on the maintenance page: an email address,
/// a `mailto:` link or an http(s) address. Any other scheme (`javascript:`, `data:`) is refused.
fn parse_contact(field: &str, raw: &str) -> Result<String, AppError> {
    let contact = bounded_text(field, raw, "", 200, "The support contact")?;
    let address = contact.strip_prefix("mailto:").unwrap_or(&contact);
    let is_email = address.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !address.contains([':', '/', ' ', '<', '>', '"'])
    });
    if contact.is_empty() || is_email {
        return Ok(contact);
    }
    if contact.starts_with("http://") || contact.starts_with("https://") {
        return parse_url(field, &contact);
    }
    Err(AppError::validation(field, "Use an email address, a mailto: link or an http(s) address."))
}

/// An optional absolute http(s) URL.
fn parse_url(field: &str, raw: &str) -> Result<String, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(String::new());
    }
    let rest = raw.strip_prefix("https://").or_else(|| raw.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty() && !rest.starts_with('/') && !raw.contains(char::is_whitespace) && raw.len() <= 500 =>
        {
            Ok(raw.to_owned())
        }
        _ => Err(AppError::validation(field, format!("{raw:?} is not an address like https://example.com."))),
    }
}

/// The answer of `GET /api/v1/maintenance` (and `pitwall maintenance status --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicState {
    pub active: bool,
    pub message: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub next: Option<PublicWindow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicWindow {
    pub message: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

impl PublicState {
    pub fn of(now_and_next: &NowAndNext) -> Self {
        let current = now_and_next.current.as_ref();
        Self {
            active: current.is_some(),
            message: current.map(|w| w.message.clone()),
            starts_at: current.map(WindowView::starts_at),
            ends_at: current.and_then(|w| w.planned_end),
            next: now_and_next.next.as_ref().map(|w| PublicWindow {
                message: w.message.clone(),
                starts_at: w.planned_start,
                ends_at: w.planned_end,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_window_defaults_its_texts_and_reads_its_duration() {
        let w = NewWindow::parse("  ", "", Start::Now, "90m", now()).unwrap();
        assert_eq!(w.reason(), DEFAULT_REASON);
        assert_eq!(w.message(), DEFAULT_MESSAGE);
        assert_eq!(w.ends_at(), Some(now() + Duration::minutes(90)));
        assert_eq!(NewWindow::parse("r", "m", Start::Now, "", now()).unwrap().ends_at(), None);
    }

    #[test]
    fn bad_window_input_names_its_field() {
        let err = NewWindow::parse("r", "m", Start::Now, "soon", now()).unwrap_err();
        assert!(err.field_message("duration").is_some(), "{err:?}");
        let past = Start::At(now() - Duration::hours(1));
        assert!(NewWindow::parse("r", "m", past, "", now()).unwrap_err().field_message("starts_at").is_some());
        let long = "x".repeat(201);
        assert!(NewWindow::parse(&long, "m", Start::Now, "", now()).unwrap_err().field_message("reason").is_some());
        assert!(parse_length("duration", "31d").is_err());
    }

    #[test]
    fn starts_read_as_times_or_delays() {
        assert_eq!(parse_start("s", "", now()).unwrap(), Start::Now);
        assert_eq!(parse_start("s", "30", now()).unwrap(), Start::At(now() + Duration::minutes(30)));
        assert_eq!(parse_start("s", "2h", now()).unwrap(), Start::At(now() + Duration::hours(2)));
        assert_eq!(
            parse_start("s", "2026-12-01T02:00:00+01:00", now()).unwrap(),
            Start::At("2026-12-01T01:00:00Z".parse().unwrap())
        );
        assert!(parse_start("s", "tomorrow", now()).unwrap_err().field_message("s").is_some());
    }

    #[test]
    fn networks_are_canonical_v4_and_v6() {
        assert_eq!(parse_network("n", "203.0.113.7").unwrap().to_string(), "203.0.113.7/32");
        assert_eq!(parse_network("n", "10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(parse_network("n", "2001:db8::1/32").unwrap().to_string(), "2001:db8::/32");
        assert_eq!(parse_network("n", "::1").unwrap().to_string(), "::1/128");
        for bad in ["", "300.1.1.1", "10.0.0.0/33", "example.com", "2001:db8::/129"] {
            assert!(parse_network("n", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn excluded_paths_are_paths_and_match_whole_segments() {
        let paths = ExcludedPaths::parse("p", "/health\n\n /up \n/health\n").unwrap();
        assert_eq!(paths.as_slice(), ["/health", "/up"]);
        assert!(ExcludedPaths::parse("p", "health").is_err());
        assert!(ExcludedPaths::parse("p", "/a b").is_err());
        let list = paths.as_slice();
        assert!(path_is_excluded(list, "/health"));
        assert!(path_is_excluded(list, "/health/db"));
        assert!(!path_is_excluded(list, "/healthy"));
        assert!(!path_is_excluded(list, "/"));
    }

    #[test]
    fn paths_are_normalised_as_servers_resolve_them() {
        for (raw, normal) in [
            ("/", "/"),
            ("/health", "/health"),
            ("//health", "/health"),
            ("/health/", "/health/"),
            ("/health/../admin", "/admin"),
            ("/health/%2e%2e/admin", "/admin"),
            ("/health/%2E%2E/admin", "/admin"),
            ("/health;x=1/../admin", "/admin"),
            ("/health/./db", "/health/db"),
            ("/%68ealth", "/health"),
            ("/../../health", "/health"),
            ("/health/..", "/"),
            ("/a%20b", "/a%20b"),
            ("/caf\u{e9}", "/caf\u{e9}"),
        ] {
            assert_eq!(normalise_path(raw), Ok(normal.to_owned()), "{raw}");
        }
        for raw in
            ["/health%2F..%2Fadmin", "/health%5c..%5cadmin", "/health\\..\\admin", "/a%zz", "/a%2", "/x%00", "*", ""]
        {
            assert_eq!(normalise_path(raw), Err(AmbiguousPath), "{raw}");
        }
    }

    #[test]
    fn site_settings_need_a_name_and_real_addresses() {
        let s = SiteSettings::parse("Shop", "https://shop.example.com/", "", "help@example.com").unwrap();
        assert_eq!(s.site_url, "https://shop.example.com");
        assert!(SiteSettings::parse("", "", "", "").unwrap_err().field_message("site_name").is_some());
        assert!(SiteSettings::parse("Shop", "ftp://x", "", "").unwrap_err().field_message("site_url").is_some());
        assert!(SiteSettings::parse("Shop", "", "https://", "").unwrap_err().field_message("status_url").is_some());
        for contact in ["help@example.com", "mailto:help@example.com", "https://example.com/support", ""] {
            assert!(SiteSettings::parse("Shop", "", "", contact).is_ok(), "{contact}");
        }
        for contact in ["javascript:alert(1)", "JavaScript:alert(1)//@x.com", "data:text/html,hi", "call us", "mailto:"]
        {
            let refused = SiteSettings::parse("Shop", "", "", contact).unwrap_err();
            assert!(refused.field_message("support_contact").is_some(), "{contact}");
        }
    }
}
