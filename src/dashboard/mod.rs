//! The landing page: the system card, then every domain's cards.

pub mod api;
pub mod pages;

use crate::auth::access::NavEntry;
use crate::auth::model::Permission;

pub const NAV: &[NavEntry] = &[NavEntry { href: "/", label: "Dashboard", permission: Permission::UseConsole }];
