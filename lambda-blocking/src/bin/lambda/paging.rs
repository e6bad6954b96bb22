//! Pagination as the AWS CLI: all pages merged, `--max-items` (total, then `NextToken`),
//! `--starting-token` (resume from a `NextToken`) and `--page-size`.

use base64::Engine as _;
use clap::ArgMatches;
use lambda_proto::dynamic::{JsonPaginator, OperationInfo};
use serde_json::{json, Map, Value};

use crate::exit::Failure;

/// The pagination options of one call.
#[derive(Clone, Debug, Default)]
pub struct PageOptions {
    /// `--max-items`.
    pub max_items: Option<usize>,
    /// `--starting-token`.
    pub starting_token: Option<String>,
    /// `--page-size`.
    pub page_size: Option<i64>,
}

const SKIP: &str = "boto_truncate_amount";

fn number<T: std::str::FromStr>(m: &ArgMatches, name: &str) -> Result<Option<T>, Failure> {
    m.try_get_one::<String>(name)
        .ok()
        .flatten()
        .map(|v| {
            v.parse()
                .map_err(|_| Failure::usage(format!("--{name} {v:?}: not a positive integer")))
        })
        .transpose()
}

impl PageOptions {
    /// From an operation's matches.
    pub fn from_matches(m: &ArgMatches) -> Result<Self, Failure> {
        Ok(PageOptions {
            max_items: number(m, "max-items")?,
            starting_token: m
                .try_get_one::<String>("starting-token")
                .ok()
                .flatten()
                .cloned(),
            page_size: number(m, "page-size")?,
        })
    }
}

/// A resume token: the page's input token and how many of its items were printed.
fn encode(token_member: &str, marker: Option<&Value>, skip: usize) -> String {
    let value = json!({ token_member: marker.cloned().unwrap_or(Value::Null), SKIP: skip });
    base64::engine::general_purpose::STANDARD.encode(value.to_string())
}

fn decode(token_member: &str, token: &str) -> Result<(Option<Value>, usize), Failure> {
    let bad = || {
        Failure::usage(format!(
            "--starting-token {token:?} is not a NextToken of this program"
        ))
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .map_err(|_| bad())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let marker = value.get(token_member).filter(|m| !m.is_null()).cloned();
    let skip = value.get(SKIP).and_then(Value::as_u64).unwrap_or(0) as usize;
    Ok((marker, skip))
}

/// Sets the first request's token and page size from the options; returns how many
/// items of its page the starting token says were already printed.
pub fn prepare(
    info: &OperationInfo,
    input: &mut Value,
    options: &PageOptions,
) -> Result<usize, Failure> {
    let Some(p) = info.paginator else {
        return Ok(0);
    };
    let mut skip = 0;
    if let Some(token) = &options.starting_token {
        let (marker, k) = decode(p.input_token, token)?;
        if let Some(marker) = marker {
            input[p.input_token] = marker;
        }
        skip = k;
    }
    if let (Some(size), Some(key)) = (options.page_size, p.limit_key) {
        input[key] = json!(size);
    }
    Ok(skip)
}

/// Reads pages with `send` and merges them as the AWS CLI does: the first page with the
/// items of all pages, no output token, and `NextToken` when `--max-items` cut it short.
pub fn all_pages(
    info: &OperationInfo,
    mut input: Value,
    options: &PageOptions,
    mut send: impl FnMut(Value) -> Result<Value, Failure>,
) -> Result<Value, Failure> {
    let Some(p) = info.paginator else {
        return send(input);
    };
    let mut skip = prepare(info, &mut input, options)?;
    let mut pages = JsonPaginator::new(info, input).expect("a paginated operation");
    let mut merged: Option<Value> = None;
    let mut items = Vec::new();
    let mut next_token = None;
    while let Some(request) = pages.next_request().cloned() {
        let sent = request.get(p.input_token).cloned();
        let page = send(request)?;
        if merged.is_none() {
            merged = Some(page.clone());
        }
        let page_items = pages.on_page(page);
        let skipped = std::mem::take(&mut skip).min(page_items.len());
        let page_items = page_items.into_iter().skip(skipped);
        match options.max_items {
            Some(max) => {
                let room = max - items.len();
                let page_items: Vec<Value> = page_items.collect();
                if page_items.len() > room {
                    next_token = Some(encode(p.input_token, sent.as_ref(), skipped + room));
                    items.extend(page_items.into_iter().take(room));
                    break;
                }
                items.extend(page_items);
                if items.len() == max {
                    if let Some(next) = pages.next_request() {
                        next_token = Some(encode(p.input_token, next.get(p.input_token), 0));
                    }
                    break;
                }
            }
            None => items.extend(page_items),
        }
    }
    let mut merged = merged.unwrap_or_else(|| Value::Object(Map::new()));
    if let Value::Object(o) = &mut merged {
        o.remove(p.output_token);
        o.insert(p.result_key.to_string(), Value::Array(items));
        if let Some(token) = next_token {
            o.insert("NextToken".into(), Value::String(token));
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ListFunctions over 10 functions, 3 a page.
    fn pages(options: &PageOptions) -> (Value, Vec<Value>) {
        let info = lambda_proto::dynamic::find("list-functions").unwrap();
        let mut sent = Vec::new();
        let out = all_pages(info, json!({}), options, |input| {
            sent.push(input.clone());
            let start: usize = input
                .get("Marker")
                .and_then(Value::as_str)
                .map_or(0, |m| m.parse().unwrap());
            let end = (start + 3).min(10);
            let items: Vec<Value> = (start..end)
                .map(|i| json!({"FunctionName": format!("f{i}")}))
                .collect();
            let mut page = json!({"Functions": items});
            if end < 10 {
                page["NextMarker"] = json!(end.to_string());
            }
            Ok(page)
        })
        .unwrap();
        (out, sent)
    }

    fn names(v: &Value) -> Vec<String> {
        v["Functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["FunctionName"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn max_items_then_starting_token_resume_mid_page() {
        let (first, _) = pages(&PageOptions {
            max_items: Some(4),
            ..Default::default()
        });
        assert_eq!(names(&first), ["f0", "f1", "f2", "f3"]);
        let token = first["NextToken"].as_str().unwrap().to_string();
        let (rest, sent) = pages(&PageOptions {
            starting_token: Some(token),
            ..Default::default()
        });
        assert_eq!(names(&rest), ["f4", "f5", "f6", "f7", "f8", "f9"]);
        assert!(rest.get("NextToken").is_none());
        assert_eq!(sent[0]["Marker"], "3");
    }

    #[test]
    fn page_size_sets_the_limit_member() {
        let (all, sent) = pages(&PageOptions {
            page_size: Some(3),
            ..Default::default()
        });
        assert_eq!(names(&all).len(), 10);
        assert!(sent.iter().all(|s| s["MaxItems"] == 3));
        let (exact, _) = pages(&PageOptions {
            max_items: Some(3),
            ..Default::default()
        });
        let (rest, _) = pages(&PageOptions {
            starting_token: exact["NextToken"].as_str().map(String::from),
            ..Default::default()
        });
        assert_eq!(names(&rest)[0], "f3");
    }
}
