//! Rust names for model names.

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// `FunctionName` -> `function_name`, `KMSKeyArn` -> `kms_key_arn`.
pub fn snake(name: &str) -> String {
    let name = name.replace("IPv6", "Ipv6");
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                if prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next_lower)
                {
                    out.push('_');
                }
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    out
}

/// A field or function name, with `r#` for keywords.
pub fn field(name: &str) -> String {
    let s = snake(name);
    if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// `GetFunction` -> `get-function` (the AWS CLI's command names).
pub fn kebab(name: &str) -> String {
    snake(name).replace('_', "-")
}

/// An enum value as a variant name: `nodejs18.x` -> `Nodejs18X`, `AWS_IAM` -> `AwsIam`.
pub fn variant(value: &str) -> String {
    let mut out = String::new();
    for part in value.split(|c: char| !c.is_ascii_alphanumeric()) {
        if part.is_empty() {
            continue;
        }
        let all_upper = part
            .chars()
            .all(|c| !c.is_ascii_alphabetic() || c.is_ascii_uppercase());
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            let rest: String = chars.collect();
            if all_upper {
                out.push_str(&rest.to_ascii_lowercase());
            } else {
                out.push_str(&rest);
            }
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases() {
        for (model, rust) in [
            ("FunctionName", "function_name"),
            ("KMSKeyArn", "kms_key_arn"),
            ("S3Bucket", "s3_bucket"),
            ("retryAfterSeconds", "retry_after_seconds"),
            ("IPv6AllowedForDualStack", "ipv6_allowed_for_dual_stack"),
            ("FunctionARN", "function_arn"),
            ("Type", "type"),
        ] {
            assert_eq!(snake(model), rust);
        }
        assert_eq!(field("Type"), "r#type");
        assert_eq!(kebab("GetFunctionUrlConfig"), "get-function-url-config");
    }

    #[test]
    fn variants() {
        for (value, name) in [
            ("nodejs18.x", "Nodejs18X"),
            ("python3.10", "Python310"),
            ("x86_64", "X8664"),
            ("AWS_IAM", "AwsIam"),
            ("EC2RequestLimitExceeded", "EC2RequestLimitExceeded"),
            ("FunctionError.InitTimeout", "FunctionErrorInitTimeout"),
            ("ALL", "All"),
        ] {
            assert_eq!(variant(value), name);
        }
    }
}
