//! The `User-Agent` both drivers send, in the AWS SDKs' format: this crate and its
//! version, the API, the OS, the Rust version, the driver, and the application id of
//! `AWS_SDK_UA_APP_ID` / `sdk_ua_app_id` when one is set.
//!
//! ```
//! use lambda_proto::user_agent::user_agent;
//!
//! let ua = user_agent("lambda-blocking", "0.1.0", Some("my app/1"));
//! assert!(ua.starts_with("lambda-proto/"));
//! assert!(ua.contains(" api/lambda#2015-03-31 "));
//! assert!(ua.contains(" md/driver#lambda-blocking_0.1.0"));
//! assert!(ua.ends_with(" app/my-app-1"));
//! ```

/// The API version of the model.
const API_VERSION: &str = "2015-03-31";

/// The header value for `driver` (its crate name and version) and an application id.
pub fn user_agent(driver: &str, driver_version: &str, app_id: Option<&str>) -> String {
    let mut ua = format!(
        "lambda-proto/{} ua/2.1 api/lambda#{API_VERSION} os/{} lang/rust#{} md/driver#{}_{}",
        env!("CARGO_PKG_VERSION"),
        token(std::env::consts::OS),
        token(env!("LAMBDA_RUSTC_VERSION")),
        token(driver),
        token(driver_version),
    );
    if let Some(app) = app_id.filter(|a| !a.is_empty()) {
        ua.push_str(" app/");
        ua.push_str(&token(app));
    }
    ua
}

/// A value as a User-Agent token: characters other than letters, digits and
/// ``!$%&'*+-.^_`|~`` become `-`, as the AWS SDKs do.
fn token(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!$%&'*+-.^_`|~".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_tokens() {
        assert_eq!(token("my app/1 (beta)"), "my-app-1--beta-");
        assert_eq!(token("a\r\nb"), "a--b");
        let ua = user_agent("lambda-async", "0.1.0", Some("x\r\ny"));
        assert!(http::HeaderValue::from_str(&ua).is_ok(), "{ua}");
        assert!(!ua.contains('\r'));
        assert!(!user_agent("d", "1", Some("")).contains("app/"));
    }
}
