//! The monitors' model, both sides: definitions, conditions, health documents, state.

pub mod alerts;
pub mod caches;
pub mod conditions;
pub mod health;
pub mod monitor;
pub mod state;

pub use alerts::*;
pub use caches::*;
pub use conditions::{Condition, ConditionOutcome, Observation};
pub use health::{HealthReport, ServiceHealth};
pub use monitor::*;
pub use state::{MonitorState, Outcome, Thresholds, Tracker};
