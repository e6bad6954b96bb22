//! Interpreter for Smithy endpoint rule sets (`endpoint-rule-set-1.json`).
//!
//! A rule set declares parameters and an ordered list of rules. Each rule has conditions
//! (function calls, optionally binding their result to a name) and is an `endpoint` rule
//! (a URL template), an `error` rule (a message) or a `tree` rule (nested rules). The first
//! rule whose conditions all hold decides; a matching tree is final even if none of its
//! own rules match.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::value::RawValue;
use serde_json::Value as Json;

use super::partition::{LazyPartitions, Partition};
use super::{EndpointError, EndpointErrorKind, EndpointParams};

/// A runtime value of the rules language. An unset value is `None` where `Option<Value>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Bool(bool),
    Str(String),
    Int(i64),
    Array(Vec<Value>),
    Record(BTreeMap<String, Value>),
}

impl From<Partition> for Value {
    fn from(p: Partition) -> Self {
        let mut r = BTreeMap::new();
        r.insert("name".into(), Value::Str(p.name().into()));
        r.insert("dnsSuffix".into(), Value::Str(p.dns_suffix().into()));
        r.insert(
            "dualStackDnsSuffix".into(),
            Value::Str(p.dual_stack_dns_suffix().into()),
        );
        r.insert("supportsFIPS".into(), Value::Bool(p.supports_fips()));
        r.insert(
            "supportsDualStack".into(),
            Value::Bool(p.supports_dual_stack()),
        );
        r.insert(
            "implicitGlobalRegion".into(),
            Value::Str(p.implicit_global_region().into()),
        );
        Value::Record(r)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ParamType {
    String,
    Boolean,
    StringArray,
}

#[derive(Clone, Debug)]
struct Parameter {
    name: String,
    built_in: Option<String>,
    required: bool,
    default: Option<Value>,
    ty: ParamType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Function {
    IsSet,
    Coalesce,
    Not,
    BooleanEquals,
    StringEquals,
    GetAttr,
    Substring,
    IsValidHostLabel,
    UriEncode,
    ParseUrl,
    AwsPartition,
}

impl Function {
    /// The function of that name and its argument count (`0`: two or more).
    fn from_name(name: &str) -> Option<(Self, usize)> {
        Some(match name {
            "isSet" => (Function::IsSet, 1),
            "coalesce" => (Function::Coalesce, 0),
            "not" => (Function::Not, 1),
            "booleanEquals" => (Function::BooleanEquals, 2),
            "stringEquals" => (Function::StringEquals, 2),
            "getAttr" => (Function::GetAttr, 2),
            "substring" => (Function::Substring, 4),
            "isValidHostLabel" => (Function::IsValidHostLabel, 2),
            "uriEncode" => (Function::UriEncode, 1),
            "parseURL" => (Function::ParseUrl, 1),
            "aws.partition" => (Function::AwsPartition, 1),
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
struct Call {
    function: Function,
    args: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PathSegment {
    Key(String),
    Index(usize),
}

#[derive(Clone, Debug)]
enum TemplatePart {
    Literal(String),
    Ref {
        name: String,
        path: Vec<PathSegment>,
    },
}

#[derive(Clone, Debug)]
enum Expr {
    Bool(bool),
    Int(i64),
    Template(Vec<TemplatePart>),
    Ref(String),
    Call(Box<Call>),
    Array(Vec<Expr>),
    Record(Vec<(String, Expr)>),
}

#[derive(Clone, Debug)]
struct Condition {
    call: Call,
    assign: Option<String>,
}

#[derive(Clone, Debug)]
enum RuleKind {
    Endpoint { url: Expr },
    Error { message: Expr },
    Tree { rules: Vec<Rule> },
}

#[derive(Clone, Debug)]
struct Rule {
    conditions: Vec<Condition>,
    kind: RuleKind,
}

/// A parsed rule set. Its top-level rules are parsed when evaluation first reaches them
/// (see [`RuleSet::from_json_lazy`]).
#[derive(Debug)]
pub(crate) struct RuleSet {
    parameters: Vec<Parameter>,
    rules: Vec<LazyRule>,
}

/// A top-level rule, kept as JSON text until it is first needed.
#[derive(Debug)]
struct LazyRule {
    json: Box<str>,
    at: String,
    parsed: OnceLock<Result<Rule, EndpointError>>,
}

impl LazyRule {
    fn get(&self) -> Result<&Rule, EndpointError> {
        self.parsed
            .get_or_init(|| {
                let v: Json = serde_json::from_str(&self.json)
                    .map_err(|e| invalid(format!("rule set: {}: not valid JSON: {e}", self.at)))?;
                parse_rule(&v, &self.at)
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// What the rules decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An endpoint rule matched; its URL.
    Endpoint(String),
    /// An error rule matched; its message.
    Error(String),
}

fn invalid(message: impl Into<String>) -> EndpointError {
    EndpointError::new(EndpointErrorKind::InvalidRuleSet, message.into())
}

fn field<'a>(
    obj: &'a serde_json::Map<String, Json>,
    key: &str,
    at: &str,
) -> Result<&'a Json, EndpointError> {
    obj.get(key)
        .ok_or_else(|| invalid(format!("rule set: {at}: missing `{key}`")))
}

fn as_object<'a>(
    v: &'a Json,
    at: &str,
) -> Result<&'a serde_json::Map<String, Json>, EndpointError> {
    v.as_object()
        .ok_or_else(|| invalid(format!("rule set: {at}: expected an object")))
}

fn as_array<'a>(v: &'a Json, at: &str) -> Result<&'a Vec<Json>, EndpointError> {
    v.as_array()
        .ok_or_else(|| invalid(format!("rule set: {at}: expected an array")))
}

fn as_str<'a>(v: &'a Json, at: &str) -> Result<&'a str, EndpointError> {
    v.as_str()
        .ok_or_else(|| invalid(format!("rule set: {at}: expected a string")))
}

fn parse_path(path: &str) -> Option<Vec<PathSegment>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(PathSegment::Key(key.to_string()));
        } else if rest.is_empty() {
            return None;
        }
        while !rest.is_empty() {
            let close = rest.find(']')?;
            let index = rest.get(1..close)?.parse::<usize>().ok()?;
            out.push(PathSegment::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return None;
            }
        }
    }
    Some(out)
}

fn parse_template(s: &str, at: &str) -> Result<Vec<TemplatePart>, EndpointError> {
    let bad = || invalid(format!("rule set: {at}: malformed template {s:?}"));
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') | None => return Err(bad()),
                        Some(c) => inner.push(c),
                    }
                }
                if !literal.is_empty() {
                    parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
                }
                let (name, path) = match inner.split_once('#') {
                    Some((name, path)) => (name, parse_path(path).ok_or_else(bad)?),
                    None => (inner.as_str(), Vec::new()),
                };
                if name.is_empty() {
                    return Err(bad());
                }
                parts.push(TemplatePart::Ref {
                    name: name.to_string(),
                    path,
                });
            }
            '}' => return Err(bad()),
            c => literal.push(c),
        }
    }
    if !literal.is_empty() || parts.is_empty() {
        parts.push(TemplatePart::Literal(literal));
    }
    Ok(parts)
}

fn parse_expr(v: &Json, at: &str) -> Result<Expr, EndpointError> {
    match v {
        Json::Bool(b) => Ok(Expr::Bool(*b)),
        Json::Number(n) => n
            .as_i64()
            .map(Expr::Int)
            .ok_or_else(|| invalid(format!("rule set: {at}: numbers must be integers"))),
        Json::String(s) => Ok(Expr::Template(parse_template(s, at)?)),
        Json::Array(items) => Ok(Expr::Array(
            items
                .iter()
                .map(|i| parse_expr(i, at))
                .collect::<Result<_, _>>()?,
        )),
        Json::Object(obj) => {
            if let Some(r) = obj.get("ref") {
                Ok(Expr::Ref(as_str(r, at)?.to_string()))
            } else if obj.contains_key("fn") {
                Ok(Expr::Call(Box::new(parse_call(obj, at)?)))
            } else {
                Ok(Expr::Record(
                    obj.iter()
                        .map(|(k, v)| Ok((k.clone(), parse_expr(v, at)?)))
                        .collect::<Result<_, EndpointError>>()?,
                ))
            }
        }
        Json::Null => Err(invalid(format!(
            "rule set: {at}: null is not an expression"
        ))),
    }
}

fn parse_call(obj: &serde_json::Map<String, Json>, at: &str) -> Result<Call, EndpointError> {
    let name = as_str(field(obj, "fn", at)?, at)?;
    let (function, arity) = Function::from_name(name)
        .ok_or_else(|| invalid(format!("rule set: {at}: unsupported function `{name}`")))?;
    let at = format!("{at}: {name}");
    let args = as_array(field(obj, "argv", &at)?, &at)?
        .iter()
        .map(|a| parse_expr(a, &at))
        .collect::<Result<Vec<_>, _>>()?;
    let arity_ok = match arity {
        0 => args.len() >= 2,
        n => args.len() == n,
    };
    if !arity_ok {
        return Err(invalid(format!(
            "rule set: {at}: wrong number of arguments ({} given)",
            args.len()
        )));
    }
    Ok(Call { function, args })
}

fn parse_rule(v: &Json, at: &str) -> Result<Rule, EndpointError> {
    let obj = as_object(v, at)?;
    let conditions = match obj.get("conditions") {
        Some(c) => as_array(c, at)?
            .iter()
            .map(|c| {
                let c = as_object(c, at)?;
                Ok(Condition {
                    call: parse_call(c, at)?,
                    assign: c
                        .get("assign")
                        .map(|a| as_str(a, at).map(str::to_string))
                        .transpose()?,
                })
            })
            .collect::<Result<_, EndpointError>>()?,
        None => Vec::new(),
    };
    let kind = match as_str(field(obj, "type", at)?, at)? {
        "endpoint" => {
            let e = as_object(field(obj, "endpoint", at)?, at)?;
            RuleKind::Endpoint {
                url: parse_expr(field(e, "url", at)?, at)?,
            }
        }
        "error" => RuleKind::Error {
            message: parse_expr(field(obj, "error", at)?, at)?,
        },
        "tree" => RuleKind::Tree {
            rules: parse_rules(field(obj, "rules", at)?, at)?,
        },
        other => {
            return Err(invalid(format!(
                "rule set: {at}: unknown rule type {other:?}"
            )))
        }
    };
    Ok(Rule { conditions, kind })
}

fn parse_rules(v: &Json, at: &str) -> Result<Vec<Rule>, EndpointError> {
    as_array(v, at)?
        .iter()
        .enumerate()
        .map(|(i, r)| parse_rule(r, &format!("{at}[{i}]")))
        .collect()
}

fn literal_value(v: &Json, ty: ParamType) -> Option<Value> {
    match (ty, v) {
        (ParamType::Boolean, Json::Bool(b)) => Some(Value::Bool(*b)),
        (ParamType::String, Json::String(s)) => Some(Value::Str(s.clone())),
        (ParamType::StringArray, Json::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(|s| Value::Str(s.to_string())))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        _ => None,
    }
}

impl RuleSet {
    /// Parses an `endpoint-rule-set-1.json` document, every rule of it.
    pub(crate) fn from_json(json: &str) -> Result<Self, EndpointError> {
        let set = Self::from_json_lazy(json)?;
        for rule in &set.rules {
            rule.get()?;
        }
        Ok(set)
    }

    /// Parses the parameters of an `endpoint-rule-set-1.json` document and checks that its
    /// rules are JSON, leaving each top-level rule to be parsed when evaluation first
    /// reaches it. With a custom endpoint URL only the first of Lambda's rules is ever
    /// parsed: that is most of the cost of building a client.
    pub(crate) fn from_json_lazy(json: &str) -> Result<Self, EndpointError> {
        let not_json = |e: serde_json::Error| invalid(format!("rule set: not valid JSON: {e}"));
        // The document's top level, read in one pass: rules stay JSON text.
        let doc: std::collections::BTreeMap<String, &RawValue> =
            serde_json::from_str(json).map_err(not_json)?;
        let rules = doc
            .get("rules")
            .ok_or_else(|| invalid("rule set: no `rules`".to_string()))?;
        let rules: Vec<&RawValue> = serde_json::from_str(rules.get()).map_err(not_json)?;
        let mut parameters = Vec::new();
        if let Some(params) = doc.get("parameters") {
            let params: Json = serde_json::from_str(params.get()).map_err(not_json)?;
            for (name, p) in as_object(&params, "parameters")? {
                let at = format!("parameter {name}");
                let p = as_object(p, &at)?;
                let ty = match as_str(field(p, "type", &at)?, &at)? {
                    t if t.eq_ignore_ascii_case("string") => ParamType::String,
                    t if t.eq_ignore_ascii_case("boolean") => ParamType::Boolean,
                    t if t.eq_ignore_ascii_case("stringArray") => ParamType::StringArray,
                    t => return Err(invalid(format!("rule set: {at}: unknown type {t:?}"))),
                };
                let default = match p.get("default") {
                    Some(d) => Some(literal_value(d, ty).ok_or_else(|| {
                        invalid(format!("rule set: {at}: default does not match the type"))
                    })?),
                    None => None,
                };
                parameters.push(Parameter {
                    name: name.clone(),
                    built_in: p.get("builtIn").and_then(Json::as_str).map(str::to_string),
                    required: p.get("required").and_then(Json::as_bool).unwrap_or(false),
                    default,
                    ty,
                });
            }
        }
        let rules = rules
            .into_iter()
            .enumerate()
            .map(|(i, r)| LazyRule {
                json: r.get().into(),
                at: format!("rules[{i}]"),
                parsed: OnceLock::new(),
            })
            .collect();
        Ok(RuleSet { parameters, rules })
    }

    /// Evaluates the rules for `params`.
    pub(crate) fn evaluate(
        &self,
        params: &EndpointParams,
        partitions: &LazyPartitions,
    ) -> Result<Outcome, EndpointError> {
        let mut scope = Vec::with_capacity(self.parameters.len() + 4);
        for p in &self.parameters {
            let given = match p.built_in.as_deref() {
                Some("AWS::Region") => params.region.clone().map(Value::Str),
                Some("AWS::UseFIPS") => Some(Value::Bool(params.use_fips)),
                Some("AWS::UseDualStack") => Some(Value::Bool(params.use_dual_stack)),
                Some("SDK::Endpoint") => params.endpoint.clone().map(Value::Str),
                _ => None,
            };
            let value = given.or_else(|| p.default.clone());
            match (&value, p.ty) {
                (None, _) if p.required => {
                    return Err(invalid(format!(
                        "rule set: parameter {} is required but has no value",
                        p.name
                    )))
                }
                (None, _)
                | (Some(Value::Str(_)), ParamType::String)
                | (Some(Value::Bool(_)), ParamType::Boolean)
                | (Some(Value::Array(_)), ParamType::StringArray) => {}
                _ => {
                    return Err(invalid(format!(
                        "rule set: parameter {} has a value of the wrong type",
                        p.name
                    )))
                }
            }
            if let Some(v) = value {
                scope.push((p.name.clone(), v));
            }
        }
        let mut eval = Eval { scope, partitions };
        for rule in &self.rules {
            if let Some(outcome) = eval.rules(std::slice::from_ref(rule.get()?))? {
                return Ok(outcome);
            }
        }
        Err(invalid("rule set: no rule matched the parameters"))
    }
}

struct Eval<'a> {
    scope: Vec<(String, Value)>,
    partitions: &'a LazyPartitions,
}

impl Eval<'_> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    fn rules(&mut self, rules: &[Rule]) -> Result<Option<Outcome>, EndpointError> {
        for rule in rules {
            let mark = self.scope.len();
            let result = self.rule(rule);
            self.scope.truncate(mark);
            match result? {
                Some(outcome) => return Ok(Some(outcome)),
                None => continue,
            }
        }
        Ok(None)
    }

    /// `Ok(None)`: a condition failed, try the next rule.
    fn rule(&mut self, rule: &Rule) -> Result<Option<Outcome>, EndpointError> {
        for c in &rule.conditions {
            let value = self.call(&c.call)?;
            let holds = match &value {
                None | Some(Value::Bool(false)) => false,
                Some(_) => true,
            };
            if !holds {
                return Ok(None);
            }
            if let (Some(name), Some(v)) = (&c.assign, value) {
                self.scope.push((name.clone(), v));
            }
        }
        match &rule.kind {
            RuleKind::Endpoint { url } => match self.expr(url)? {
                Some(Value::Str(s)) => Ok(Some(Outcome::Endpoint(s))),
                _ => Err(invalid("rule set: endpoint URL is not a string")),
            },
            RuleKind::Error { message } => match self.expr(message)? {
                Some(Value::Str(s)) => Ok(Some(Outcome::Error(s))),
                _ => Err(invalid("rule set: error message is not a string")),
            },
            RuleKind::Tree { rules } => match self.rules(rules)? {
                Some(outcome) => Ok(Some(outcome)),
                None => Err(invalid("rule set: no rule of a matching tree rule matched")),
            },
        }
    }

    fn expr(&mut self, e: &Expr) -> Result<Option<Value>, EndpointError> {
        Ok(match e {
            Expr::Bool(b) => Some(Value::Bool(*b)),
            Expr::Int(i) => Some(Value::Int(*i)),
            Expr::Ref(name) => self.lookup(name).cloned(),
            Expr::Call(call) => self.call(call)?,
            Expr::Template(parts) => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        TemplatePart::Literal(s) => out.push_str(s),
                        TemplatePart::Ref { name, path } => {
                            let v = self.lookup(name).and_then(|v| get_attr(v, path));
                            match v {
                                Some(Value::Str(s)) => out.push_str(s),
                                _ => {
                                    return Err(invalid(format!(
                                        "rule set: template reference {name} is not a set string"
                                    )))
                                }
                            }
                        }
                    }
                }
                Some(Value::Str(out))
            }
            Expr::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    match self.expr(i)? {
                        Some(v) => out.push(v),
                        None => return Ok(None),
                    }
                }
                Some(Value::Array(out))
            }
            Expr::Record(fields) => {
                let mut out = BTreeMap::new();
                for (k, e) in fields {
                    if let Some(v) = self.expr(e)? {
                        out.insert(k.clone(), v);
                    }
                }
                Some(Value::Record(out))
            }
        })
    }

    fn call(&mut self, call: &Call) -> Result<Option<Value>, EndpointError> {
        let mut args = Vec::with_capacity(call.args.len());
        for a in &call.args {
            args.push(self.expr(a)?);
        }
        let arg = |i: usize| args.get(i).and_then(Option::as_ref);
        let str_arg = |i: usize| match arg(i) {
            Some(Value::Str(s)) => Some(s.as_str()),
            _ => None,
        };
        let bool_arg = |i: usize| match arg(i) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        };
        let int_arg = |i: usize| match arg(i) {
            Some(Value::Int(n)) => usize::try_from(*n).ok(),
            _ => None,
        };
        Ok(match call.function {
            Function::IsSet => Some(Value::Bool(arg(0).is_some())),
            Function::Coalesce => args.iter().flatten().next().cloned(),
            Function::Not => bool_arg(0).map(|b| Value::Bool(!b)),
            Function::BooleanEquals => Some(Value::Bool(match (bool_arg(0), bool_arg(1)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            })),
            Function::StringEquals => Some(Value::Bool(match (str_arg(0), str_arg(1)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            })),
            Function::GetAttr => {
                let path = str_arg(1)
                    .and_then(parse_path)
                    .ok_or_else(|| invalid("rule set: getAttr: malformed path"))?;
                arg(0).and_then(|v| get_attr(v, &path)).cloned()
            }
            Function::Substring => match (str_arg(0), int_arg(1), int_arg(2), bool_arg(3)) {
                (Some(s), Some(start), Some(stop), Some(reverse)) => {
                    substring(s, start, stop, reverse).map(|s| Value::Str(s.to_string()))
                }
                _ => None,
            },
            Function::IsValidHostLabel => match (str_arg(0), bool_arg(1)) {
                (Some(s), Some(sub)) => Some(Value::Bool(is_valid_host_label(s, sub))),
                _ => Some(Value::Bool(false)),
            },
            Function::UriEncode => str_arg(0).map(|s| Value::Str(uri_encode(s))),
            Function::ParseUrl => str_arg(0).and_then(parse_url),
            Function::AwsPartition => match str_arg(0) {
                Some(region) => self.partitions.get()?.resolve(region).map(Value::from),
                None => None,
            },
        })
    }
}

fn get_attr<'v>(value: &'v Value, path: &[PathSegment]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, seg| match (v, seg) {
        (Value::Record(r), PathSegment::Key(k)) => r.get(k),
        (Value::Array(a), PathSegment::Index(i)) => a.get(*i),
        _ => None,
    })
}

/// `substring(input, start, stop, reverse)`: characters `start..stop` (counted from the end
/// when `reverse`); unset when out of range or the input is not ASCII.
pub(crate) fn substring(s: &str, start: usize, stop: usize, reverse: bool) -> Option<&str> {
    if start >= stop || stop > s.len() || !s.is_ascii() {
        return None;
    }
    if reverse {
        s.get(s.len() - stop..s.len() - start)
    } else {
        s.get(start..stop)
    }
}

/// One DNS label per RFC 1123 as the rules language defines it: 1 to 63 ASCII letters,
/// digits or hyphens, not starting with a hyphen. With `allow_subdomains`, dot-separated
/// labels each of that form.
pub(crate) fn is_valid_host_label(s: &str, allow_subdomains: bool) -> bool {
    fn label(l: &str) -> bool {
        (1..=63).contains(&l.len())
            && l.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }
    if allow_subdomains {
        s.split('.').all(label)
    } else {
        label(s)
    }
}

/// Everything but the unreserved characters `A-Z a-z 0-9 - _ . ~` is percent-encoded.
const URI_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `uriEncode`: percent-encodes all but the unreserved characters.
pub(crate) fn uri_encode(s: &str) -> String {
    utf8_percent_encode(s, URI_ENCODE_SET).to_string()
}

/// `parseURL`: scheme, authority (without user information), path, normalizedPath and isIp
/// of an http(s) URL; unset if the URL does not parse, has another scheme, or carries a
/// query or fragment.
fn parse_url(url: &str) -> Option<Value> {
    if url.contains(['?', '#']) {
        return None;
    }
    let uri: http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = uri.authority()?.as_str();
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let path = uri.path();
    let mut normalized = String::with_capacity(path.len() + 2);
    if !path.starts_with('/') {
        normalized.push('/');
    }
    normalized.push_str(path);
    if !normalized.ends_with('/') {
        normalized.push('/');
    }
    let host = uri.host()?;
    let is_ip = host.parse::<std::net::Ipv4Addr>().is_ok()
        || host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .is_some_and(|h| h.parse::<std::net::Ipv6Addr>().is_ok());
    let mut r = BTreeMap::new();
    r.insert("scheme".into(), Value::Str(scheme.into()));
    r.insert("authority".into(), Value::Str(authority.into()));
    r.insert("path".into(), Value::Str(path.into()));
    r.insert("normalizedPath".into(), Value::Str(normalized));
    r.insert("isIp".into(), Value::Bool(is_ip));
    Some(Value::Record(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partitions() -> LazyPartitions {
        LazyPartitions::new(include_str!("../../model/partitions.json"))
    }

    fn run(rules: &str, params: &EndpointParams) -> Result<Outcome, EndpointError> {
        RuleSet::from_json(rules)?.evaluate(params, &partitions())
    }

    fn s(x: &str) -> Option<Value> {
        Some(Value::Str(x.into()))
    }

    #[test]
    fn templates() {
        let t = parse_template("https://{a}.{b#c[1]}.x{{y}}", "t").expect("parses");
        assert_eq!(t.len(), 5);
        assert!(
            matches!(&t[3], TemplatePart::Ref { name, path } if name == "b"
            && path == &[PathSegment::Key("c".into()), PathSegment::Index(1)])
        );
        assert!(matches!(&t[4], TemplatePart::Literal(l) if l == ".x{y}"));
        for bad in ["{", "}", "{a", "{}", "a}b", "{a{b}}", "{a#}"] {
            assert!(parse_template(bad, "t").is_err(), "{bad}");
        }
    }

    #[test]
    fn get_attr_paths() {
        let mut inner = BTreeMap::new();
        inner.insert(
            "k".to_string(),
            Value::Array(vec![Value::Int(7), Value::Bool(true)]),
        );
        let v = Value::Record(inner);
        let p = parse_path("k[1]").expect("path");
        assert_eq!(get_attr(&v, &p), Some(&Value::Bool(true)));
        let p = parse_path("k[2]").expect("path");
        assert_eq!(get_attr(&v, &p), None);
        let p = parse_path("x").expect("path");
        assert_eq!(get_attr(&v, &p), None);
        assert!(parse_path("k[x]").is_none());
        assert!(parse_path("k[1]x").is_none());
    }

    /// Smithy's `substring`: start inclusive, stop exclusive, counted from the end when
    /// `reverse`; unset when the input is too short or not ASCII.
    #[test]
    fn substring_rules() {
        assert_eq!(substring("abcde", 0, 2, false), Some("ab"));
        assert_eq!(substring("abcde", 0, 2, true), Some("de"));
        assert_eq!(substring("abcde", 1, 4, false), Some("bcd"));
        assert_eq!(substring("abcde", 2, 2, false), None);
        assert_eq!(substring("abcde", 0, 6, false), None);
        assert_eq!(substring("ab\u{e9}de", 0, 2, false), None);
    }

    #[test]
    fn host_labels() {
        assert!(is_valid_host_label("us-east-1", false));
        assert!(is_valid_host_label("a", false));
        assert!(!is_valid_host_label("", false));
        assert!(!is_valid_host_label("-a", false));
        assert!(!is_valid_host_label("a.b", false));
        assert!(is_valid_host_label("a.b", true));
        assert!(!is_valid_host_label("a..b", true));
        assert!(!is_valid_host_label(&"a".repeat(64), false));
        assert!(is_valid_host_label(&"a".repeat(63), false));
        assert!(!is_valid_host_label("a_b", false));
    }

    #[test]
    fn uri_encoding() {
        assert_eq!(
            uri_encode("a b/c?d=e&f~g_h.i-j"),
            "a%20b%2Fc%3Fd%3De%26f~g_h.i-j"
        );
        assert_eq!(uri_encode("\u{e9}"), "%C3%A9");
    }

    /// The examples table of the Smithy standard library's `parseURL`.
    #[test]
    fn parse_url_spec_examples() {
        let cases = [
            (
                "https://example.com",
                "https",
                "example.com",
                "/",
                "/",
                false,
            ),
            (
                "http://example.com:80/foo/bar",
                "http",
                "example.com:80",
                "/foo/bar",
                "/foo/bar/",
                false,
            ),
            ("https://127.0.0.1", "https", "127.0.0.1", "/", "/", true),
            ("https://[fe80::1]", "https", "[fe80::1]", "/", "/", true),
        ];
        for (url, scheme, authority, path, normalized, is_ip) in cases {
            let r = parse_url(url).expect(url);
            let get = |k: &str| get_attr(&r, &[PathSegment::Key(k.into())]).cloned();
            assert_eq!(get("scheme"), s(scheme), "{url}");
            assert_eq!(get("authority"), s(authority), "{url}");
            assert_eq!(get("path"), s(path), "{url}");
            assert_eq!(get("normalizedPath"), s(normalized), "{url}");
            assert_eq!(get("isIp"), Some(Value::Bool(is_ip)), "{url}");
        }
        assert!(parse_url("https://example.com:8443?foo=bar&faz=baz").is_none());
        // Not in the table: user information is left out of the authority.
        let r = parse_url("https://user@example.com/").expect("parses");
        assert_eq!(
            get_attr(&r, &[PathSegment::Key("authority".into())]).cloned(),
            s("example.com")
        );
        assert!(parse_url("https://example.com/#x").is_none());
        assert!(parse_url("ftp://example.com").is_none());
        assert!(parse_url("not a url").is_none());
    }

    #[test]
    fn scoping_and_functions() {
        // An assignment in one tree is not visible to a sibling rule.
        let rules = r#"{"parameters":{"Region":{"type":"string","builtIn":"AWS::Region"}},
          "rules":[
            {"type":"tree","conditions":[{"fn":"aws.partition","argv":[{"ref":"Region"}],"assign":"P"},
                                          {"fn":"stringEquals","argv":[{"ref":"Region"},"nowhere-1"]}],
             "rules":[{"type":"error","conditions":[],"error":"unreachable"}]},
            {"type":"tree","conditions":[{"fn":"not","argv":[{"fn":"isSet","argv":[{"ref":"P"}]}]},
                                          {"fn":"isValidHostLabel","argv":[{"ref":"Region"},false]},
                                          {"fn":"substring","argv":[{"ref":"Region"},0,2,false],"assign":"Prefix"}],
             "rules":[{"type":"endpoint","conditions":[],
                       "endpoint":{"url":"https://{Prefix}.{Region}.example/{{x}}","properties":{},"headers":{}}}]},
            {"type":"error","conditions":[],"error":"fallthrough {Region}"}
          ]}"#;
        let params = EndpointParams::new("us-west-2");
        assert_eq!(
            run(rules, &params).expect("resolves"),
            Outcome::Endpoint("https://us.us-west-2.example/{x}".into())
        );
        let params = EndpointParams::new("a.b");
        assert_eq!(
            run(rules, &params).expect("resolves"),
            Outcome::Error("fallthrough a.b".into())
        );
    }

    #[test]
    fn coalesce_takes_the_first_set_value() {
        let rules = r#"{"parameters":{"Region":{"type":"string","builtIn":"AWS::Region"},
                                      "Endpoint":{"type":"string","builtIn":"SDK::Endpoint"}},
          "rules":[{"type":"error","conditions":[
              {"fn":"coalesce","argv":[{"ref":"Endpoint"},{"ref":"Region"},"fallback"],"assign":"V"}],
              "error":"{V}"}]}"#;
        let msg = |p: &EndpointParams| match run(rules, p) {
            Ok(Outcome::Error(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(msg(&EndpointParams::default()), "fallback");
        assert_eq!(msg(&EndpointParams::new("r")), "r");
        assert_eq!(msg(&EndpointParams::new("r").with_endpoint("e")), "e");
    }

    #[test]
    fn tree_rules_are_final() {
        let rules = r#"{"parameters":{},"rules":[
            {"type":"tree","conditions":[],"rules":[
                {"type":"error","conditions":[{"fn":"booleanEquals","argv":[true,false]}],"error":"no"}]},
            {"type":"error","conditions":[],"error":"not reached"}]}"#;
        let e = run(rules, &EndpointParams::default()).expect_err("tree without match");
        assert_eq!(e.kind(), EndpointErrorKind::InvalidRuleSet);
    }

    #[test]
    fn malformed_rule_sets_are_errors() {
        for bad in [
            "",
            "[]",
            r#"{"parameters":{}}"#,
            r#"{"rules":[{"type":"magic","conditions":[]}]}"#,
            r#"{"rules":[{"type":"error","conditions":[{"fn":"nope","argv":[]}],"error":"x"}]}"#,
            r#"{"rules":[{"type":"error","conditions":[{"fn":"not","argv":[true,true]}],"error":"x"}]}"#,
            r#"{"rules":[{"type":"error","conditions":[],"error":"{unclosed"}]}"#,
            r#"{"parameters":{"X":{"type":"boolean","default":"yes"}},"rules":[]}"#,
        ] {
            let e = RuleSet::from_json(bad).expect_err(bad);
            assert_eq!(e.kind(), EndpointErrorKind::InvalidRuleSet, "{bad}");
        }
        let required = r#"{"parameters":{"X":{"type":"string","required":true}},"rules":[]}"#;
        assert!(run(required, &EndpointParams::default()).is_err());
    }
}
