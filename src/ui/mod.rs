//! Domain-free building blocks of the console.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// A console page as a lazy route: built with `cargo leptos --split`, the browser downloads the
/// page's code when it first opens the page, not with the sign-in page. `lazy_page!(FlagsRoute => FlagsPage)`
/// makes `FlagsRoute`, to be routed as `view={Lazy::<FlagsRoute>::new()}`.
#[macro_export]
macro_rules! lazy_page {
    ($($route:ident => $page:ident),+ $(,)?) => {$(
        #[derive(Clone)]
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> leptos::prelude::AnyView {
                let _ = this;
                leptos::prelude::IntoAny::into_any(leptos::prelude::view! { <$page/> })
            }
        }
    )+};
}

/// Bumps `reload` (which the page's resources read) each time an action succeeds, so the page
/// shows what the action changed.
pub fn reload_on_success<T, S>(value: S, reload: RwSignal<u32>)
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = value.get() {
            reload.update(|n| *n += 1);
        }
    });
}

/// The error of an action's last run, if it failed.
pub fn last_error<T, S>(value: S) -> Signal<Option<AppError>>
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(Result::err))
}

/// The message `error` has for `field`, if it is a refusal of that field.
pub fn field_message(error: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|e| e.field_message(field)))
}

/// A labelled input (or, with `rows`, a text area) whose validation message appears beneath it.
#[component]
pub fn FormField(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autofocus: bool,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] value: Option<RwSignal<String>>,
    /// Tells apart same-named fields of several forms on one page (their element ids must differ).
    #[prop(optional, into)]
    form: Option<String>,
    /// A multi-line field of this many rows.
    #[prop(optional)]
    rows: Option<u32>,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
) -> impl IntoView {
    let name_part = name.replace(['[', ']'], "");
    let id = match form {
        Some(form) => format!("field-{form}-{name_part}"),
        None => format!("field-{name_part}"),
    };
    let message = Signal::derive(move || error.get().and_then(|e| e.field_message(name)));
    let invalid = move || message.get().is_some().to_string();
    let described = format!("{id}-msg");
    let control = match (rows, value) {
        (Some(rows), Some(bound)) => view! {
            <textarea
                id=id.clone()
                name=name
                rows=rows.to_string()
                required=required
                aria-invalid=invalid
                aria-describedby=described.clone()
                prop:value=move || bound.get()
                on:input=move |ev| bound.set(event_target_value(&ev))
            ></textarea>
        }
        .into_any(),
        (Some(rows), None) => view! {
            <textarea
                id=id.clone()
                name=name
                rows=rows.to_string()
                required=required
                aria-invalid=invalid
                aria-describedby=described.clone()
            ></textarea>
        }
        .into_any(),
        (None, Some(bound)) => view! {
            <input
                id=id.clone()
                name=name
                type=kind
                list=list
                autocomplete=autocomplete
                autofocus=autofocus
                required=required
                aria-invalid=invalid
                aria-describedby=described.clone()
                bind:value=bound
            />
        }
        .into_any(),
        (None, None) => view! {
            <input
                id=id.clone()
                name=name
                type=kind
                list=list
                autocomplete=autocomplete
                autofocus=autofocus
                required=required
                aria-invalid=invalid
                aria-describedby=described.clone()
            />
        }
        .into_any(),
    };
    view! {
        <div class=if rows.is_some() { "field wide" } else { "field" }>
            <label for=id.clone()>{label}</label>
            {control}
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <FieldError id=described message />
        </div>
    }
}

/// The validation message slot under a field (kept in the page even when empty, for screen readers).
#[component]
pub fn FieldError(id: String, #[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" id=id role="alert">
            {move || message.get()}
        </p>
    }
}

/// Errors that belong to no field: permission, conflict, throttling, server trouble.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || error.get().filter(|e| !matches!(e, AppError::Validation { .. })).map(|e| e.to_string());
    view! {
        <Show when=move || message().is_some()>
            <p class="form-error" role="alert">
                {message}
            </p>
        </Show>
    }
}

/// A failed page load. On the server it also sets the page's HTTP status (403, 404, …).
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::error::set_response_status(error.status_code());
    let (title, hint) = match &error {
        AppError::Forbidden => ("Not for your role", "Ask an owner if you need access."),
        AppError::Unauthorized => ("Signed out", "Your session has ended."),
        AppError::NotFound { .. } => ("Not found", "It may have been removed."),
        _ => ("Something went wrong", "Try again in a moment."),
    };
    let sign_in = matches!(error, AppError::Unauthorized);
    view! {
        <section class="error-panel" role="alert">
            <h2>{title}</h2>
            <p>{error.to_string()}</p>
            <p class="hint">{hint}</p>
            <Show when=move || sign_in>
                <a href="/signin" rel="external">
                    "Sign in again"
                </a>
            </Show>
        </section>
    }
}

/// A point in time: UTC from the server, the viewer's own zone (with its offset shown) once the
/// page runs in the browser.
#[component]
pub fn Timestamp(at: DateTime<Utc>) -> impl IntoView {
    let utc = at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let local = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        local.set(Some(at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S (UTC%:z)").to_string()));
    });
    let shown = utc.clone();
    view! {
        <time datetime=at.to_rfc3339() title=utc>
            {move || local.get().unwrap_or_else(|| shown.clone())}
        </time>
    }
}

/// Text safe inside `<title>`, for titles made of user input: leptos_meta writes a `<Title>`'s text
/// into the server-rendered page unescaped, so `</title><script>` would end the element there.
pub fn title_text(raw: &str) -> String {
    raw.replace('<', "‹").replace('>', "›")
}

#[component]
pub fn PageHeader(title: &'static str, #[prop(optional)] subtitle: Option<&'static str>) -> impl IntoView {
    view! {
        <header class="page-header">
            <h1>{title}</h1>
            {subtitle.map(|s| view! { <p class="subtitle">{s}</p> })}
        </header>
    }
}

/// The browser's clock corrected to the server's (`server_now` is when the server answered),
/// ticking every second once the page runs in the browser. Without a server time, pass `Utc::now()`.
pub fn use_ticking_clock(server_now: DateTime<Utc>) -> ReadSignal<DateTime<Utc>> {
    let offset = server_now - Utc::now();
    let (now, set_now) = signal(server_now);
    Effect::new(move |_| {
        set_now.set(Utc::now() + offset);
        if let Ok(handle) =
            set_interval_with_handle(move || set_now.set(Utc::now() + offset), std::time::Duration::from_secs(1))
        {
            on_cleanup(move || handle.clear());
        }
    });
    now
}

/// `2026-12-01T02:00` (a `datetime-local` input) read in the viewer's own timezone, as RFC 3339.
pub fn local_input_to_rfc3339(raw: &str) -> String {
    use chrono::TimeZone;
    chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|naive| chrono::Local.from_local_datetime(&naive).earliest())
        .map(|at| at.to_rfc3339())
        .unwrap_or_default()
}

/// A time as a `datetime-local` input shows it, in the viewer's own timezone.
pub fn to_local_input(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono::Local).format("%Y-%m-%dT%H:%M").to_string()
}

/// Text safe anywhere in HTML, attribute values included (for pages written without `view!`).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes `raw` for a URL query value: RFC 3986's unreserved bytes and those in `keep`
/// stay as they are (the sign-in redirect keeps `/` so `next=` paths stay readable).
pub fn percent_encode(raw: &str, keep: &[u8]) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b if keep.contains(&b) => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Whole seconds as "3 d 4 h", "5 h 12 min", "42 s".
pub fn human_duration(seconds: u64) -> String {
    let (d, h, m, s) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60, seconds % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) => format!("{m} min"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::{human_duration, percent_encode};

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(percent_encode("a b&c=d/é", &[]), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(percent_encode("/audit?page=2", b"/"), "/audit%3Fpage%3D2");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(42), "42 s");
        assert_eq!(human_duration(150), "2 min");
        assert_eq!(human_duration(3 * 3600 + 120), "3 h 2 min");
        assert_eq!(human_duration(2 * 86_400 + 7200), "2 d 2 h");
    }
}
