//! Accounts in the console: the public set-up and sign-in pages, the signed-in pages (users,
//! tokens, one's own account), all lazy, and the nav entries.

use super::access::NavEntry;
use super::model::Permission;
use super::pages::{AccountPage, SetupPage, SignInPage, TokensPage, UsersPage};
use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{path, Lazy, MatchNestedRoutes};

pub const NAV: &[NavEntry] = &[
    NavEntry { href: "/users", label: "Users", permission: Permission::ManageUsers },
    NavEntry { href: "/settings/tokens", label: "API tokens", permission: Permission::ManageFlagTokens },
];

crate::lazy_page!(
    SetupRoute => SetupPage,
    SignInRoute => SignInPage,
    UsersRoute => UsersPage,
    TokensRoute => TokensPage,
    AccountRoute => AccountPage,
);

/// Pages for signed-out visitors.
#[component(transparent)]
pub fn PublicRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()} />
        <Route path=path!("/signin") view={Lazy::<SignInRoute>::new()} />
    }
    .into_inner()
}

/// Pages inside the console layout.
#[component(transparent)]
pub fn AccountRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/users") view={Lazy::<UsersRoute>::new()} />
        <Route path=path!("/settings/tokens") view={Lazy::<TokensRoute>::new()} />
        <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} />
    }
    .into_inner()
}
