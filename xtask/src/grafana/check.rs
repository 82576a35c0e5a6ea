//! A strict structural check of a dashboard's JSON, in place of a schema:
//! Grafana's `@grafana/schema` npm package (13.2.3) ships TypeScript types and
//! JavaScript only (no JSON schema, no CUE), so the subset of its `Dashboard`,
//! `Panel`, `RowPanel`, `GridPos`, `VariableModel` and `DashboardLink` types that
//! the generator writes is checked here.

use serde_json::Value;

/// The fields `DashboardLink` requires (`dist/types/raw/dashboard/x/types.gen.d.ts`).
pub const LINK_FIELDS: [&str; 9] = [
    "asDropdown",
    "icon",
    "includeVars",
    "keepTime",
    "tags",
    "targetBlank",
    "title",
    "tooltip",
    "type",
];

/// The panel types the generator writes.
pub const PANEL_TYPES: [&str; 5] = ["timeseries", "stat", "heatmap", "text", "row"];

/// Every problem of `board`: ids unique, `gridPos` inside 24 columns and
/// panels not overlapping, required fields present with their types, every
/// datasource reference a defined datasource variable, every `$var` used in a
/// query, link, title or variable query a defined variable (or one of
/// Grafana's `$__` builtins), stat thresholds ascending, every link complete.
///
/// ```
/// let board = xtask::grafana::Dashboard::new("x", "X")
///     .panel(xtask::grafana::Panel::timeseries("Up", "", "short", &[("up", "")]))
///     .to_json();
/// assert_eq!(xtask::grafana::check::problems(&board), Vec::<String>::new());
/// let mut bad = board.clone();
/// bad["panels"][0]["targets"][0]["expr"] = "up{a=\"$nope\"}".into();
/// assert_eq!(xtask::grafana::check::problems(&bad).len(), 1);
/// ```
pub fn problems(board: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in [
        "uid",
        "title",
        "schemaVersion",
        "panels",
        "templating",
        "annotations",
        "links",
    ] {
        if board.get(key).is_none() {
            out.push(format!("no `{key}`"));
        }
    }
    let vars: Vec<&Value> = board["templating"]["list"]
        .as_array()
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    let names: Vec<&str> = vars.iter().filter_map(|v| v["name"].as_str()).collect();
    let datasources: Vec<&str> = vars
        .iter()
        .filter(|v| v["type"] == "datasource")
        .filter_map(|v| v["name"].as_str())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for n in &names {
        if !seen.insert(*n) {
            out.push(format!("variable `{n}` twice"));
        }
    }
    let check_refs = |what: &str, text: &str, out: &mut Vec<String>| {
        for name in referenced_variables(text) {
            if !name.starts_with("__") && !names.contains(&name.as_str()) {
                out.push(format!("{what}: `${name}` is not a variable"));
            }
        }
    };
    let check_ds = |what: &str, ds: &Value, out: &mut Vec<String>| {
        let Some(uid) = ds["uid"].as_str() else {
            out.push(format!("{what}: datasource without uid"));
            return;
        };
        if let Some(var) = uid.strip_prefix("${").and_then(|u| u.strip_suffix('}')) {
            if !datasources.contains(&var) {
                out.push(format!(
                    "{what}: datasource variable `{var}` is not defined"
                ));
            }
        } else if uid != "-- Grafana --" {
            out.push(format!("{what}: datasource `{uid}` is not a variable"));
        }
    };
    for v in &vars {
        let name = v["name"].as_str().unwrap_or("?");
        if v["type"] == "query" {
            check_ds(&format!("variable {name}"), &v["datasource"], &mut out);
            let query = v["query"].as_str().unwrap_or_default();
            if !query.starts_with("label_values(") {
                out.push(format!(
                    "variable {name}: query `{query}` is no label_values"
                ));
            }
            check_refs(&format!("variable {name}"), query, &mut out);
            if v["multi"] != true || v["includeAll"] != true || v["allValue"] != super::ALL_VALUE {
                out.push(format!("variable {name}: not multi-value with All = .*"));
            }
        }
    }
    for a in board["annotations"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = a["name"].as_str().unwrap_or("?");
        check_ds(&format!("annotation {name}"), &a["datasource"], &mut out);
        check_refs(
            &format!("annotation {name}"),
            a["expr"].as_str().unwrap_or_default(),
            &mut out,
        );
    }
    for l in board["links"].as_array().into_iter().flatten() {
        for field in LINK_FIELDS {
            if l.get(field).is_none() {
                out.push(format!("link {}: no `{field}`", l["title"]));
            }
        }
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut rects: Vec<(u64, u64, u64, u64, String)> = Vec::new();
    for p in board["panels"].as_array().into_iter().flatten() {
        let title = p["title"].as_str().unwrap_or("?").to_string();
        let what = format!("panel `{title}`");
        match p["id"].as_u64() {
            Some(id) if ids.insert(id) => {}
            Some(id) => out.push(format!("{what}: id {id} twice")),
            None => out.push(format!("{what}: no numeric id")),
        }
        let ty = p["type"].as_str().unwrap_or_default();
        if !PANEL_TYPES.contains(&ty) {
            out.push(format!("{what}: type `{ty}`"));
        }
        let g = &p["gridPos"];
        let (Some(x), Some(y), Some(w), Some(h)) = (
            g["x"].as_u64(),
            g["y"].as_u64(),
            g["w"].as_u64(),
            g["h"].as_u64(),
        ) else {
            out.push(format!("{what}: gridPos needs x, y, w, h"));
            continue;
        };
        if w == 0 || h == 0 || x + w > 24 {
            out.push(format!("{what}: gridPos {g} outside the 24 columns"));
        }
        for (ox, oy, ow, oh, other) in &rects {
            if x < ox + ow && *ox < x + w && y < oy + oh && *oy < y + h {
                out.push(format!("{what} overlaps `{other}`"));
            }
        }
        rects.push((x, y, w, h, title.clone()));
        check_refs(&what, &title, &mut out);
        if ty == "row" {
            if p["collapsed"].as_bool().is_none() || !p["panels"].is_array() {
                out.push(format!("{what}: a row needs collapsed and panels"));
            }
            if let Some(var) = p["repeat"].as_str()
                && !names.contains(&var)
            {
                out.push(format!("{what}: repeats over undefined `{var}`"));
            }
            continue;
        }
        if ty == "text" {
            continue;
        }
        check_ds(&what, &p["datasource"], &mut out);
        let targets = p["targets"].as_array().cloned().unwrap_or_default();
        if targets.is_empty() {
            out.push(format!("{what}: no targets"));
        }
        let mut refs = std::collections::BTreeSet::new();
        for t in &targets {
            check_ds(&what, &t["datasource"], &mut out);
            if !refs.insert(t["refId"].as_str().unwrap_or_default().to_string()) {
                out.push(format!("{what}: refId twice"));
            }
            check_refs(&what, t["expr"].as_str().unwrap_or_default(), &mut out);
            if ty == "heatmap" && t["format"] != "heatmap" {
                out.push(format!("{what}: a heatmap target needs format heatmap"));
            }
        }
        for link in p["links"].as_array().into_iter().flatten() {
            check_refs(&what, link["url"].as_str().unwrap_or_default(), &mut out);
            check_refs(&what, link["title"].as_str().unwrap_or_default(), &mut out);
        }
        let defaults = &p["fieldConfig"]["defaults"];
        if defaults["unit"].as_str().is_none() || !p["fieldConfig"]["overrides"].is_array() {
            out.push(format!(
                "{what}: fieldConfig needs defaults.unit and overrides"
            ));
        }
        if ty == "stat" {
            let steps = defaults["thresholds"]["steps"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if steps.first().is_none_or(|s| !s["value"].is_null()) {
                out.push(format!(
                    "{what}: the first threshold step is the base (null)"
                ));
            }
            let values: Vec<f64> = steps
                .iter()
                .skip(1)
                .filter_map(|s| s["value"].as_f64())
                .collect();
            if values.len() + 1 != steps.len() || values.windows(2).any(|w| w[0] >= w[1]) {
                out.push(format!("{what}: threshold steps must ascend"));
            }
        }
    }
    out
}

/// The variable names `text` references: `$name`, `${name}`, `${name:format}`,
/// `[[name]]`.
///
/// ```
/// let v = xtask::grafana::check::referenced_variables("a=~\"$job\" ${instance:text} $__from [[x]]");
/// assert_eq!(v, ["job", "instance", "__from", "x"]);
/// ```
pub fn referenced_variables(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let word = |from: usize| {
        let mut j = from;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        j
    };
    while i < b.len() {
        if b[i] == b'$' {
            let braced = b.get(i + 1) == Some(&b'{');
            let start = i + 1 + usize::from(braced);
            let end = word(start);
            if end > start {
                out.push(text[start..end].to_string());
            }
            i = end.max(i + 1);
        } else if b[i] == b'[' && b.get(i + 1) == Some(&b'[') {
            let end = word(i + 2);
            if end > i + 2 && text[end..].starts_with("]]") {
                out.push(text[i + 2..end].to_string());
            }
            i = end.max(i + 2);
        } else {
            i += 1;
        }
    }
    out
}
