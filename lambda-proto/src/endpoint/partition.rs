//! Partition data (`partitions.json`) and the `aws.partition` function: which partition a
//! region belongs to, and that partition's DNS suffixes and capabilities.

use std::collections::BTreeMap;

use super::regex::Regex;
use super::{EndpointError, EndpointErrorKind};

/// What a partition offers: the outputs of the `aws.partition` function.
///
/// ```
/// use lambda_proto::endpoint::EndpointResolver;
///
/// let resolver = EndpointResolver::new()?;
/// let china = resolver.partition("cn-north-1").expect("the data has an aws-cn partition");
/// assert_eq!(china.name(), "aws-cn");
/// assert_eq!(china.dns_suffix(), "amazonaws.com.cn");
/// # Ok::<(), lambda_proto::endpoint::EndpointError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Partition {
    name: String,
    dns_suffix: String,
    dual_stack_dns_suffix: String,
    supports_fips: bool,
    supports_dual_stack: bool,
    implicit_global_region: String,
}

impl Partition {
    /// Partition name, as used in ARNs: `aws`, `aws-cn`, `aws-us-gov`, ...
    pub fn name(&self) -> &str {
        &self.name
    }

    /// DNS suffix of the partition's regular endpoints, e.g. `amazonaws.com`.
    pub fn dns_suffix(&self) -> &str {
        &self.dns_suffix
    }

    /// DNS suffix of the partition's dual-stack (IPv4 and IPv6) endpoints, e.g. `api.aws`.
    pub fn dual_stack_dns_suffix(&self) -> &str {
        &self.dual_stack_dns_suffix
    }

    /// Whether the partition offers FIPS endpoints.
    pub fn supports_fips(&self) -> bool {
        self.supports_fips
    }

    /// Whether the partition offers dual-stack endpoints.
    pub fn supports_dual_stack(&self) -> bool {
        self.supports_dual_stack
    }

    /// The region that global endpoints of the partition sign for, e.g. `us-east-1`.
    pub fn implicit_global_region(&self) -> &str {
        &self.implicit_global_region
    }
}

/// Per-region overrides of the partition outputs (usually empty).
#[derive(Default, Clone)]
struct Overrides {
    name: Option<String>,
    dns_suffix: Option<String>,
    dual_stack_dns_suffix: Option<String>,
    supports_fips: Option<bool>,
    supports_dual_stack: Option<bool>,
    implicit_global_region: Option<String>,
}

struct PartitionData {
    id: String,
    regex: Regex,
    regions: BTreeMap<String, Overrides>,
    outputs: Partition,
}

/// A `partitions.json` document, parsed the first time a rule asks for a partition: a
/// custom endpoint URL never needs it.
pub(crate) struct LazyPartitions {
    json: Box<str>,
    parsed: std::sync::OnceLock<Result<Partitions, EndpointError>>,
}

impl LazyPartitions {
    /// Keeps `json` to parse on first use.
    pub(crate) fn new(json: &str) -> Self {
        Self {
            json: json.into(),
            parsed: std::sync::OnceLock::new(),
        }
    }

    /// The parsed partitions, or why they cannot be parsed.
    pub(crate) fn get(&self) -> Result<&Partitions, EndpointError> {
        self.parsed
            .get_or_init(|| Partitions::from_json(&self.json))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// All partitions, in file order.
pub(crate) struct Partitions {
    list: Vec<PartitionData>,
}

/// Partition used for a region that no partition lists or matches.
const DEFAULT_PARTITION: &str = "aws";

impl Partitions {
    /// Parses a `partitions.json` document.
    pub(crate) fn from_json(json: &str) -> Result<Self, EndpointError> {
        let err = |m: String| EndpointError::new(EndpointErrorKind::InvalidRuleSet, m);
        let file: Json = serde_json::from_str(json).map_err(|e| {
            err(format!(
                "partition data: not valid JSON of the expected shape: {e}"
            ))
        })?;
        let shape = |what: &str| err(format!("partition data: {what}"));
        let entries = file
            .get("partitions")
            .and_then(Json::as_array)
            .ok_or_else(|| shape("no `partitions` array"))?;
        let mut list = Vec::with_capacity(entries.len());
        for entry in entries {
            let id = text(entry, "id").ok_or_else(|| shape("a partition without `id`"))?;
            let field = |what: &str| shape(&format!("partition {id:?}: {what}"));
            let region_regex =
                text(entry, "regionRegex").ok_or_else(|| field("no `regionRegex`"))?;
            let regex =
                Regex::new(&region_regex).map_err(|e| field(&format!("regionRegex: {e}")))?;
            let o = overrides(entry.get("outputs"))
                .ok_or_else(|| field("`outputs` is not an object"))?;
            let missing = |key: &str| field(&format!("outputs: no `{key}`"));
            let outputs = Partition {
                name: o.name.ok_or_else(|| missing("name"))?,
                dns_suffix: o.dns_suffix.ok_or_else(|| missing("dnsSuffix"))?,
                dual_stack_dns_suffix: o
                    .dual_stack_dns_suffix
                    .ok_or_else(|| missing("dualStackDnsSuffix"))?,
                supports_fips: o.supports_fips.ok_or_else(|| missing("supportsFIPS"))?,
                supports_dual_stack: o
                    .supports_dual_stack
                    .ok_or_else(|| missing("supportsDualStack"))?,
                implicit_global_region: o.implicit_global_region.unwrap_or_default(),
            };
            let mut regions = BTreeMap::new();
            if let Some(listed) = entry.get("regions").and_then(Json::as_object) {
                for (region, value) in listed {
                    let o = overrides(Some(value))
                        .ok_or_else(|| field(&format!("region {region:?} is not an object")))?;
                    regions.insert(region.clone(), o);
                }
            }
            list.push(PartitionData {
                id,
                regex,
                regions,
                outputs,
            });
        }
        Ok(Partitions { list })
    }

    /// The partition of `region`: the one listing it explicitly, else the first whose
    /// `regionRegex` matches, else the `aws` partition. `None` only if the data has no
    /// `aws` partition.
    pub(crate) fn resolve(&self, region: &str) -> Option<Partition> {
        if let Some((p, overrides)) = self
            .list
            .iter()
            .find_map(|p| p.regions.get(region).map(|o| (p, o)))
        {
            return Some(apply(&p.outputs, overrides));
        }
        self.list
            .iter()
            .find(|p| p.regex.is_match(region))
            .or_else(|| self.list.iter().find(|p| p.id == DEFAULT_PARTITION))
            .map(|p| p.outputs.clone())
    }
}

type Json = serde_json::Value;

/// The string member `key` of `object`.
fn text(object: &Json, key: &str) -> Option<String> {
    object.get(key)?.as_str().map(str::to_owned)
}

/// The partition outputs an object gives (all optional); `None` when it is not an object.
fn overrides(value: Option<&Json>) -> Option<Overrides> {
    let value = value.filter(|v| v.is_object())?;
    let flag = |key: &str| value.get(key).and_then(Json::as_bool);
    Some(Overrides {
        name: text(value, "name"),
        dns_suffix: text(value, "dnsSuffix"),
        dual_stack_dns_suffix: text(value, "dualStackDnsSuffix"),
        supports_fips: flag("supportsFIPS"),
        supports_dual_stack: flag("supportsDualStack"),
        implicit_global_region: text(value, "implicitGlobalRegion"),
    })
}

fn apply(base: &Partition, o: &Overrides) -> Partition {
    let o = o.clone();
    Partition {
        name: o.name.unwrap_or_else(|| base.name.clone()),
        dns_suffix: o.dns_suffix.unwrap_or_else(|| base.dns_suffix.clone()),
        dual_stack_dns_suffix: o
            .dual_stack_dns_suffix
            .unwrap_or_else(|| base.dual_stack_dns_suffix.clone()),
        supports_fips: o.supports_fips.unwrap_or(base.supports_fips),
        supports_dual_stack: o.supports_dual_stack.unwrap_or(base.supports_dual_stack),
        implicit_global_region: o
            .implicit_global_region
            .unwrap_or_else(|| base.implicit_global_region.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Partitions {
        Partitions::from_json(include_str!("../../model/partitions.json")).expect("model parses")
    }

    #[test]
    fn explicit_regions_and_regexes() {
        let p = data();
        let name = |r: &str| p.resolve(r).map(|x| x.name);
        // Explicitly listed regions.
        assert_eq!(name("us-east-1").as_deref(), Some("aws"));
        assert_eq!(name("aws-global").as_deref(), Some("aws"));
        assert_eq!(name("aws-cn-global").as_deref(), Some("aws-cn"));
        assert_eq!(name("aws-us-gov-global").as_deref(), Some("aws-us-gov"));
        assert_eq!(name("us-isof-south-1").as_deref(), Some("aws-iso-f"));
        // Regions only matched by a partition's regionRegex.
        assert_eq!(name("us-west-9").as_deref(), Some("aws"));
        assert_eq!(name("cn-south-7").as_deref(), Some("aws-cn"));
        assert_eq!(name("us-gov-north-3").as_deref(), Some("aws-us-gov"));
        assert_eq!(name("us-iso-north-2").as_deref(), Some("aws-iso"));
        assert_eq!(name("us-isob-north-2").as_deref(), Some("aws-iso-b"));
        assert_eq!(name("eu-isoe-east-4").as_deref(), Some("aws-iso-e"));
        assert_eq!(name("us-isof-west-2").as_deref(), Some("aws-iso-f"));
        assert_eq!(name("eusc-de-west-2").as_deref(), Some("aws-eusc"));
        // Anything else falls back to aws.
        assert_eq!(name("mars-east-1").as_deref(), Some("aws"));
        assert_eq!(name("").as_deref(), Some("aws"));
    }

    #[test]
    fn overrides_apply() {
        let json = r#"{"partitions":[{"id":"aws","regionRegex":"^x$","regions":{"r1":{"supportsFIPS":false,"dnsSuffix":"example.org"}},
            "outputs":{"name":"aws","dnsSuffix":"a","dualStackDnsSuffix":"b","supportsFIPS":true,"supportsDualStack":true,"implicitGlobalRegion":"g"}}]}"#;
        let p = Partitions::from_json(json).expect("parses");
        let r1 = p.resolve("r1").expect("found");
        assert!(!r1.supports_fips());
        assert_eq!(r1.dns_suffix(), "example.org");
        assert_eq!(r1.dual_stack_dns_suffix(), "b");
        let other = p.resolve("r2").expect("default");
        assert!(other.supports_fips());
        assert_eq!(other.dns_suffix(), "a");
    }

    #[test]
    fn no_default_partition_means_none() {
        let json = r#"{"partitions":[{"id":"other","regionRegex":"^x$","regions":{},
            "outputs":{"name":"other","dnsSuffix":"a","dualStackDnsSuffix":"b","supportsFIPS":true,"supportsDualStack":true}}]}"#;
        let p = Partitions::from_json(json).expect("parses");
        assert!(p.resolve("x").is_some());
        assert!(p.resolve("y").is_none());
    }

    #[test]
    fn bad_data_is_an_error() {
        assert!(Partitions::from_json("{").is_err());
        let bad_regex = r#"{"partitions":[{"id":"aws","regionRegex":"^(x$","regions":{},
            "outputs":{"name":"aws","dnsSuffix":"a","dualStackDnsSuffix":"b","supportsFIPS":true,"supportsDualStack":true}}]}"#;
        let e = Partitions::from_json(bad_regex).err().expect("rejected");
        assert!(e.to_string().contains("regionRegex"), "{e}");
    }
}
