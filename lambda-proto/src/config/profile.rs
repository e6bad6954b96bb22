//! Parser of the AWS shared `config` and `credentials` files.
//!
//! The format, as the AWS SDKs and CLI read it:
//!
//! - Lines are split on `\n` (a trailing `\r` is dropped). Blank lines and lines whose first
//!   character is `#` or `;` are ignored. Whitespace means spaces and tabs.
//! - `[name]` starts a section. After the closing `]`, a `#` or `;` starts a comment.
//!   In the config file a profile is `[profile name]` (`[default]` may omit the prefix, and
//!   `[profile default]` wins over `[default]` when both are present); other sections are
//!   `[sso-session name]` and `[services name]`. In the credentials file a profile is
//!   `[name]`, without prefix. Sections that do not follow these rules, or whose name is not
//!   made of `A-Za-z0-9` and `_-/.%@:+`, are ignored with a [`Warning`].
//! - `key = value` sets a property of the current section. Key and value are trimmed; keys
//!   are ASCII case-insensitive (stored lowercase); an inline comment needs whitespace
//!   before its `#` or `;` (`value#x` keeps `#x`). Keys with other characters than those
//!   of names are ignored with a warning.
//! - A line that starts with whitespace continues the previous property: the trimmed line is
//!   appended after a `\n`, comments included. A property whose first line has an empty value
//!   holds sub-properties (`lambda =` then `  endpoint_url = http://...`), whose lines must
//!   be `key = value`; see [`Property::sub_properties`].
//! - A section that appears twice is merged; a property set twice keeps the last value;
//!   a property in the credentials file wins over the same property of the same profile in
//!   the config file.
//!
//! Malformed lines are errors naming the file kind and the line ([`ParseError`]).
//!
//! ```
//! use lambda_proto::config::profile::ProfileSet;
//!
//! let config = "[default]\nregion = eu-west-1\n[profile dev]\nregion = us-east-1\n";
//! let credentials = "[dev]\naws_access_key_id = AKIDEXAMPLE\n";
//! let set = ProfileSet::parse(Some(config), Some(credentials)).unwrap();
//! let dev = set.profile("dev").unwrap();
//! assert_eq!(dev.get("region"), Some("us-east-1"));
//! assert_eq!(dev.get("AWS_ACCESS_KEY_ID"), Some("AKIDEXAMPLE"));
//! ```

use std::collections::BTreeMap;
use std::fmt;

/// Which shared file a value or an error comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// The shared config file (`~/.aws/config`, `AWS_CONFIG_FILE`).
    Config,
    /// The shared credentials file (`~/.aws/credentials`, `AWS_SHARED_CREDENTIALS_FILE`).
    Credentials,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Config => "config file",
            FileKind::Credentials => "credentials file",
        })
    }
}

/// What is wrong with a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorReason {
    /// A section header without its closing `]`.
    UnclosedSection,
    /// A property or continuation line before any section header.
    PropertyOutsideSection,
    /// An indented line that follows a section header rather than a property.
    ContinuationWithoutProperty,
    /// A property line without `=`.
    MissingEquals,
    /// A property line with nothing before `=`.
    EmptyName,
    /// A sub-property line without `=`.
    SubPropertyMissingEquals,
    /// A sub-property line with nothing before `=`.
    SubPropertyEmptyName,
}

impl ParseErrorReason {
    fn message(self) -> &'static str {
        match self {
            ParseErrorReason::UnclosedSection => "Profile definition must end with ']'",
            ParseErrorReason::PropertyOutsideSection => {
                "Expected a profile definition before this line"
            }
            ParseErrorReason::ContinuationWithoutProperty => {
                "Expected a property definition, found continuation"
            }
            ParseErrorReason::MissingEquals => "Expected an '=' sign defining a property",
            ParseErrorReason::EmptyName => "Property did not have a name",
            ParseErrorReason::SubPropertyMissingEquals => {
                "Expected an '=' sign defining a sub-property"
            }
            ParseErrorReason::SubPropertyEmptyName => "Sub-property did not have a name",
        }
    }
}

/// A malformed line in a shared file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    file: FileKind,
    line: usize,
    reason: ParseErrorReason,
}

impl ParseError {
    /// The file the line is in.
    pub fn file(&self) -> FileKind {
        self.file
    }

    /// The line number, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// What is wrong.
    pub fn reason(&self) -> ParseErrorReason {
        self.reason
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, line {}: {}",
            self.file,
            self.line,
            self.reason.message()
        )
    }
}

impl std::error::Error for ParseError {}

/// Something in a shared file that was ignored, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    file: FileKind,
    line: usize,
    message: String,
}

impl Warning {
    /// The file.
    pub fn file(&self) -> FileKind {
        self.file
    }

    /// The line number, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// What was ignored and why.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, line {}: {}", self.file, self.line, self.message)
    }
}

/// One property: its value and where it was (last) set.
#[derive(Clone, PartialEq, Eq)]
pub struct Property {
    value: String,
    file: FileKind,
    line: usize,
    /// Whether the key names a secret (the value is hidden from `Debug`).
    secret: bool,
}

impl Property {
    /// The value: trimmed, continuation lines joined with `\n`.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The file that set it.
    pub fn file(&self) -> FileKind {
        self.file
    }

    /// The line of its `key = value`, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The sub-properties, when the first line's value was empty: `(key, value)` pairs
    /// in file order, keys as written, values trimmed with inline comments removed.
    /// Lines without `=` are skipped (a parsed file has none).
    pub fn sub_properties(&self) -> impl Iterator<Item = (&str, &str)> {
        let body = self.value.strip_prefix('\n').unwrap_or("");
        body.split('\n').filter_map(|line| {
            let line = strip_comment(trim(line), true);
            let (k, v) = line.split_once('=')?;
            let k = trim(k);
            (!k.is_empty()).then_some((k, trim(v)))
        })
    }

    /// The last sub-property named `key` (ASCII case-insensitive).
    pub fn sub_property(&self, key: &str) -> Option<&str> {
        self.sub_properties()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .last()
            .map(|(_, v)| v)
    }
}

impl fmt::Debug for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &dyn fmt::Debug = if self.secret {
            &"** redacted **"
        } else {
            &self.value
        };
        f.debug_struct("Property")
            .field("value", value)
            .field("file", &self.file)
            .field("line", &self.line)
            .finish()
    }
}

/// Whether a key's value must not appear in `Debug` output.
fn is_secret_key(key: &str) -> bool {
    ["secret", "token", "password", "credential_process"]
        .iter()
        .any(|s| key.contains(s))
}

/// A profile, `sso-session` or `services` section: its properties by lowercase key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Section {
    name: String,
    properties: BTreeMap<String, Property>,
}

impl Section {
    fn new(name: &str) -> Self {
        Section {
            name: name.to_string(),
            properties: BTreeMap::new(),
        }
    }

    /// The section's name (`dev` for `[profile dev]`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of `key` (ASCII case-insensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.property(key).map(Property::value)
    }

    /// The property `key` (ASCII case-insensitive), with where it was set.
    pub fn property(&self, key: &str) -> Option<&Property> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.properties.get(&key.to_ascii_lowercase())
        } else {
            self.properties.get(key)
        }
    }

    /// All properties, by lowercase key.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &Property)> {
        self.properties.iter().map(|(k, p)| (k.as_str(), p))
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.properties.len()
    }

    /// Whether the section has no properties.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Props<'a>(&'a BTreeMap<String, Property>);
        impl fmt::Debug for Props<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut m = f.debug_map();
                for (k, p) in self.0 {
                    if p.secret {
                        m.entry(k, &"** redacted **");
                    } else {
                        m.entry(k, &p.value);
                    }
                }
                m.finish()
            }
        }
        f.debug_struct("Section")
            .field("name", &self.name)
            .field("properties", &Props(&self.properties))
            .finish()
    }
}

/// The profiles and other sections of the config and credentials files, merged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Section>,
    sso_sessions: BTreeMap<String, Section>,
    services: BTreeMap<String, Section>,
    warnings: Vec<Warning>,
}

impl ProfileSet {
    /// Parses the config file and the credentials file (either may be absent) and merges
    /// them, credentials-file properties winning.
    pub fn parse(config: Option<&str>, credentials: Option<&str>) -> Result<Self, ParseError> {
        let mut set = ProfileSet::default();
        if let Some(text) = config {
            set.merge_file(FileKind::Config, text)?;
        }
        if let Some(text) = credentials {
            set.merge_file(FileKind::Credentials, text)?;
        }
        Ok(set)
    }

    /// The profile `name` (case-sensitive).
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// The names of all profiles, sorted.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    /// The `[sso-session name]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// The names of all `sso-session` sections, sorted.
    pub fn sso_session_names(&self) -> impl Iterator<Item = &str> {
        self.sso_sessions.keys().map(String::as_str)
    }

    /// The `[services name]` section.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// What was ignored, in file order (config file first).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    fn merge_file(&mut self, file: FileKind, text: &str) -> Result<(), ParseError> {
        let raw = parse_raw(file, text)?;
        let has_prefixed_default = raw.iter().any(|s| {
            matches!(s.target, Target::Profile { prefixed: true, .. }) && s.name == "default"
        });
        for section in raw {
            let warn = |warnings: &mut Vec<Warning>, line: usize, message: String| {
                warnings.push(Warning {
                    file,
                    line,
                    message,
                });
            };
            let map = match section.target {
                Target::Ignored(reason) => {
                    warn(&mut self.warnings, section.line, reason);
                    continue;
                }
                Target::Profile {
                    prefixed: false, ..
                } if file == FileKind::Config && has_prefixed_default => {
                    warn(
                        &mut self.warnings,
                        section.line,
                        "section [default] ignored: [profile default] takes precedence".into(),
                    );
                    continue;
                }
                Target::Profile { .. } => &mut self.profiles,
                Target::SsoSession => &mut self.sso_sessions,
                Target::Services => &mut self.services,
            };
            let target = map
                .entry(section.name.to_string())
                .or_insert_with(|| Section::new(section.name));
            for (key, value, line) in section.properties {
                let secret = is_secret_key(&key);
                if !is_identifier(&key) {
                    warn(
                        &mut self.warnings,
                        line,
                        format!(
                            "property ignored: key {:?} may only contain A-Za-z0-9 and _-/.%@:+",
                            truncate(&key)
                        ),
                    );
                    continue;
                }
                target.properties.insert(
                    key,
                    Property {
                        value,
                        file,
                        line,
                        secret,
                    },
                );
            }
        }
        Ok(())
    }
}

/// Where a section's properties go.
enum Target {
    Profile { prefixed: bool },
    SsoSession,
    Services,
    Ignored(String),
}

struct RawSection<'a> {
    name: &'a str,
    target: Target,
    line: usize,
    /// (lowercase key, value, line)
    properties: Vec<(String, String, usize)>,
}

const WHITESPACE: &[char] = &[' ', '\t'];

fn trim(s: &str) -> &str {
    s.trim_matches(WHITESPACE)
}

/// Cuts a comment. With `need_whitespace`, `#`/`;` starts a comment only after whitespace.
fn strip_comment(line: &str, need_whitespace: bool) -> &str {
    let mut prev_ws = false;
    for (i, c) in line.char_indices() {
        if (c == '#' || c == ';') && (prev_ws || !need_whitespace) {
            return trim(line.get(..i).unwrap_or(line));
        }
        prev_ws = c == ' ' || c == '\t';
    }
    line
}

/// Names of sections and properties: `[A-Za-z0-9_\-/.%@:+]+`.
fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

fn section_target(file: FileKind, header: &str) -> (&str, Target) {
    let header = trim(header);
    let (prefix, name) = match header.split_once(WHITESPACE) {
        Some((p, n)) => (Some(p), trim(n)),
        None => (None, header),
    };
    let invalid_name = |what: &str| {
        Target::Ignored(format!(
            "section [{}] ignored: {what} name {:?} may only contain A-Za-z0-9 and _-/.%@:+",
            truncate(header),
            truncate(name)
        ))
    };
    let target = match (file, prefix) {
        (FileKind::Config, None) if name == "default" => Target::Profile { prefixed: false },
        (FileKind::Config, None) => Target::Ignored(format!(
            "section [{}] ignored: profiles in the config file are written [profile {}] \
             (only [default] may omit the prefix)",
            truncate(name),
            truncate(name)
        )),
        (FileKind::Config, Some(prefix)) => {
            if !is_identifier(name) {
                invalid_name(prefix)
            } else {
                match prefix {
                    "profile" => Target::Profile { prefixed: true },
                    "sso-session" => Target::SsoSession,
                    "services" => Target::Services,
                    _ => Target::Ignored(format!(
                        "section [{}] ignored: unknown section type {:?}",
                        truncate(header),
                        truncate(prefix)
                    )),
                }
            }
        }
        (FileKind::Credentials, None) => {
            if is_identifier(name) {
                Target::Profile { prefixed: false }
            } else {
                invalid_name("profile")
            }
        }
        (FileKind::Credentials, Some(_)) => Target::Ignored(format!(
            "section [{}] ignored: sections of the credentials file are profile names without \
             a prefix, like [{}]",
            truncate(header),
            truncate(name)
        )),
    };
    (name, target)
}

/// Splits `key = value` (comments already allowed only after whitespace).
fn property_line(line: &str) -> Result<(&str, &str), bool> {
    // Err(true): no '='; Err(false): empty key.
    let line = strip_comment(trim(line), true);
    let (k, v) = line.split_once('=').ok_or(true)?;
    let k = trim(k);
    if k.is_empty() {
        return Err(false);
    }
    Ok((k, trim(v)))
}

fn parse_raw(file: FileKind, text: &str) -> Result<Vec<RawSection<'_>>, ParseError> {
    let mut sections: Vec<RawSection<'_>> = Vec::new();
    // Whether the last property of the current section takes sub-properties.
    let mut in_property: Option<bool> = None;
    for (index, line) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let err = |reason| ParseError {
            file,
            line: line_no,
            reason,
        };
        if trim(line).is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with('[') {
            let header = strip_comment(trim(line), false);
            let inner = header
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .ok_or_else(|| err(ParseErrorReason::UnclosedSection))?;
            let (name, target) = section_target(file, inner);
            sections.push(RawSection {
                name,
                target,
                line: line_no,
                properties: Vec::new(),
            });
            in_property = None;
        } else if line.starts_with(WHITESPACE) {
            let section = sections
                .last_mut()
                .ok_or_else(|| err(ParseErrorReason::PropertyOutsideSection))?;
            let takes_sub_properties =
                in_property.ok_or_else(|| err(ParseErrorReason::ContinuationWithoutProperty))?;
            if takes_sub_properties {
                property_line(line).map_err(|no_equals| {
                    err(if no_equals {
                        ParseErrorReason::SubPropertyMissingEquals
                    } else {
                        ParseErrorReason::SubPropertyEmptyName
                    })
                })?;
            }
            if let Some((_, value, _)) = section.properties.last_mut() {
                value.push('\n');
                value.push_str(trim(line));
            }
        } else {
            let section = sections
                .last_mut()
                .ok_or_else(|| err(ParseErrorReason::PropertyOutsideSection))?;
            let (key, value) = property_line(line).map_err(|no_equals| {
                err(if no_equals {
                    ParseErrorReason::MissingEquals
                } else {
                    ParseErrorReason::EmptyName
                })
            })?;
            section
                .properties
                .push((key.to_ascii_lowercase(), value.to_string(), line_no));
            in_property = Some(value.is_empty());
        }
    }
    Ok(sections)
}

#[cfg(test)]
mod tests;
