//! Validation: every argument is one the attribute's metrics have, given once,
//! with a value of the right shape; defaults fill in the rest.

use autobot_otel_catalog::instrument::{ArgDefault, InstrumentSpec, spec};
use proc_macro2::Span;
use syn::{Expr, ExprLit, ItemFn, Lit};

use crate::attr::Parsed;

/// The value of one label argument.
pub(crate) enum LabelValue {
    /// Known at compile time (a string literal, a default).
    Const(String),
    /// Evaluated on every call, before the body runs.
    Expr(Box<Expr>),
}

/// A validated attribute: what to expand.
pub(crate) struct Plan {
    pub(crate) spec: &'static InstrumentSpec,
    pub(crate) func: ItemFn,
    /// One value per `spec.args`, in order.
    pub(crate) labels: Vec<LabelValue>,
    pub(crate) span: bool,
}

/// Checks the parsed attribute against the attribute table of the catalog.
pub(crate) fn validate(attribute: &str, parsed: Parsed) -> syn::Result<Plan> {
    let spec = spec(attribute).ok_or_else(|| {
        syn::Error::new(Span::call_site(), format!("unknown attribute {attribute}"))
    })?;
    let func = parsed.func;
    if let Some(constness) = &func.sig.constness {
        return Err(syn::Error::new_spanned(
            constness,
            "a `const fn` cannot be timed",
        ));
    }
    if let syn::ReturnType::Type(_, ty) = &func.sig.output
        && let syn::Type::Never(never) = ty.as_ref()
    {
        return Err(syn::Error::new_spanned(
            never,
            "a function that never returns (`-> !`) has no outcome to record; put the \
                 attribute on the functions it calls, or record with \
                 `autobot_otel::get_metrics_manager()` before it diverges",
        ));
    }

    let mut given: Vec<Option<Expr>> = vec![None; spec.args.len()];
    let mut span = None;
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    for arg in parsed.args {
        let key = arg.key.to_string();
        if key == "span" {
            if span.is_some() {
                push(syn::Error::new_spanned(
                    &arg.key,
                    "duplicate argument `span`",
                ));
                continue;
            }
            match &arg.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }) => span = Some(b.value),
                other => push(syn::Error::new_spanned(
                    other,
                    "`span` takes `true` or `false`",
                )),
            }
            continue;
        }
        let Some(index) = spec.arg_index(&key) else {
            push(unknown_argument(spec, &arg.key, &key));
            continue;
        };
        if given[index].is_some() {
            push(syn::Error::new_spanned(
                &arg.key,
                format!("duplicate argument `{key}`"),
            ));
            continue;
        }
        given[index] = Some(arg.value);
    }

    let fn_name = func.sig.ident.to_string();
    let mut labels = Vec::with_capacity(spec.args.len());
    for (label, value) in spec.args.iter().zip(given) {
        let value = match value {
            Some(Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            })) => {
                let text = s.value();
                if text.is_empty() {
                    push(syn::Error::new_spanned(
                        &s,
                        format!("`{}` must not be empty", label.name),
                    ));
                } else if let Some(allowed) = spec
                    .arg_values(label.name)
                    .filter(|v| !v.contains(&text.as_str()))
                {
                    push(syn::Error::new_spanned(
                        &s,
                        format!(
                            "`{text}` is not a valid `{}`; expected one of: {}",
                            label.name,
                            quoted_list(allowed.iter().copied())
                        ),
                    ));
                }
                LabelValue::Const(text)
            }
            Some(Expr::Lit(lit)) => {
                push(syn::Error::new_spanned(
                    &lit,
                    format!("`{}` takes a string literal or an expression", label.name),
                ));
                LabelValue::Const(String::new())
            }
            Some(expr) => LabelValue::Expr(Box::new(expr)),
            None => match label.default {
                ArgDefault::FnName => LabelValue::Const(fn_name.clone()),
                ArgDefault::Literal(v) => LabelValue::Const(v.to_string()),
                ArgDefault::Required => {
                    push(syn::Error::new(
                        Span::call_site(),
                        format!("#[{attribute}] needs `{} = ...`", label.name),
                    ));
                    LabelValue::Const(String::new())
                }
            },
        };
        labels.push(value);
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    Ok(Plan {
        spec,
        func,
        labels,
        span: span.unwrap_or(true),
    })
}

fn quoted_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_argument(spec: &InstrumentSpec, key_token: &syn::Ident, key: &str) -> syn::Error {
    let expected = quoted_list(spec.args.iter().map(|a| a.name).chain(["span"]));
    let computed = spec.metrics().any(|id| id.def().labels.contains(&key));
    let message = if computed {
        format!(
            "`{key}` is set from the call's outcome and cannot be given; expected one of: {expected}"
        )
    } else {
        format!(
            "unknown argument `{key}` for #[{}]; expected one of: {expected}",
            spec.attribute
        )
    };
    syn::Error::new_spanned(key_token, message)
}
