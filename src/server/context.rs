//! What server fns read from the Leptos context: the composition root provides each part of the
//! process's state (the pool, a domain's live view, …) to every request it renders or answers.

use crate::error::AppError;

/// The part `T` of the process's state; its absence is a wiring fault, logged and answered as
/// internal. Call it before the server fn's first `.await`: during server rendering the future
/// may resume without the request's reactive owner, and with it the context.
pub fn expect<T: Clone + Send + Sync + 'static>() -> Result<T, AppError> {
    leptos::prelude::use_context::<T>().ok_or_else(|| {
        tracing::error!(part = std::any::type_name::<T>(), "server fn called without this part of the app state");
        AppError::Internal
    })
}
