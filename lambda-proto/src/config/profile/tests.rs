use super::*;
use proptest::prelude::*;
use serde_json::Value;

/// Runs the cross-SDK profile parser suite.
#[test]
fn cross_sdk_parser_suite() {
    let suite: Value = serde_json::from_str(include_str!(
        "../../../tests/data/profile-parser-tests.json"
    ))
    .unwrap();
    let tests = suite["tests"].as_array().unwrap();
    assert!(tests.len() > 60);
    for t in tests {
        let name = t["name"].as_str().unwrap();
        let config = t["input"]["configFile"].as_str();
        let credentials = t["input"]["credentialsFile"].as_str();
        let got = ProfileSet::parse(config, credentials);
        let out = &t["output"];
        if let Some(expected) = out["errorContaining"].as_str() {
            let err = got.expect_err(name).to_string();
            assert!(err.contains(expected), "{name}: {err}");
            continue;
        }
        let set = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        check_sections(name, &out["config"]["profiles"], &set, false);
        check_sections(name, &out["config"]["sso_sessions"], &set, true);
    }
}

fn check_sections(name: &str, expected: &Value, set: &ProfileSet, sso: bool) {
    let expected = expected.as_object().cloned().unwrap_or_default();
    let mut want: Vec<&str> = expected.keys().map(String::as_str).collect();
    want.sort();
    let got: Vec<&str> = if sso {
        set.sso_session_names().collect()
    } else {
        set.profile_names().collect()
    };
    assert_eq!(got, want, "{name}: section names");
    for (section, props) in &expected {
        let s = if sso {
            set.sso_session(section)
        } else {
            set.profile(section)
        }
        .unwrap();
        let props = props.as_object().unwrap();
        assert_eq!(s.len(), props.len(), "{name}: [{section}] {s:?}");
        for (k, v) in props {
            assert_eq!(s.get(k), v.as_str(), "{name}: [{section}] {k}");
        }
    }
}

#[test]
fn errors_name_file_and_line() {
    use FileKind::*;
    use ParseErrorReason::*;
    macro_rules! case {
        ($config:expr, $creds:expr => $file:expr, $line:expr, $reason:expr) => {
            let err = ProfileSet::parse($config, $creds).unwrap_err();
            assert_eq!(
                (err.file(), err.line(), err.reason()),
                ($file, $line, $reason),
                "{err}"
            );
        };
    }
    case!(Some("[default]\nregion = x\n[profile b"), None => Config, 3, UnclosedSection);
    case!(Some("# c\n\nregion = x"), None => Config, 3, PropertyOutsideSection);
    case!(Some("  indented"), None => Config, 1, PropertyOutsideSection);
    case!(Some("[default]\n\n  x"), None => Config, 3, ContinuationWithoutProperty);
    case!(Some("[default]\nregion"), None => Config, 2, MissingEquals);
    case!(Some("[default]\n = x"), None => Config, 2, ContinuationWithoutProperty);
    case!(Some("[default]\n= x"), None => Config, 2, EmptyName);
    case!(Some("[default]\ns =\n  a = 1\n  b"), None => Config, 4, SubPropertyMissingEquals);
    case!(Some("[default]\ns =\n  =1"), None => Config, 3, SubPropertyEmptyName);
    case!(Some("[default]\r\na = 1\r\nb\r\n"), None => Config, 3, MissingEquals);
    case!(Some("[default]"), Some("[default]\nkey = v\nbroken") => Credentials, 3, MissingEquals);
    case!(None, Some("x = 1") => Credentials, 1, PropertyOutsideSection);
    let err = ProfileSet::parse(None, Some("\n[a")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "credentials file, line 2: Profile definition must end with ']'"
    );
}

#[test]
fn sections_and_lookups() {
    let config = "\
[default]
region = us-east-1
[profile dev]
Region = eu-west-1 ; comment
services = local
[profile dev]
output = json
[sso-session corp]
sso_region = us-east-1
[services local]
lambda =
  endpoint_url = http://127.0.0.1:5000  # moto
  ENDPOINT_URL = http://127.0.0.1:5001
s3 =
  endpoint_url = http://127.0.0.1:9000
[dev]
region = ignored
[plugins]
x = 1
[unknown thing]
y = 2
";
    let credentials = "\
[dev]
aws_access_key_id = AKID
[profile dev]
aws_access_key_id = IGNORED
";
    let set = ProfileSet::parse(Some(config), Some(credentials)).unwrap();
    assert_eq!(set.profile_names().collect::<Vec<_>>(), ["default", "dev"]);
    let dev = set.profile("dev").unwrap();
    assert_eq!(dev.name(), "dev");
    assert_eq!(dev.get("region"), Some("eu-west-1"));
    assert_eq!(dev.get("REGION"), Some("eu-west-1"));
    assert_eq!(dev.get("output"), Some("json"));
    assert_eq!(dev.get("aws_access_key_id"), Some("AKID"));
    let p = dev.property("aws_access_key_id").unwrap();
    assert_eq!((p.file(), p.line()), (FileKind::Credentials, 2));
    let p = dev.property("region").unwrap();
    assert_eq!((p.file(), p.line()), (FileKind::Config, 4));
    assert!(set.profile("Dev").is_none());
    assert_eq!(
        set.sso_session("corp").unwrap().get("sso_region"),
        Some("us-east-1")
    );
    let local = set.services("local").unwrap();
    let lambda = local.property("lambda").unwrap();
    assert_eq!(
        lambda.sub_properties().collect::<Vec<_>>(),
        [
            ("endpoint_url", "http://127.0.0.1:5000"),
            ("ENDPOINT_URL", "http://127.0.0.1:5001")
        ]
    );
    assert_eq!(
        lambda.sub_property("endpoint_url"),
        Some("http://127.0.0.1:5001")
    );
    assert_eq!(
        local.property("s3").unwrap().sub_property("Endpoint_Url"),
        Some("http://127.0.0.1:9000")
    );
    // A value with continuation lines has no sub-properties.
    let set2 = ProfileSet::parse(Some("[default]\na = b\n  c = d"), None).unwrap();
    let a = set2.profile("default").unwrap().property("a").unwrap();
    assert_eq!(a.value(), "b\nc = d");
    assert_eq!(a.sub_properties().count(), 0);

    let warnings: Vec<(FileKind, usize)> = set
        .warnings()
        .iter()
        .map(|w| (w.file(), w.line()))
        .collect();
    assert_eq!(
        warnings,
        [
            (FileKind::Config, 16),
            (FileKind::Config, 18),
            (FileKind::Config, 20),
            (FileKind::Credentials, 3)
        ]
    );
    let first = set.warnings()[0].to_string();
    assert!(
        first.contains("[profile dev]") && first.contains("config file, line 16"),
        "{first}"
    );
}

#[test]
fn warnings_for_ignored_keys_and_defaults() {
    let set = ProfileSet::parse(
        Some("[default]\na = 1\n[profile default]\nb = 2\nbad key = 3\n"),
        None,
    )
    .unwrap();
    let d = set.profile("default").unwrap();
    assert_eq!(d.get("a"), None);
    assert_eq!(d.get("b"), Some("2"));
    let lines: Vec<usize> = set.warnings().iter().map(Warning::line).collect();
    assert_eq!(lines, [1, 5]);
    assert!(set.warnings()[1].message().contains("\"bad key\""));
}

#[test]
fn debug_redacts_secrets() {
    let set = ProfileSet::parse(
        None,
        Some("[default]\naws_access_key_id = AKIDVISIBLE\naws_secret_access_key = SEKRIT1\naws_session_token = SEKRIT2\n"),
    )
    .unwrap();
    let dbg = format!("{set:?}");
    assert!(dbg.contains("AKIDVISIBLE"), "{dbg}");
    assert!(!dbg.contains("SEKRIT"), "{dbg}");
    assert!(dbg.contains("redacted"), "{dbg}");
    let section = set.profile("default").unwrap();
    let p = format!("{:?}", section.property("aws_secret_access_key").unwrap());
    assert!(!p.contains("SEKRIT") && p.contains("redacted"), "{p}");
    let p = format!("{:?}", section.property("aws_access_key_id").unwrap());
    assert!(p.contains("AKIDVISIBLE"), "{p}");
}

fn ini_fragment() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "[",
        "]",
        "[profile ",
        "[default]",
        "[sso-session s]",
        "[services x]",
        "profile",
        " ",
        "\t",
        "\n",
        "\r\n",
        "=",
        " = ",
        "#",
        ";",
        "key",
        "Region",
        "lambda =\n  endpoint_url = u",
        "  continued",
        "é",
        "😂",
        "\u{0}",
        "%@:+",
        "\r",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}", creds in "\\PC{0,100}") {
        let _ = ProfileSet::parse(Some(&text), Some(&creds));
        let _ = ProfileSet::parse(None, Some(&text));
    }

    #[test]
    fn ini_like_text_never_panics(parts in prop::collection::vec(ini_fragment(), 0..60)) {
        let text: String = parts.concat();
        if let Ok(set) = ProfileSet::parse(Some(&text), Some(&text)) {
            for name in set.profile_names() {
                let section = set.profile(name).unwrap();
                for (k, p) in section.properties() {
                    prop_assert_eq!(k, k.to_ascii_lowercase());
                    let _ = p.sub_properties().count();
                    prop_assert!(p.line() >= 1);
                }
            }
            let _ = format!("{set:?}");
        } else if let Err(e) = ProfileSet::parse(Some(&text), None) {
            prop_assert!(e.line() >= 1 && e.line() <= text.split('\n').count());
        }
    }
}
