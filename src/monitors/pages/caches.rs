//! `/caches`: each cache apps report on, its hit rate and latency over the rules' window, the
//! rules (owner edits them), its chart, and the rules' latest events.

use super::super::api::{caches_page, CachesPageData, SaveCacheRules};
use super::super::model::{CacheEvent, CacheRules, CacheRulesDraft, CacheView};
use crate::auth::access::can;
use crate::auth::model::Permission;
use crate::ui::{last_error, reload_on_success, ErrorPanel, FormError, FormField, PageHeader, Timestamp};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CachesPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = Resource::new(move || reload.get(), |_| caches_page());
    view! {
        <Title text="Caches" />
        <PageHeader
            title="Caches"
            subtitle="Hit rate and latency as your apps report them (POST /api/v1/metrics/cache with a metrics:write token)."
        />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(CachesPageData { caches, .. }) if caches.is_empty() => {
                        view! { <p class="empty">"No cache has reported yet."</p> }.into_any()
                    }
                    Ok(CachesPageData { caches, events }) => {
                        view! {
                            {caches.into_iter().map(|cache| view! { <CacheCard cache reload /> }).collect_view()}
                            <CacheEvents events />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn firing_text(firing: bool) -> &'static str {
    if firing {
        "firing"
    } else {
        "ok"
    }
}

#[component]
fn CacheCard(cache: CacheView, reload: RwSignal<u32>) -> impl IntoView {
    let name = cache.name.clone();
    let heading = format!("cache-{}", name.replace(['.', '_'], "-"));
    let chart = format!("/caches/{name}/chart.svg?range=24h");
    let src = move |theme: &str| format!("{chart}&theme={theme}");
    let (window, rules) = (cache.window, cache.rules);
    let minutes = cache.rules.window_s / 60;
    let hit_rate = window.hit_rate.map(|r| format!("{r:.1} %")).unwrap_or_else(|| "–".into());
    let latency = window.latency_avg_ms.map(|ms| format!("{ms:.1} ms")).unwrap_or_else(|| "–".into());
    view! {
        <section class="card wide" aria-labelledby=heading.clone()>
            <h2 id=heading.clone()>{name.clone()}</h2>
            <dl class="facts">
                <dt>{format!("Last {minutes} min")}</dt>
                <dd>{format!("{} requests, hit rate {hit_rate}, average latency {latency}", window.requests)}</dd>
                <dt>"Hit rate rule"</dt>
                <dd>
                    {format!("under {:.0} % alerts: {}", cache.rules.min_hit_rate, firing_text(cache.hit_rate_firing))}
                </dd>
                <dt>"Latency rule"</dt>
                <dd>
                    {format!("over {:.0} ms alerts: {}", cache.rules.max_latency_ms, firing_text(cache.latency_firing))}
                </dd>
                <dt>"Judged from"</dt>
                <dd>{format!("{} requests in the window", cache.rules.min_requests)}</dd>
                <dt>"Last report"</dt>
                <dd>{cache.last_report_at.map(|at| view! { <Timestamp at /> })}</dd>
            </dl>
            <picture>
                <source media="(prefers-color-scheme: dark)" srcset=src("dark") />
                <img
                    class="chart"
                    src=src("light")
                    alt=format!("{name}: hit rate and average latency over 24 hours, with the thresholds drawn")
                    width="720"
                    height="360"
                />
            </picture>
            <Show when=move || can(Permission::ManageMonitors)>
                <RulesForm name=name.clone() rules=rules reload />
            </Show>
        </section>
    }
}

#[component]
fn RulesForm(name: String, rules: CacheRules, reload: RwSignal<u32>) -> impl IntoView {
    let save = ServerAction::<SaveCacheRules>::new();
    reload_on_success(save.value(), reload);
    let error = last_error(save.value());
    let min_hit_rate = RwSignal::new(format!("{}", rules.min_hit_rate));
    let max_latency = RwSignal::new(format!("{}", rules.max_latency_ms));
    let window = RwSignal::new(format!("{}m", rules.window_s / 60));
    let min_requests = RwSignal::new(rules.min_requests.to_string());
    // Several caches' forms share the page: their ids carry the cache's name.
    let prefix = format!("rules-{}", name.replace(['.', '_'], "-"));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveCacheRules {
            name: name.clone(),
            draft: CacheRulesDraft {
                min_hit_rate: min_hit_rate.get_untracked(),
                max_latency_ms: max_latency.get_untracked(),
                window: window.get_untracked(),
                min_requests: min_requests.get_untracked(),
            },
        });
    };
    view! {
        <form on:submit=submit class="grid-form" aria-label="Rules">
            <FormField
                label="Alert when the hit rate is under (%)"
                name="min_hit_rate"
                error
                value=min_hit_rate
                hint="Default 80."
                form=prefix.clone()
            />
            <FormField
                label="Alert when average latency is over (ms)"
                name="max_latency_ms"
                error
                value=max_latency
                hint="Default 100."
                form=prefix.clone()
            />
            <FormField
                label="Over the last"
                name="window"
                error
                value=window
                hint="1m to 24h; default 15m."
                form=prefix.clone()
            />
            <FormField
                label="Only with at least this many requests"
                name="min_requests"
                error
                value=min_requests
                hint="So three misses at night alert nobody."
                form=prefix.clone()
            />
            <FormError error />
            <button type="submit" disabled=move || save.pending().get()>
                "Save rules"
            </button>
        </form>
    }
}

#[component]
fn CacheEvents(events: Vec<CacheEvent>) -> impl IntoView {
    view! {
        <section class="card wide" aria-labelledby="cache-events-heading">
            <h2 id="cache-events-heading">"Rule changes"</h2>
            {if events.is_empty() {
                view! { <p class="empty">"None yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline">
                        {events
                            .into_iter()
                            .map(|e| {
                                view! {
                                    <li>
                                        <Timestamp at=e.at />
                                        {format!(
                                            " · {} · {} {}: {}",
                                            e.cache,
                                            e.rule.label(),
                                            if e.firing { "firing" } else { "recovered" },
                                            e.detail,
                                        )}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                    .into_any()
            }}
        </section>
    }
}
