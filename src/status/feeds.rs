//! `/status/history.atom` (Atom 1.0) and `/status/history.rss` (RSS 2.0): an entry per public
//! incident update and per maintenance announcement, newest first, written with the
//! rust-syndication crates (`atom_syndication`, `rss`).

use super::snapshot::PageFacts;
use super::statuspage::maintenance_body;
use chrono::{DateTime, Utc};

/// How many entries a feed carries.
const FEED_LIMIT: usize = 100;

/// One thing the public was told.
struct Announcement {
    id: String,
    title: String,
    body: String,
    link: String,
    at: DateTime<Utc>,
}

fn announcements(facts: &PageFacts) -> Vec<Announcement> {
    let base = &facts.base_url;
    let mut all: Vec<Announcement> = facts
        .incidents
        .iter()
        .flat_map(|incident| {
            incident.updates.iter().map(move |update| Announcement {
                id: format!("urn:pitwall:{}:incident-update:{}", facts.page_id, update.id),
                title: format!("{} — {}", incident.name, update.status.label()),
                body: update.body.clone(),
                link: format!("{base}/status/incidents/{}", incident.id),
                at: update.display_at,
            })
        })
        .collect();
    for m in &facts.maintenances {
        for (step, at) in m.steps() {
            all.push(Announcement {
                id: format!("urn:pitwall:{}:maintenance:{}:{}", facts.page_id, m.id, step.as_str()),
                title: format!("{} — {}", m.name, step.label()),
                body: maintenance_body(m, step),
                link: format!("{base}/status"),
                at,
            });
        }
    }
    all.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
    all.truncate(FEED_LIMIT);
    all
}

pub fn atom(facts: &PageFacts) -> String {
    use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
    let link = |href: String, rel: &str| {
        let mut link = Link::default();
        link.set_href(href);
        link.set_rel(rel);
        link
    };
    let entries: Vec<Entry> = announcements(facts)
        .into_iter()
        .map(|a| {
            let mut entry = Entry::default();
            entry.set_id(a.id);
            entry.set_title(Text::plain(a.title));
            entry.set_updated(a.at.fixed_offset());
            entry.set_published(Some(a.at.fixed_offset()));
            entry.set_links(vec![link(a.link, "alternate")]);
            let mut content = Content::default();
            content.set_content_type(Some("text".to_owned()));
            content.set_value(Some(a.body));
            entry.set_content(Some(content));
            entry
        })
        .collect();
    let mut author = Person::default();
    author.set_name(facts.branding.page_name.clone());
    let mut feed = Feed::default();
    feed.set_id(format!("urn:pitwall:{}:history", facts.page_id));
    feed.set_title(Text::plain(format!("{} — history", facts.branding.page_name)));
    feed.set_updated(entries.first().map(|e| *e.updated()).unwrap_or_else(|| facts.updated_at.fixed_offset()));
    feed.set_authors(vec![author]);
    feed.set_links(vec![
        link(format!("{}/status", facts.base_url), "alternate"),
        link(format!("{}/status/history.atom", facts.base_url), "self"),
    ]);
    feed.set_entries(entries);
    feed.to_string()
}

pub fn rss(facts: &PageFacts) -> String {
    use rss::{Channel, Guid, Item};
    let items: Vec<Item> = announcements(facts)
        .into_iter()
        .map(|a| {
            let mut guid = Guid::default();
            guid.set_value(a.id);
            guid.set_permalink(false);
            let mut item = Item::default();
            item.set_title(Some(a.title));
            item.set_link(Some(a.link));
            item.set_description(Some(a.body));
            item.set_guid(Some(guid));
            item.set_pub_date(Some(a.at.to_rfc2822()));
            item
        })
        .collect();
    let mut channel = Channel::default();
    channel.set_title(format!("{} — history", facts.branding.page_name));
    channel.set_link(format!("{}/status", facts.base_url));
    channel.set_description(format!("Incidents and maintenance of {}", facts.branding.page_name));
    channel.set_last_build_date(Some(facts.updated_at.to_rfc2822()));
    channel.set_items(items);
    channel.to_string()
}
