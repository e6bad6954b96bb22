//! SigV4 header signing written again from the rules, for the `sigv4` target to compare
//! the signer against. It shares no code with `lambda_proto::sigv4`; the `fuzz_corpus`
//! test of `lambda-proto` checks it against the public SigV4 test suite.
//!
//! The rules (those for services other than S3): the path is normalized (empty and `.`
//! segments dropped, `..` drops the segment before it, a trailing slash kept) and each
//! segment URI-encoded, `%` included; query names and values are decoded (`+` is a space)
//! and encoded again, then sorted; header names are lowercased, the values of one name
//! joined with `,`, each value trimmed with runs of spaces folded into one.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A request to sign and what to sign it with.
pub struct Request<'a> {
    /// The method, e.g. `GET`.
    pub method: &'a str,
    /// The path as sent (percent-encoded on the wire).
    pub path: &'a str,
    /// The query as sent, without `?`.
    pub query: &'a str,
    /// Every header that is signed, names in any case, in the order sent.
    pub headers: Vec<(&'a str, &'a [u8])>,
    /// The body.
    pub body: &'a [u8],
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
    /// The access key id.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// The region.
    pub region: &'a str,
    /// The service.
    pub service: &'a str,
}

/// The result of every stage.
pub struct Signed {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The signature, lowercase hex.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// Signs `r`, or `None` when a header value cannot be signed (a byte that is neither
/// visible ASCII nor a space), which the signer refuses too.
pub fn sign(r: &Request<'_>) -> Option<Signed> {
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &r.headers {
        let value = canonical_value(value)?;
        headers
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value);
    }
    let canonical_headers: String = headers
        .iter()
        .map(|(name, values)| format!("{name}:{}\n", values.join(",")))
        .collect();
    let signed_headers = headers.keys().cloned().collect::<Vec<_>>().join(";");
    let canonical_request = [
        r.method,
        &canonical_uri(r.path),
        &canonical_query(r.query),
        &canonical_headers,
        &signed_headers,
        &hex(&Sha256::digest(r.body)),
    ]
    .join("\n");

    let date = r.amz_date.get(..8)?;
    let scope = format!("{date}/{}/{}/aws4_request", r.region, r.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        r.amz_date,
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = format!("AWS4{}", r.secret_access_key).into_bytes();
    for part in [date, r.region, r.service, "aws4_request"] {
        key = hmac(&key, part);
    }
    let signature = hex(&hmac(&key, &string_to_sign));
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        r.access_key_id
    );
    Some(Signed {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    })
}

/// A header value trimmed, runs of spaces folded; `None` if it has a byte other than
/// visible ASCII or a space.
pub fn canonical_value(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?;
    if !text.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return None;
    }
    Some(
        text.split(' ')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The normalized path with every segment encoded (again).
pub fn canonical_uri(path: &str) -> String {
    let mut segments = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out: String = segments
        .iter()
        .map(|s| format!("/{}", encode(s.as_bytes())))
        .collect();
    let directory = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if out.is_empty() || directory {
        out.push('/');
    }
    out
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (encode(&decode(name)), encode(&decode(value)))
        })
        .collect();
    pairs.sort();
    let pairs: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
    pairs.join("&")
}

/// Every byte but `A-Z a-z 0-9 - _ . ~` as `%XX`.
fn encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `%XX` (two hex digits) decoded and `+` read as a space; anything else as it is.
fn decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        match (bytes[i], escape) {
            (b'%', Some(h)) => {
                let h = std::str::from_utf8(h).expect("hex digits are ASCII");
                out.push(u8::from_str_radix(h, 16).expect("two hex digits"));
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
