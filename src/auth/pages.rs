//! Set-up, sign-in, users, API tokens and the account page.

use super::api::{list_tokens, list_users};
use super::api::{AddUser, ChangePassword, ChangeRole, CreateToken, RevokeToken, SetUserActive, SetupOwner, SignIn};
use super::model::{Permission, Role, Scope, MIN_PASSWORD_CHARS};
use crate::auth::access::{use_me, RequirePermission};
use crate::ui::{last_error, ErrorPanel, FieldError, FormError, FormField, PageHeader, Timestamp};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Only same-site paths may be returned to after sign-in.
fn safe_next(next: Option<String>) -> String {
    // Judge the path as the browser will read it: its URL parser drops tabs and newlines, and
    // takes `\` for `/`, so `/\t/evil.test` and `/\evil.test` would leave the origin.
    next.map(|n| n.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect::<String>())
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control))
        .unwrap_or_else(|| "/".to_owned())
}

/// Leaves for `href` with a full page load once `value` holds a success.
fn reload_on_success<T, S>(value: S, href: impl Fn() -> String + 'static)
where
    S: Get<Value = Option<Result<T, crate::error::AppError>>> + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = value.get() {
            let _ = window().location().set_href(&href());
        }
    });
}

const PASSWORD_HINT: &str = "At least 12 characters. A few unrelated words work well.";

#[component]
pub fn SetupPage() -> impl IntoView {
    let action = ServerAction::<SetupOwner>::new();
    reload_on_success(action.value(), || "/".to_owned());
    let error = last_error(action.value());
    view! {
        <Title text="Set up" />
        <main class="auth-page">
            <section class="auth-card">
                <h1>"Welcome to Pitwall"</h1>
                <p>"Create the owner account. The owner can add the rest of the team afterwards."</p>
                <ActionForm action>
                    <FormField
                        label="Set-up code"
                        name="code"
                        autocomplete="off"
                        error
                        hint="Pitwall printed it when it started (and in its log), so only whoever runs it can claim it."
                        autofocus=true
                        required=true
                    />
                    <FormField label="Email" name="email" kind="email" autocomplete="username" error required=true />
                    <FormField
                        label="Password"
                        name="password"
                        kind="password"
                        autocomplete="new-password"
                        error
                        hint=PASSWORD_HINT
                        required=true
                    />
                    <FormField
                        label="Repeat the password"
                        name="confirm"
                        kind="password"
                        autocomplete="new-password"
                        error
                        required=true
                    />
                    <FormError error />
                    <button type="submit" disabled=move || action.pending().get()>
                        "Create owner and sign in"
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    reload_on_success(action.value(), move || safe_next(query.read_untracked().get("next")));
    let error = last_error(action.value());
    view! {
        <Title text="Sign in" />
        <main class="auth-page">
            <section class="auth-card">
                <h1>"Sign in to Pitwall"</h1>
                <ActionForm action>
                    <FormField
                        label="Email"
                        name="email"
                        kind="email"
                        autocomplete="username"
                        error
                        autofocus=true
                        required=true
                    />
                    <FormField
                        label="Password"
                        name="password"
                        kind="password"
                        autocomplete="current-password"
                        error
                        required=true
                    />
                    <FormError error />
                    <button type="submit" disabled=move || action.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = last_error(action.value());
    let done = move || matches!(action.value().get(), Some(Ok(())));
    let me = use_me();
    view! {
        <Title text="Your account" />
        <PageHeader title="Your account" />
        {me.map(|me| view! { <p>"Signed in as " <strong>{me.email}</strong> " (" {me.role.label()} ")."</p> })}
        <section class="card narrow">
            <h2>"Change your password"</h2>
            <p class="hint">"Your other sessions end; this one stays signed in."</p>
            <ActionForm action>
                <FormField
                    label="Current password"
                    name="current"
                    kind="password"
                    autocomplete="current-password"
                    error
                    required=true
                />
                <FormField
                    label="New password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    error
                    hint=PASSWORD_HINT
                    required=true
                />
                <FormField
                    label="Repeat the new password"
                    name="confirm"
                    kind="password"
                    autocomplete="new-password"
                    error
                    required=true
                />
                <FormError error />
                <Show when=done>
                    <p class="notice" role="status">
                        "Password changed."
                    </p>
                </Show>
                <button type="submit" disabled=move || action.pending().get()>
                    "Change password"
                </button>
            </ActionForm>
        </section>
    }
}

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|role| {
            view! {
                <option value=role.as_str() selected=role == selected>
                    {role.label()}
                </option>
            }
        })
        .collect_view()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users" />
        <RequirePermission permission=Permission::ManageUsers>
            <UsersConsole />
        </RequirePermission>
    }
}

#[component]
fn UsersConsole() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let users = Resource::new(
        move || (add.version().get(), change_role.version().get(), set_active.version().get()),
        |_| list_users(),
    );
    let add_error = last_error(add.value());
    let row_error =
        Signal::derive(move || last_error(change_role.value()).get().or_else(|| last_error(set_active.value()).get()));
    let my_id = use_me().map(|me| me.id);
    let added =
        move || add.value().get().and_then(Result::ok).map(|u| format!("Added {} as {}.", u.email, u.role.label()));

    view! {
        <PageHeader title="Users" subtitle="Who can use the console, and what their role lets them change." />
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading users…"</p> }
        }>
            {move || Suspend::new(async move {
                match users.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(list) => {
                        view! {
                            <FormError error=row_error />
                            <div class="table-wrap">
                                <table>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Email"</th>
                                            <th scope="col">"Role"</th>
                                            <th scope="col">"Status"</th>
                                            <th scope="col">"Last sign-in"</th>
                                            <th scope="col">
                                                <span class="sr-only">"Actions"</span>
                                            </th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|user| {
                                                let id = user.id;
                                                let is_me = Some(id) == my_id;
                                                let active = user.active;
                                                let label = format!("Role of {}", user.email);
                                                view! {
                                                    <tr class:inactive=!active>
                                                        <td>{user.email.clone()}{is_me.then_some(" (you)")}</td>
                                                        <td>
                                                            <select
                                                                aria-label=label
                                                                disabled=!active
                                                                on:change=move |ev| {
                                                                    change_role
                                                                        .dispatch(ChangeRole {
                                                                            user_id: id,
                                                                            role: event_target_value(&ev),
                                                                        });
                                                                }
                                                            >
                                                                {role_options(user.role)}
                                                            </select>
                                                        </td>
                                                        <td>{if active { "Active" } else { "Deactivated" }}</td>
                                                        <td>
                                                            {match user.last_sign_in_at {
                                                                Some(at) => view! { <Timestamp at /> }.into_any(),
                                                                None => "never".into_any(),
                                                            }}
                                                        </td>
                                                        <td class="actions">
                                                            <Show when=move || !is_me>
                                                                <button
                                                                    type="button"
                                                                    class="secondary"
                                                                    on:click=move |_| {
                                                                        set_active
                                                                            .dispatch(SetUserActive {
                                                                                user_id: id,
                                                                                active: !active,
                                                                            });
                                                                    }
                                                                >
                                                                    {if active { "Deactivate" } else { "Reactivate" }}
                                                                </button>
                                                            </Show>
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
        <section class="card narrow">
            <h2>"Add a user"</h2>
            <p class="hint">
                {format!(
                    "Give them this first password ({MIN_PASSWORD_CHARS}+ characters); they can change it on their account page.",
                )}
            </p>
            <ActionForm action=add>
                <FormField label="Email" name="email" kind="email" error=add_error required=true />
                <div class="field">
                    <label for="field-role">"Role"</label>
                    <select id="field-role" name="role" aria-describedby="field-role-msg">
                        {role_options(Role::Viewer)}
                    </select>
                    <FieldError
                        id="field-role-msg".to_owned()
                        message=Signal::derive(move || add_error.get().and_then(|e| e.field_message("role")))
                    />
                </div>
                <FormField
                    label="First password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    error=add_error
                    required=true
                />
                <FormError error=add_error />
                <p class="notice" role="status">
                    {added}
                </p>
                <button type="submit" disabled=move || add.pending().get()>
                    "Add user"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn TokensPage() -> impl IntoView {
    view! {
        <Title text="API tokens" />
        <RequirePermission permission=Permission::ManageFlagTokens>
            <TokensConsole />
        </RequirePermission>
    }
}

#[component]
fn TokensConsole() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_tokens());
    let name = RwSignal::new(String::new());
    let environment = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let create_error = last_error(create.value());
    let revoke_error = last_error(revoke.value());
    let secret = move || create.value().get().and_then(Result::ok);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateToken {
            name: name.get_untracked(),
            scopes: chosen.get_untracked(),
            environment: environment.get_untracked(),
        });
    };
    // A PM issues flag tokens only: offer just that scope.
    let all_scopes = use_me().is_none_or(|me| me.role.can(Permission::ManageTokens));
    let scope_boxes = Scope::ALL
        .into_iter()
        .filter(move |scope| all_scopes || scope.is_flag_scope())
        .map(|scope| {
            let value = scope.as_str();
            let checked = move || chosen.read().iter().any(|s| s == value);
            let toggle = move |_| {
                chosen.update(|list| {
                    if let Some(pos) = list.iter().position(|s| s == value) {
                        list.remove(pos);
                    } else {
                        list.push(value.to_owned());
                    }
                })
            };
            view! {
                <label class="check">
                    <input type="checkbox" name="scopes" value=value prop:checked=checked on:change=toggle />
                    <code>{value}</code>
                    " — "
                    {scope.label()}
                </label>
            }
        })
        .collect_view();

    view! {
        <PageHeader
            title="API tokens"
            subtitle="For machines: deploy scripts, monitors, flag SDKs. Sent as Authorization: Bearer <token>."
        />
        <section class="card narrow">
            <h2>"Create a token"</h2>
            <form on:submit=submit>
                <FormField
                    label="Name"
                    name="name"
                    error=create_error
                    value=name
                    hint="What uses it, e.g. \"deploy script\"."
                    required=true
                />
                <fieldset aria-describedby="field-scopes-msg">
                    <legend>"Scopes"</legend>
                    {scope_boxes}
                    <FieldError
                        id="field-scopes-msg".to_owned()
                        message=Signal::derive(move || create_error.get().and_then(|e| e.field_message("scopes")))
                    />
                </fieldset>
                <FormField
                    label="Environment"
                    name="environment"
                    error=create_error
                    value=environment
                    hint="Only for flag tokens, e.g. production. In a browser use flags:evaluate: a flags:read token there would show every user list and rule."
                />
                <FormError error=create_error />
                <button type="submit" disabled=move || create.pending().get()>
                    "Create token"
                </button>
            </form>
            {move || {
                secret()
                    .map(|created| {
                        view! {
                            <div class="secret" role="status">
                                <p>
                                    <strong>{format!("Token \u{201c}{}\u{201d} created.", created.token.name)}</strong>
                                    " Copy it now: it is not shown again."
                                </p>
                                <input
                                    class="mono"
                                    readonly
                                    aria-label="New token"
                                    value=created.secret
                                    on:focus=|ev| {
                                        use leptos::wasm_bindgen::JsCast;
                                        if let Some(input) = ev
                                            .target()
                                            .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
                                        {
                                            input.select();
                                        }
                                    }
                                />
                            </div>
                        }
                    })
            }}
        </section>
        <FormError error=revoke_error />
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading tokens…"</p> }
        }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No tokens yet."</p> }.into_any(),
                    Ok(list) => {
                        view! {
                            <div class="table-wrap">
                                <table>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Name"</th>
                                            <th scope="col">"Token"</th>
                                            <th scope="col">"Scopes"</th>
                                            <th scope="col">"Environment"</th>
                                            <th scope="col">"Created"</th>
                                            <th scope="col">"Last used"</th>
                                            <th scope="col">
                                                <span class="sr-only">"Actions"</span>
                                            </th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|t| {
                                                let id = t.id;
                                                let revoked = t.revoked_at.is_some();
                                                view! {
                                                    <tr class:inactive=revoked>
                                                        <td>{t.name.clone()}</td>
                                                        <td>
                                                            <code>{format!("{}…", t.prefix)}</code>
                                                        </td>
                                                        <td>
                                                            {t.scopes.join(", ")}
                                                            {(t.is_flag_token())
                                                                .then(|| {
                                                                    if t.is_frontend_token() {
                                                                        " (frontend: safe in a browser)"
                                                                    } else {
                                                                        " (server: keep out of browsers)"
                                                                    }
                                                                })}
                                                            {t
                                                                .suspended
                                                                .then(|| {
                                                                    view! {
                                                                        <span class="badge warn">
                                                                            "Suspended: its creator is deactivated"
                                                                        </span>
                                                                    }
                                                                })}
                                                        </td>
                                                        <td>{t.environment.clone().unwrap_or_else(|| "—".into())}</td>
                                                        <td>
                                                            <Timestamp at=t.created_at />
                                                        </td>
                                                        <td>
                                                            {match t.last_used_at {
                                                                Some(at) => view! { <Timestamp at /> }.into_any(),
                                                                None => "never".into_any(),
                                                            }}
                                                        </td>
                                                        <td class="actions">
                                                            {if revoked {
                                                                "Revoked".into_any()
                                                            } else {
                                                                view! {
                                                                    <button
                                                                        type="button"
                                                                        class="danger"
                                                                        aria-label=format!("Revoke {}", t.name)
                                                                        on:click=move |_| {
                                                                            revoke.dispatch(RevokeToken { token_id: id });
                                                                        }
                                                                    >
                                                                        "Revoke"
                                                                    </button>
                                                                }
                                                                    .into_any()
                                                            }}
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_origin() {
        assert_eq!(safe_next(Some("/audit?page=2".into())), "/audit?page=2");
        assert_eq!(safe_next(Some("/flags?env=production".into())), "/flags?env=production");
        assert_eq!(safe_next(Some("/fl\tags".into())), "/flags");
        for escape in [
            "//evil.test",
            "/\t/evil.test",
            "/\n/evil.test",
            "/\\evil.test",
            "\\\\evil.test",
            "https://evil.test",
            "javascript:alert(1)",
            "evil.test",
            "/\u{0}x",
            "",
        ] {
            assert_eq!(safe_next(Some(escape.into())), "/", "{escape:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
