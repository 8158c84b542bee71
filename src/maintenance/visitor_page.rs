//! What a visitor gets while a window is in progress: an HTML page, or JSON for API clients.
//! Rendered once per state change, served as shared bytes.

use super::model::{SiteSettings, WindowView};
use crate::ui::escape_html as escape;
use axum::body::Bytes;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct VisitorPage {
    pub html: Bytes,
    pub json: Bytes,
    pub ends_at: Option<DateTime<Utc>>,
}

impl VisitorPage {
    pub fn render(window: &WindowView, site: &SiteSettings) -> Self {
        let started_at = window.starts_at();
        let json = serde_json::json!({
            "maintenance": true,
            "message": window.message,
            "reason": window.reason,
            "started_at": started_at,
            "ends_at": window.planned_end,
            "status_url": Some(site.status_url.as_str()).filter(|u| !u.is_empty()),
        });
        Self {
            html: Bytes::from(html(window, site, started_at)),
            json: Bytes::from(json.to_string()),
            ends_at: window.planned_end,
        }
    }
}

fn html(window: &WindowView, site: &SiteSettings, started_at: DateTime<Utc>) -> String {
    let name = escape(&site.site_name);
    let estimate = match window.planned_end {
        Some(end) => format!(
            "<p>Expected back by <time class=\"local\" datetime=\"{}\">{}</time> (about {}).</p>",
            end.to_rfc3339(),
            end.format("%Y-%m-%d %H:%M UTC"),
            crate::ui::human_duration((end - started_at).num_seconds().max(0) as u64)
        ),
        None => "<p>We will be back as soon as the work is done.</p>".to_owned(),
    };
    let mut links = Vec::new();
    if !site.status_url.is_empty() {
        links.push(format!("<a href=\"{}\">Check the status page</a>", escape(&site.status_url)));
    }
    let contact = site.support_contact.trim();
    if !contact.is_empty() {
        let href = if contact.contains('@') && !contact.contains("://") && !contact.starts_with("mailto:") {
            format!("mailto:{contact}")
        } else {
            contact.to_owned()
        };
        let shown = contact.trim_start_matches("mailto:");
        links.push(format!("<a href=\"{}\">Contact support ({})</a>", escape(&href), escape(shown)));
    }
    let links = if links.is_empty() { String::new() } else { format!("<p class=\"links\">{}</p>", links.join(" · ")) };
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{name} · Down for maintenance</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;min-height:100vh;place-items:center;background:Canvas;color:CanvasText}}
main{{max-width:36rem;padding:2rem}}
h1{{font-size:1.6rem;margin:.2rem 0 1rem}}
.site{{font-weight:600;opacity:.75;margin:0}}
.message{{font-size:1.1rem}}
dl{{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}}
dt{{opacity:.75}}
dd{{margin:0}}
</style>
</head>
<body>
<main>
<p class="site">{name}</p>
<h1>We&#39;ll be back soon</h1>
<p>We are updating to improve your experience.</p>
<p class="message">{message}</p>
<dl>
<dt>Reason</dt><dd>{reason}</dd>
<dt>Started</dt><dd><time class="local" datetime="{started}">{started_utc}</time></dd>
<dt>Elapsed</dt><dd><span id="elapsed" data-since="{started}">{elapsed}</span></dd>
</dl>
{estimate}
{links}
</main>
<script>
(function(){{
var el=document.getElementById("elapsed"),since=Date.parse(el.dataset.since);
function pad(n){{return n<10?"0"+n:""+n}}
function tick(){{var s=Math.max(0,Math.floor((Date.now()-since)/1000));el.textContent=(s>=3600?Math.floor(s/3600)+":":"")+pad(Math.floor(s%3600/60))+":"+pad(s%60);}}
tick();setInterval(tick,1000);
document.querySelectorAll("time.local").forEach(function(t){{t.textContent=new Date(t.getAttribute("datetime")).toLocaleString();}});
}})();
</script>
</body>
</html>
"#,
        message = escape(&window.message),
        reason = escape(&window.reason),
        started = started_at.to_rfc3339(),
        started_utc = started_at.format("%Y-%m-%d %H:%M UTC"),
        elapsed = "00:00",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maintenance::model::WindowState;

    fn window() -> WindowView {
        WindowView {
            id: 1,
            reason: "Database <upgrade>".into(),
            message: "Back in an hour & a bit".into(),
            planned_start: "2026-11-23T10:00:00Z".parse().unwrap(),
            planned_end: Some("2026-11-23T11:00:00Z".parse().unwrap()),
            actual_start: Some("2026-11-23T10:00:05Z".parse().unwrap()),
            actual_end: None,
            state: WindowState::InProgress,
            missed: false,
            recurrence_id: None,
            created_by: "cli".into(),
            history: Vec::new(),
        }
    }

    fn site(support: &str) -> SiteSettings {
        SiteSettings {
            site_name: "Shop".into(),
            site_url: String::new(),
            status_url: "https://status.example.com".into(),
            support_contact: support.into(),
        }
    }

    #[test]
    fn the_page_escapes_what_people_typed_and_links_support() {
        let page = VisitorPage::render(&window(), &site("help@example.com"));
        let html = std::str::from_utf8(&page.html).unwrap();
        assert!(html.contains("Database &lt;upgrade&gt;"));
        assert!(html.contains("Back in an hour &amp; a bit"));
        assert!(html.contains("mailto:help@example.com"));
        assert!(html.contains("https://status.example.com"));
        assert!(html.contains("data-since=\"2026-11-23T10:00:05+00:00\""));
    }

    #[test]
    fn json_carries_the_window() {
        let page = VisitorPage::render(&window(), &site(""));
        let json: serde_json::Value = serde_json::from_slice(&page.json).unwrap();
        assert_eq!(json["maintenance"], true);
        assert_eq!(json["started_at"], "2026-11-23T10:00:05Z");
        assert_eq!(json["ends_at"], "2026-11-23T11:00:00Z");
        assert_eq!(json["status_url"], "https://status.example.com");
    }
}
