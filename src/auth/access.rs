//! Page-side access: the signed-in user the console layout provides, and what their role may do.
//! The server fns behind every page check again through the guard; this only decides what to show.

use super::api::Me;
use super::model::Permission;
use crate::error::AppError;
use crate::ui::ErrorPanel;
use leptos::prelude::*;

/// An entry of the main navigation, shown only to roles holding its permission.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub href: &'static str,
    pub label: &'static str,
    pub permission: Permission,
}

/// The signed-in user, provided by the console layout to every console page.
pub fn use_me() -> Option<Me> {
    use_context::<Me>()
}

/// Whether the signed-in user's role holds `permission` (false when nobody is signed in).
pub fn can(permission: Permission) -> bool {
    use_me().is_some_and(|me| me.role.can(permission))
}

/// Renders `children` only for roles holding `permission`; others get the 403 panel and none of
/// the page's controls.
#[component]
pub fn RequirePermission(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let allowed = can(permission);
    view! {
        <Show when=move || allowed fallback=|| view! { <ErrorPanel error=AppError::Forbidden /> }>
            {children()}
        </Show>
    }
}
