//! The public pages as plain HTML and CSS: no script, no console bundle, readable by anyone and
//! anything. Every text that came from a person is escaped; only public facts reach here.

use super::model::{uptime_of, ComponentStatus, ComponentView, DayBar, Indicator, MaintenanceStatus, PublicIncident};
use super::snapshot::{PageFacts, PAST_DAYS};
use crate::ui::{escape_html as esc, human_duration};
use chrono::{DateTime, Duration, Utc};
use std::fmt::Write;

const STYLE: &str = include_str!("status.css");

/// A time in the page's time zone, machine-readable too.
fn time(facts: &PageFacts, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&facts.branding.tz());
    format!("<time datetime=\"{}\">{}</time>", at.to_rfc3339(), esc(&local.format("%b %-d, %Y %H:%M %Z").to_string()))
}

fn document(facts: &PageFacts, title: &str, main: &str) -> String {
    let brand = &facts.branding;
    let logo = if brand.logo_url.is_empty() {
        String::new()
    } else {
        format!("<img class=\"logo\" src=\"{}\" alt=\"\" height=\"32\">", esc(&brand.logo_url))
    };
    let support = if brand.support_url.is_empty() {
        String::new()
    } else {
        format!("<a class=\"support\" href=\"{}\">Contact support</a>", esc(&brand.support_url))
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n<title>{title}</title>\n<style>{STYLE}</style>\n\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"History (Atom)\" href=\"/status/history.atom\">\n\
         <link rel=\"alternate\" type=\"application/rss+xml\" title=\"History (RSS)\" href=\"/status/history.rss\">\n</head>\n\
         <body style=\"--accent: {accent}\">\n<header class=\"top\"><a class=\"brand\" href=\"/status\">{logo}<span>{name}</span></a>{support}</header>\n\
         <main>\n{main}</main>\n<footer><p>Times in {zone}. Follow: <a href=\"/status/history.atom\">Atom</a> · <a href=\"/status/history.rss\">RSS</a>. Powered by Pitwall.</p></footer>\n</body>\n</html>\n",
        title = esc(title),
        accent = esc(&brand.accent),
        name = esc(&brand.page_name),
        zone = esc(&brand.time_zone),
    )
}

fn indicator_class(indicator: Indicator) -> &'static str {
    indicator.as_str()
}

/// Text with its line breaks kept.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", esc(p).replace('\n', "<br>")))
        .collect()
}

/// `GET /status`.
pub fn status_page(facts: &PageFacts) -> String {
    let mut main = String::new();
    let indicator = facts.indicator;
    let _ = writeln!(
        main,
        "<section class=\"banner {}\" role=\"status\"><h1>{}</h1><p>Updated {}</p></section>",
        indicator_class(indicator),
        indicator.description(),
        time(facts, facts.updated_at)
    );
    let open: Vec<&PublicIncident> = facts.incidents.iter().filter(|i| i.is_open()).collect();
    if !open.is_empty() {
        main.push_str("<section class=\"incidents\" aria-labelledby=\"active-incidents\"><h2 id=\"active-incidents\">Active incidents</h2>\n");
        for incident in open {
            main.push_str(&incident_card(facts, incident, true));
        }
        main.push_str("</section>\n");
    }
    main.push_str(&maintenance_section(facts));
    main.push_str(&components_section(facts));
    main.push_str(&past_incidents(facts));
    main.push_str(&subscribe_form(facts));
    document(facts, &facts.branding.page_name, &main)
}

fn incident_card(facts: &PageFacts, incident: &PublicIncident, link: bool) -> String {
    let names: Vec<String> = incident
        .component_ids
        .iter()
        .filter_map(|id| facts.components.iter().find(|c| c.id == *id && !c.hidden))
        .map(|c| esc(&c.name))
        .collect();
    let affected = if names.is_empty() {
        String::new()
    } else {
        format!("<p class=\"affected\">Affects: {}</p>", names.join(", "))
    };
    let title = if link {
        format!("<a href=\"/status/incidents/{}\">{}</a>", incident.id, esc(&incident.name))
    } else {
        esc(&incident.name)
    };
    let mut out = format!(
        "<article class=\"incident impact-{}\"><h3>{title}</h3><p class=\"meta\">{} impact · {}</p>{affected}<ol class=\"updates\">",
        incident.impact.as_str(),
        incident.impact.label(),
        incident.status.label(),
    );
    for update in &incident.updates {
        let _ = write!(
            out,
            "<li><strong>{}</strong> — {}<div class=\"body\">{}</div></li>",
            update.status.label(),
            time(facts, update.display_at),
            paragraphs(&update.body)
        );
    }
    out.push_str("</ol></article>\n");
    out
}

fn maintenance_section(facts: &PageFacts) -> String {
    let current: Vec<_> = facts
        .maintenances
        .iter()
        .filter(|m| matches!(m.status, MaintenanceStatus::InProgress | MaintenanceStatus::Scheduled))
        .collect();
    if current.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<section class=\"maintenance\" aria-labelledby=\"maintenance\"><h2 id=\"maintenance\">Maintenance</h2>\n",
    );
    // Soonest first.
    for m in current.iter().rev() {
        let end = m.scheduled_until.map(|end| format!(" until {}", time(facts, end))).unwrap_or_default();
        let _ = writeln!(
            out,
            "<article class=\"window {}\"><h3>{}</h3><p class=\"meta\">{} · from {}{end}</p>{}</article>",
            m.status.as_str(),
            esc(&m.name),
            m.status.label(),
            time(facts, m.started_at.unwrap_or(m.scheduled_for)),
            paragraphs(&m.message),
        );
    }
    out.push_str("</section>\n");
    out
}

fn shown(c: &ComponentView) -> bool {
    let idle_and_shown_only_when_not = c.only_show_if_degraded && c.status == ComponentStatus::Operational;
    !(c.hidden || idle_and_shown_only_when_not)
}

fn components_section(facts: &PageFacts) -> String {
    let mut out = String::from(
        "<section class=\"components\" aria-labelledby=\"components\"><h2 id=\"components\">Components</h2>\n<ul class=\"component-list\">\n",
    );
    for component in facts.components.iter().filter(|c| c.group_id.is_none() && shown(c)) {
        out.push_str("<li class=\"component\">");
        out.push_str(&component_row(facts, component));
        if component.is_group {
            out.push_str("<ul class=\"members\">");
            for member in facts.components.iter().filter(|m| m.group_id == Some(component.id) && shown(m)) {
                let _ = write!(out, "<li class=\"component\">{}</li>", component_row(facts, member));
            }
            out.push_str("</ul>");
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</section>\n");
    out
}

fn component_row(facts: &PageFacts, c: &ComponentView) -> String {
    let description =
        if c.description.is_empty() { String::new() } else { format!("<p class=\"hint\">{}</p>", esc(&c.description)) };
    let bars = facts.bars.get(&c.id).map(|days| uptime_bars(&c.name, days)).unwrap_or_default();
    format!(
        "<div class=\"row\" data-component=\"{id}\"><span class=\"name\">{name}</span>\
         <span class=\"state {status}\">{label}</span></div>{description}{bars}",
        id = c.id,
        name = esc(&c.name),
        status = c.status.as_str(),
        label = c.status.label(),
    )
}

fn percent(uptime: f64) -> String {
    format!("{:.2} %", (uptime * 100.0 * 100.0).floor() / 100.0)
}

/// One focusable bar per day, its details in text beside it (shown on hover and focus).
fn uptime_bars(name: &str, days: &[DayBar]) -> String {
    let mut out = format!("<ol class=\"bars\" aria-label=\"{}: the last {} days\">", esc(name), days.len());
    // The whole range's seconds in each status, for its uptime (the same rule as a day's).
    let mut total = [0i64; 5];
    for day in days {
        let class = match day.worst() {
            None => "none",
            Some(status) => status.as_str(),
        };
        let mut details = vec![esc(&day.date.format("%b %-d, %Y").to_string())];
        match day.uptime() {
            Some(uptime) => details.push(format!("{} uptime", percent(uptime))),
            None if day.is_empty() => details.push("No data".into()),
            None => {}
        }
        for status in ComponentStatus::ALL {
            let seconds = day.seconds_in(status);
            if seconds > 0 && status != ComponentStatus::Operational {
                details.push(format!("{}: {}", status.label(), human_duration(seconds as u64)));
            }
        }
        for incident in &day.incidents {
            details.push(format!("Incident: {}", esc(&incident.name)));
        }
        for (sum, seconds) in total.iter_mut().zip(day.seconds) {
            *sum += seconds;
        }
        let text = details.join(" · ");
        let _ = write!(
            out,
            "<li class=\"day {class}\" tabindex=\"0\" aria-label=\"{text}\"><span class=\"tip\">{text}</span></li>"
        );
    }
    out.push_str("</ol>");
    let overall = uptime_of(&total).map(percent).unwrap_or_else(|| "no data".into());
    let _ = write!(
        out,
        "<p class=\"bars-legend\"><span>{} days ago</span><span>{overall} uptime</span><span>Today</span></p>",
        days.len()
    );
    out
}

fn past_incidents(facts: &PageFacts) -> String {
    let tz = facts.branding.tz();
    let today = facts.now.with_timezone(&tz).date_naive();
    let mut out =
        String::from("<section class=\"past\" aria-labelledby=\"past\"><h2 id=\"past\">Past incidents</h2>\n");
    out.push_str("<p><a href=\"/status/history\">Incident history, by month →</a></p>");
    for back in 0..PAST_DAYS {
        let date = today - Duration::days(back);
        let _ = write!(out, "<h3 class=\"day-heading\">{}</h3>", date.format("%b %-d, %Y"));
        let of_day: Vec<&PublicIncident> =
            facts.incidents.iter().filter(|i| i.started_at.with_timezone(&tz).date_naive() == date).collect();
        if of_day.is_empty() {
            out.push_str("<p class=\"hint\">No incidents reported.</p>");
        }
        for incident in of_day {
            let last = incident.updates.first().map(|u| paragraphs(&u.body)).unwrap_or_default();
            let _ = write!(
                out,
                "<article class=\"past-incident impact-{}\"><h4><a href=\"/status/incidents/{}\">{}</a></h4>{last}<p class=\"meta\">{}</p></article>",
                incident.impact.as_str(),
                incident.id,
                esc(&incident.name),
                incident.status.label(),
            );
        }
    }
    out.push_str("</section>\n");
    out
}

/// `GET /status/incidents/{id}`: the incident's public story.
pub fn incident_page(facts: &PageFacts, incident: &PublicIncident) -> String {
    let mut main = format!("<p><a href=\"/status\">← {}</a></p>", esc(&facts.branding.page_name));
    main.push_str(&incident_card(facts, incident, false));
    let _ = write!(
        main,
        "<p class=\"meta\">Started {}{}</p>",
        time(facts, incident.started_at),
        incident.resolved_at.map(|at| format!(" · resolved {}", time(facts, at))).unwrap_or_default()
    );
    if let Some(summary) = &incident.postmortem_summary {
        let _ = write!(main, "<section class=\"postmortem\"><h2>Post-mortem</h2>{}</section>", paragraphs(summary));
    }
    document(facts, &format!("{} · {}", incident.name, facts.branding.page_name), &main)
}

/// Email sign-up, optionally for some components (none ticked: all of them).
fn subscribe_form(facts: &PageFacts) -> String {
    let choices: String = facts
        .components
        .iter()
        .filter(|c| !c.hidden && !c.is_group)
        .map(|c| {
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"component\" value=\"{}\"> {}</label>",
                c.id,
                esc(&c.name)
            )
        })
        .collect();
    let choices = if choices.is_empty() {
        String::new()
    } else {
        format!("<fieldset><legend>Only for (none ticked: everything)</legend>{choices}</fieldset>")
    };
    format!(
        "<section class=\"subscribe\" aria-labelledby=\"subscribe\"><h2 id=\"subscribe\">Get updates</h2>\
         <form method=\"post\" action=\"/status/subscribe\"><label for=\"subscribe-email\">Email</label> \
         <input id=\"subscribe-email\" name=\"email\" type=\"email\" autocomplete=\"email\" required> \
         <button type=\"submit\">Subscribe</button>{choices}</form>\
         <p class=\"hint\">We send a confirmation link first. Or follow the <a href=\"/status/history.atom\">Atom</a> \
         or <a href=\"/status/history.rss\">RSS</a> feed.</p></section>\n"
    )
}

/// A short answer page (subscribed, unsubscribed, refused) in the page's look; `extra` is trusted HTML.
pub fn message_page(facts: &PageFacts, title: &str, text: &str, extra: &str) -> String {
    let main = format!(
        "<section class=\"message\"><h1>{}</h1><p>{}</p>{extra}<p><a href=\"/status\">Back to the status page</a></p></section>",
        esc(title),
        esc(text)
    );
    document(facts, &format!("{title} · {}", facts.branding.page_name), &main)
}

/// `GET /status/history`: one month's public incidents and maintenance, with the months around it.
pub fn history_page(
    facts: &PageFacts,
    month: chrono::NaiveDate,
    next: Option<chrono::NaiveDate>,
    incidents: &[PublicIncident],
    maintenances: &[super::model::PublicMaintenance],
) -> String {
    let previous = month - chrono::Months::new(1);
    let label = month.format("%B %Y").to_string();
    let mut main = format!(
        "<p><a href=\"/status\">← {}</a></p><h1>Incident history: {label}</h1>\
         <nav class=\"months\" aria-label=\"Months\"><a href=\"/status/history?month={}\">← {}</a>{}</nav>",
        esc(&facts.branding.page_name),
        previous.format("%Y-%m"),
        previous.format("%B %Y"),
        next.map(|n| format!(" · <a href=\"/status/history?month={}\">{} →</a>", n.format("%Y-%m"), n.format("%B %Y")))
            .unwrap_or_default(),
    );
    main.push_str("<section aria-labelledby=\"history-incidents\"><h2 id=\"history-incidents\">Incidents</h2>");
    if incidents.is_empty() {
        main.push_str("<p class=\"hint\">No incidents reported this month.</p>");
    }
    for incident in incidents {
        let last = incident.updates.first().map(|u| paragraphs(&u.body)).unwrap_or_default();
        let _ = write!(
            main,
            "<article class=\"past-incident impact-{}\"><h3><a href=\"/status/incidents/{}\">{}</a></h3>{last}\
             <p class=\"meta\">{} · {} impact · started {}</p></article>",
            incident.impact.as_str(),
            incident.id,
            esc(&incident.name),
            incident.status.label(),
            incident.impact.label(),
            time(facts, incident.started_at),
        );
    }
    main.push_str(
        "</section><section aria-labelledby=\"history-maintenance\"><h2 id=\"history-maintenance\">Maintenance</h2>",
    );
    if maintenances.is_empty() {
        main.push_str("<p class=\"hint\">No maintenance this month.</p>");
    }
    for m in maintenances {
        let _ = write!(
            main,
            "<article class=\"window\"><h3>{}</h3><p class=\"meta\">{} · {}</p>{}</article>",
            esc(&m.name),
            m.status.label(),
            time(facts, m.started_at.unwrap_or(m.scheduled_for)),
            paragraphs(&m.message),
        );
    }
    main.push_str("</section>");
    document(facts, &format!("History: {label} · {}", facts.branding.page_name), &main)
}
