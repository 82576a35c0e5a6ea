//! The catalog's guide metrics match the usage guide
//! (`docs/prometheus-metrics-guide.md`) name for name, label for label, category
//! for category; the extensions are none of the guide's names.

use std::collections::BTreeMap;

use autobot_otel::catalog::{CATALOG, Category, GUIDE_METRICS, Source, guide};

/// `(category title, name, labels)` for every metric bullet of the guide.
fn guide_metrics() -> Vec<(String, String, Vec<String>)> {
    let guide = include_str!("../../docs/prometheus-metrics-guide.md");
    let mut section = String::new();
    let mut out = Vec::new();
    for line in guide.lines() {
        if let Some(title) = line.strip_prefix("### ") {
            // "### 1. Workflow Metrics" -> "Workflow Metrics"
            section = title.split_once(". ").map_or(title, |(_, t)| t).to_string();
            continue;
        }
        let Some(rest) = line.strip_prefix("- `autobot_") else {
            continue;
        };
        let name = format!(
            "autobot_{}",
            &rest[..rest.find('`').expect("closing backtick")]
        );
        let labels = rest
            .rsplit_once("(labels: ")
            .and_then(|(_, l)| l.strip_suffix(')'))
            .expect("labels list")
            .split(',')
            .map(|l| l.trim().to_string())
            .collect();
        out.push((section.clone(), name, labels));
    }
    out
}

#[test]
fn guide_lists_56_metrics_in_8_categories() {
    let metrics = guide_metrics();
    assert_eq!(metrics.len(), 56);
    assert_eq!(metrics.len(), GUIDE_METRICS);
    let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
    for (cat, _, _) in &metrics {
        *per_category.entry(cat.as_str()).or_default() += 1;
    }
    assert_eq!(per_category.len(), 8, "{per_category:?}");
}

#[test]
fn catalog_matches_the_guide_name_for_name_and_label_for_label() {
    let listed = guide_metrics();
    assert_eq!(listed.len(), guide().count());
    for ((category, name, labels), def) in listed.iter().zip(guide()) {
        assert_eq!(name, def.name, "order or name differs");
        assert_eq!(labels, &def.labels.to_vec(), "labels of {name}");
        let title = def.category.map(|c| c.title());
        assert_eq!(Some(category.as_str()), title, "category of {name}");
    }
    for def in CATALOG.iter().filter(|d| d.source == Source::Extension) {
        assert!(
            listed.iter().all(|(_, name, _)| name != def.name),
            "{} is in the guide: not an extension",
            def.name
        );
    }
}

#[test]
fn every_category_title_appears_in_the_guide() {
    let guide = include_str!("../../docs/prometheus-metrics-guide.md");
    for cat in Category::ALL {
        assert!(guide.contains(cat.title()), "{}", cat.title());
    }
}
