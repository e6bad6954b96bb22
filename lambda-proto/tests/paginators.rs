//! Every paginator of `paginators-1.json`, read at test time with `service-2.json`, driven
//! across three synthetic pages: typed ([`Paginator`]) and JSON ([`JsonPaginator`]).

use lambda_proto::dynamic::{self, JsonPaginator};
use lambda_proto::endpoint::Endpoint;
use lambda_proto::operations::*;
use lambda_proto::paginate::{Paginated, Paginator};
use serde_json::{json, Map, Value};

fn read_model(name: &str) -> Value {
    let path = format!("{}/model/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// One paginator's facts, from the model files alone.
struct Facts {
    name: String,
    input_token: String,
    output_token: String,
    result_key: String,
    limit_key: String,
    /// The input with each required member set to a valid string.
    input: Value,
    /// The query parameter the input token travels in.
    token_query: String,
    /// The string member of an item that tells items apart (`None`: items are strings).
    item_member: Option<String>,
}

fn facts(service: &Value, name: &str, p: &Value) -> Facts {
    let shapes = &service["shapes"];
    let op = &service["operations"][name];
    let input_shape = &shapes[op["input"]["shape"].as_str().unwrap()];
    let output_shape = &shapes[op["output"]["shape"].as_str().unwrap()];
    let s = |v: &Value, k: &str| v[k].as_str().unwrap().to_string();
    let (input_token, output_token, result_key) = (
        s(p, "input_token"),
        s(p, "output_token"),
        s(p, "result_key"),
    );
    let mut input = Map::new();
    for member in input_shape["required"].as_array().into_iter().flatten() {
        let member = member.as_str().unwrap();
        let target = &shapes[input_shape["members"][member]["shape"].as_str().unwrap()];
        assert_eq!(target["type"], "string", "{name}.{member}");
        let len = target["min"].as_u64().unwrap_or(1).max(1) as usize;
        input.insert(member.into(), json!("a".repeat(len)));
    }
    let token_member = &input_shape["members"][&input_token];
    assert_eq!(token_member["location"], "querystring", "{name}");
    let list = &shapes[output_shape["members"][&result_key]["shape"]
        .as_str()
        .unwrap()];
    let item = &shapes[list["member"]["shape"].as_str().unwrap()];
    let is_plain_string = |m: &Value| {
        let t = &shapes[m["shape"].as_str().unwrap()];
        t["type"] == "string" && t.get("enum").is_none()
    };
    let item_member = match item["type"].as_str().unwrap() {
        "string" => None,
        "structure" => {
            let members = item["members"].as_object().unwrap();
            let required: Vec<&str> = item["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let pick = members
                .iter()
                .filter(|(_, m)| is_plain_string(m))
                .min_by_key(|(k, _)| !required.contains(&k.as_str()))
                .map(|(k, _)| k.clone());
            Some(pick.unwrap_or_else(|| panic!("{name}: no string member in an item")))
        }
        other => panic!("{name}: items of type {other}"),
    };
    Facts {
        name: name.into(),
        input_token,
        output_token,
        result_key,
        limit_key: s(p, "limit_key"),
        input: Value::Object(input),
        token_query: s(token_member, "locationName"),
        item_member,
    }
}

impl Facts {
    fn item(&self, page: usize, i: usize) -> Value {
        let id = format!("item-{page}-{i}");
        match &self.item_member {
            None => json!(id),
            Some(member) => json!({ member: id }),
        }
    }

    /// Page `page` (1-based) of three: 2, 1 and 3 items; the last has no output token.
    fn page(&self, page: usize) -> Value {
        let items: Vec<Value> = (0..[2, 1, 3][page - 1])
            .map(|i| self.item(page, i))
            .collect();
        let mut out = json!({ &self.result_key: items });
        if page < 3 {
            out[&self.output_token] = json!(format!("token-{page}"));
        }
        out
    }

    fn all_items(&self) -> Vec<Value> {
        (1..=3)
            .flat_map(|p| {
                let n = [2, 1, 3][p - 1];
                (0..n).map(move |i| (p, i))
            })
            .map(|(p, i)| self.item(p, i))
            .collect()
    }

    /// The request's query parameter for the input token.
    fn token_sent(&self, request: &http::Request<bytes::Bytes>) -> Option<String> {
        let query = request.uri().query().unwrap_or_default();
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == self.token_query).then(|| v.to_string())
        })
    }
}

fn endpoint() -> Endpoint {
    Endpoint::parse("https://lambda.us-east-1.amazonaws.com").unwrap()
}

/// The body the service would send for `output`.
fn response(output: &Value) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(output).unwrap())
        .unwrap()
}

fn check_typed<O>(f: &Facts)
where
    O: Paginated + serde::Serialize + serde::de::DeserializeOwned,
    O::Item: serde::Serialize,
{
    let name = &f.name;
    assert_eq!(O::NAME, name);
    let first: O = serde_json::from_value(f.input.clone()).unwrap();
    let mut pages = Paginator::new(first.clone());
    let mut items = Vec::new();
    for page in 1..=3 {
        let op = pages.next_request().expect("a page to read").clone();
        let sent = serde_json::to_value(&op).unwrap();
        let request = op.build(&endpoint()).unwrap();
        if page == 1 {
            assert_eq!(sent, f.input, "{name}: the first request is the input");
            assert_eq!(f.token_sent(&request), None, "{name}");
        } else {
            // The previous page's token, in the model's input member and on the wire.
            let token = format!("token-{}", page - 1);
            let mut want = f.input.clone();
            want[&f.input_token] = json!(token);
            assert_eq!(sent, want, "{name}: page {page}");
            assert_eq!(f.token_sent(&request), Some(token), "{name}");
        }
        let output = O::parse(response(&f.page(page))).unwrap();
        items.extend(pages.on_page(output));
        assert_eq!(pages.is_done(), page == 3, "{name}: after page {page}");
    }
    assert!(pages.next_request().is_none(), "{name}");
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            let v = serde_json::to_value(i).unwrap();
            match &f.item_member {
                None => v,
                Some(m) => json!({ m: v[m] }),
            }
        })
        .collect();
    assert_eq!(
        items,
        f.all_items(),
        "{name}: the items of all pages, in order"
    );

    // The service repeating the token it was sent ends the walk too.
    let mut pages = Paginator::new(first.clone());
    pages.on_page(O::parse(response(&f.page(1))).unwrap());
    let mut repeat = f.page(2);
    repeat[&f.output_token] = json!("token-1");
    pages.on_page(O::parse(response(&repeat)).unwrap());
    assert!(pages.is_done(), "{name}: a repeated token");

    // The page size goes in the model's limit member.
    let sized = Paginator::with_page_size(first, 7);
    let sized = serde_json::to_value(sized.next_request().unwrap()).unwrap();
    assert_eq!(sized[&f.limit_key], 7, "{name}");
}

fn check_json(f: &Facts) {
    let name = &f.name;
    let info = dynamic::find(name).unwrap();
    let p = info.paginator.expect("the table knows it pages");
    assert_eq!(
        (p.input_token, p.output_token, p.result_key, p.limit_key),
        (
            f.input_token.as_str(),
            f.output_token.as_str(),
            f.result_key.as_str(),
            Some(f.limit_key.as_str())
        ),
        "{name}"
    );
    let mut pages = JsonPaginator::new(info, f.input.clone()).unwrap();
    let mut items = Vec::new();
    for page in 1..=3 {
        let input = pages.next_request().expect("a page to read").clone();
        let request = info.build(&input, &endpoint()).unwrap();
        let want_token = (page > 1).then(|| format!("token-{}", page - 1));
        assert_eq!(f.token_sent(&request), want_token, "{name}: page {page}");
        // The output as the table renders it from the service's answer.
        let output = info.parse(response(&f.page(page))).unwrap();
        items.extend(pages.on_page(output));
    }
    assert!(pages.is_done(), "{name}");
    let items: Vec<Value> = items
        .into_iter()
        .map(|v| match &f.item_member {
            None => v,
            Some(m) => json!({ m: v[m] }),
        })
        .collect();
    assert_eq!(items, f.all_items(), "{name}");
}

macro_rules! paginators {
    ($($op:ident),* $(,)?) => {
        fn check(f: &Facts) {
            match f.name.as_str() {
                $(stringify!($op) => check_typed::<$op>(f),)*
                other => panic!("paginator {other} of the model has no case in this test"),
            }
            check_json(f);
        }
    };
}

paginators!(
    GetDurableExecutionHistory,
    GetDurableExecutionState,
    ListAliases,
    ListCapacityProviders,
    ListCodeSigningConfigs,
    ListDurableExecutionsByFunction,
    ListEventSourceMappings,
    ListFunctionEventInvokeConfigs,
    ListFunctionUrlConfigs,
    ListFunctionVersionsByCapacityProvider,
    ListFunctions,
    ListFunctionsByCodeSigningConfig,
    ListLayerVersions,
    ListLayers,
    ListProvisionedConcurrencyConfigs,
    ListVersionsByFunction,
);

#[test]
fn every_paginator_follows_the_model_across_three_pages() {
    let service = read_model("service-2.json");
    let model = read_model("paginators-1.json");
    let pagination = model["pagination"].as_object().unwrap();
    for (name, p) in pagination {
        check(&facts(&service, name, p));
    }
    assert_eq!(pagination.len(), 16);
    // And no operation outside the model pages.
    let paged: Vec<&str> = dynamic::operations()
        .iter()
        .filter(|o| o.is_paginated())
        .map(|o| o.name)
        .collect();
    let mut want: Vec<&str> = pagination.keys().map(String::as_str).collect();
    want.sort();
    assert_eq!(paged, want);
}

#[test]
fn a_json_walk_stops_on_an_empty_or_repeated_token() {
    let info = dynamic::find("ListFunctions").unwrap();
    let mut pages = JsonPaginator::new(info, json!({"Marker": "m"})).unwrap();
    pages.on_page(json!({"Functions": [], "NextMarker": "m"}));
    assert!(pages.is_done());
    let mut pages = JsonPaginator::new(info, json!({})).unwrap();
    pages.on_page(json!({"Functions": [], "NextMarker": ""}));
    assert!(pages.is_done());
    assert!(JsonPaginator::new(dynamic::find("GetFunction").unwrap(), json!({})).is_none());
}
