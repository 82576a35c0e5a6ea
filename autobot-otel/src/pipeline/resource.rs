//! The resource of a pipeline: what the builder says, over what the
//! environment says ([`EnvResource`]: `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`), over the defaults (`service.name=autobot`, the
//! `service.version` of [`crate::builder!`], the SDK's `telemetry.sdk.*`).
//!
//! Nothing here reads the environment: the SDK's `Resource::builder()` would
//! (its detectors read the process environment, whatever the builder's
//! lookup), so the resource starts empty and takes the SDK's
//! `TelemetryResourceDetector` only, which reads nothing.

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::resource::TelemetryResourceDetector;

use super::env::EnvResource;

/// The `service.name` when neither the builder nor the environment gives one.
const DEFAULT_SERVICE_NAME: &str = "autobot";

/// The `service.version` of the resource: set in code (wins over
/// `OTEL_RESOURCE_ATTRIBUTES`) or a default from [`crate::builder!`] (loses to it).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum ServiceVersion {
    Explicit(String),
    Default(&'static str),
}

/// The resource, each attribute from the first that gives it:
/// - `service.name`: the builder ([`super::TelemetryBuilder::with_service_name`]),
///   `OTEL_SERVICE_NAME`, a `service.name` of `OTEL_RESOURCE_ATTRIBUTES`, else
///   `autobot` (as the specification says, `OTEL_SERVICE_NAME` wins over the
///   attributes' `service.name`);
/// - `service.version`: the builder, `OTEL_RESOURCE_ATTRIBUTES`, the default
///   of [`crate::builder!`];
/// - any other: the builder's attributes, then `OTEL_RESOURCE_ATTRIBUTES`,
///   then the SDK's `telemetry.sdk.*`.
pub(super) fn build_resource(
    service_name: Option<String>,
    service_version: Option<ServiceVersion>,
    mut attributes: Vec<KeyValue>,
    env: EnvResource,
) -> Resource {
    let env_names_service = env.service_name.is_some() || env.names("service.name");
    let env_names_version = env.names("service.version");
    let mut builder = Resource::builder_empty()
        .with_detector(Box::new(TelemetryResourceDetector))
        .with_attributes(env.attributes);
    if let Some(name) = env.service_name {
        builder = builder.with_service_name(name);
    }
    match service_name {
        Some(name) => builder = builder.with_service_name(name),
        None if !env_names_service => builder = builder.with_service_name(DEFAULT_SERVICE_NAME),
        None => {}
    }
    let version = match service_version {
        Some(ServiceVersion::Explicit(version)) => Some(version),
        Some(ServiceVersion::Default(version)) if !env_names_version => Some(version.to_string()),
        _ => None,
    };
    if let Some(version) = version {
        attributes.push(KeyValue::new("service.version", version));
    }
    builder.with_attributes(attributes).build()
}

#[cfg(test)]
mod tests {
    use opentelemetry::{Key, Value};

    use super::*;
    use crate::pipeline::env::EnvConfig;

    fn env(vars: &[(&str, &str)]) -> EnvResource {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        EnvConfig::read(&move |name| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
            .resource
    }

    fn get(resource: &Resource, key: &'static str) -> Option<String> {
        resource
            .get(&Key::from_static_str(key))
            .map(|v: Value| v.to_string())
    }

    #[test]
    fn service_name_from_code_then_the_variables_then_autobot() {
        let r = build_resource(None, None, vec![], env(&[]));
        assert_eq!(get(&r, "service.name").as_deref(), Some("autobot"));
        assert_eq!(get(&r, "telemetry.sdk.language").as_deref(), Some("rust"));
        assert_eq!(get(&r, "service.version"), None);

        let attrs = [("OTEL_RESOURCE_ATTRIBUTES", "service.name=attr,team=ai")];
        let r = build_resource(None, None, vec![], env(&attrs));
        assert_eq!(get(&r, "service.name").as_deref(), Some("attr"));
        assert_eq!(get(&r, "team").as_deref(), Some("ai"));

        let both = [
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=attr"),
            ("OTEL_SERVICE_NAME", "svc"),
        ];
        let r = build_resource(None, None, vec![], env(&both));
        assert_eq!(get(&r, "service.name").as_deref(), Some("svc"), "spec");
        let r = build_resource(Some("code".into()), None, vec![], env(&both));
        assert_eq!(get(&r, "service.name").as_deref(), Some("code"));

        let blank = [("OTEL_SERVICE_NAME", "  ")];
        let r = build_resource(None, None, vec![], env(&blank));
        assert_eq!(get(&r, "service.name").as_deref(), Some("autobot"));
    }

    #[test]
    fn service_version_from_code_then_the_attributes_then_the_crate() {
        let attrs = [("OTEL_RESOURCE_ATTRIBUTES", "service.version=9.9.9")];
        let default = || Some(ServiceVersion::Default("1.0.0"));
        let r = build_resource(None, default(), vec![], env(&attrs));
        assert_eq!(get(&r, "service.version").as_deref(), Some("9.9.9"));
        let r = build_resource(None, default(), vec![], env(&[]));
        assert_eq!(get(&r, "service.version").as_deref(), Some("1.0.0"));
        let explicit = Some(ServiceVersion::Explicit("2.0.0".into()));
        let r = build_resource(None, explicit, vec![], env(&attrs));
        assert_eq!(get(&r, "service.version").as_deref(), Some("2.0.0"));
    }

    #[test]
    fn attributes_in_code_win_over_the_variable() {
        let attrs = [("OTEL_RESOURCE_ATTRIBUTES", "team=env,region=eu")];
        let code = vec![KeyValue::new("team", "code")];
        let r = build_resource(None, None, code, env(&attrs));
        assert_eq!(get(&r, "team").as_deref(), Some("code"));
        assert_eq!(get(&r, "region").as_deref(), Some("eu"));
    }
}
