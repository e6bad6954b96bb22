//! Client-side checks of the model's constraints, run before a request is built.

use crate::error::{Rule, ValidationError};

/// A value the model constrains; generated for every structure that needs checks.
pub trait Validate {
    /// Checks the value, reporting paths below `ctx`'s current member.
    fn validate(&self, ctx: &mut Ctx) -> Result<(), ValidationError>;
}

/// Where a check is: the operation and the path of member names down to the value.
#[derive(Debug)]
pub struct Ctx {
    operation: &'static str,
    path: String,
}

impl Ctx {
    /// Starts at the input of `operation`.
    pub fn new(operation: &'static str) -> Self {
        Ctx {
            operation,
            path: String::new(),
        }
    }

    /// The operation being checked.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    fn error(&self, member: &str, rule: Rule) -> ValidationError {
        ValidationError::new(self.operation, self.join(member), rule)
    }

    fn join(&self, member: &str) -> String {
        if member.is_empty() {
            return self.path.clone();
        }
        match (self.path.is_empty(), member.starts_with('[')) {
            (true, _) => member.to_string(),
            (false, true) => format!("{}{member}", self.path),
            (false, false) => format!("{}.{member}", self.path),
        }
    }

    /// Runs `f` one level down, at `member`.
    pub fn at<T>(
        &mut self,
        member: &str,
        f: impl FnOnce(&mut Ctx) -> Result<T, ValidationError>,
    ) -> Result<T, ValidationError> {
        let saved = self.path.len();
        self.path = self.join(member);
        let out = f(self);
        self.path.truncate(saved);
        out
    }

    /// Checks a nested structure.
    pub fn nested<T: Validate>(&mut self, member: &str, v: &T) -> Result<(), ValidationError> {
        self.at(member, |c| v.validate(c))
    }

    /// Checks the length of a string in characters.
    pub fn string(
        &self,
        member: &str,
        v: &str,
        min: Option<i64>,
        max: Option<i64>,
    ) -> Result<(), ValidationError> {
        if min.is_none() && max.is_none() {
            return Ok(());
        }
        self.length(member, v.chars().count(), min, max)
    }

    /// Checks a length (bytes of a blob, items of a list or map).
    pub fn length(
        &self,
        member: &str,
        len: usize,
        min: Option<i64>,
        max: Option<i64>,
    ) -> Result<(), ValidationError> {
        if let Some(min) = min {
            if (len as i64) < min {
                return Err(self.error(member, Rule::MinLength { min, actual: len }));
            }
        }
        if let Some(max) = max {
            if (len as i64) > max {
                return Err(self.error(member, Rule::MaxLength { max, actual: len }));
            }
        }
        Ok(())
    }

    /// Checks a number against the model's range.
    pub fn range(
        &self,
        member: &str,
        v: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<(), ValidationError> {
        if !v.is_finite() {
            return Err(self.error(member, Rule::Custom("must be a finite number")));
        }
        if let Some(min) = min {
            if v < min {
                return Err(self.error(member, Rule::Min { min, actual: v }));
            }
        }
        if let Some(max) = max {
            if v > max {
                return Err(self.error(member, Rule::Max { max, actual: v }));
            }
        }
        Ok(())
    }

    /// Checks every item of a list with `f`, at `member[i]`.
    pub fn each<T>(
        &mut self,
        member: &str,
        items: &[T],
        mut f: impl FnMut(&mut Ctx, &T) -> Result<(), ValidationError>,
    ) -> Result<(), ValidationError> {
        self.at(member, |c| {
            for (i, item) in items.iter().enumerate() {
                c.at(&format!("[{i}]"), |c| f(c, item))?;
            }
            Ok(())
        })
    }

    /// Checks every entry of a map with `f`, at `member[key]`.
    pub fn each_entry<K: std::fmt::Display, V>(
        &mut self,
        member: &str,
        map: &std::collections::BTreeMap<K, V>,
        mut f: impl FnMut(&mut Ctx, &K, &V) -> Result<(), ValidationError>,
    ) -> Result<(), ValidationError> {
        self.at(member, |c| {
            for (k, v) in map {
                c.at(&format!("[{k}]"), |c| f(c, k, v))?;
            }
            Ok(())
        })
    }

    /// A rule the model states in prose only, broken at `member`.
    pub fn custom(&self, member: &str, rule: &'static str) -> ValidationError {
        self.error(member, Rule::Custom(rule))
    }

    /// An error at `member` for `rule`.
    pub fn fail(&self, member: &str, rule: Rule) -> ValidationError {
        self.error(member, rule)
    }
}
