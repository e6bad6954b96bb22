//! Hiding sensitive values from `Debug` output.

use std::fmt;

/// Prints `** redacted **` (or `None`) in place of a sensitive value.
pub struct Redacted<'a, T: ?Sized>(&'a T);

impl<'a, T: ?Sized> Redacted<'a, T> {
    /// Wraps a value for `Debug`.
    pub fn of(value: &'a T) -> Self {
        Redacted(value)
    }
}

/// Values that can say whether they are present.
pub trait Presence {
    /// Whether a value is there (an `Option` that is `Some`, anything else).
    fn is_present(&self) -> bool;
}

impl<T> Presence for Option<T> {
    fn is_present(&self) -> bool {
        self.is_some()
    }
}

impl<T: Presence + ?Sized> fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_present() {
            f.write_str("Some(** redacted **)")
        } else {
            f.write_str("None")
        }
    }
}
