//! Validation: every argument is one the attribute's metrics have, given once,
//! with a value of the right shape; defaults fill in the rest.

use autobot_otel_catalog::attributes;
use autobot_otel_catalog::instrument::{ArgDefault, InstrumentSpec, spec};
use proc_macro2::Span;
use syn::{Expr, ExprLit, ItemFn, Lit};

use crate::attr::Arg;

/// The value of one label argument.
pub(crate) enum LabelValue {
    /// Known at compile time (a string literal, a default).
    Const(String),
    /// Evaluated on every call, before the body runs.
    Expr(Box<Expr>),
}

/// What an instrumented function returns, as far as recording goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A value (or a future of one): recorded when it is returned.
    Value,
    /// `impl Stream<..>` (attributes whose spec `streams`: LLM calls' items
    /// `Result<C, E>`, agents' and tools' any items): timed until the stream ends.
    Stream,
    /// `Result<impl Stream<..>, E>` (the same attributes): `Err` ends the call,
    /// `Ok`'s stream is timed until it ends.
    StreamInResult,
}

/// A validated attribute: what to expand.
pub(crate) struct Plan {
    pub(crate) spec: &'static InstrumentSpec,
    pub(crate) func: ItemFn,
    /// One value per `spec.args`, in order.
    pub(crate) labels: Vec<LabelValue>,
    pub(crate) span: bool,
    /// What the function returns.
    pub(crate) shape: Shape,
    /// `server_address = ..` (LLM calls).
    pub(crate) server_address: Option<LabelValue>,
    /// `server_port = ..` (LLM calls).
    pub(crate) server_port: Option<Expr>,
    /// `success_on_err = ..`: a predicate over `&E`.
    pub(crate) success_on_err: Option<Expr>,
    /// `failure_on_ok = ..`: `&T -> Option<error_type>`.
    pub(crate) failure_on_ok: Option<Expr>,
    /// The span-only arguments given (`conversation_id = ..`): their span field
    /// and value, in the spec's order.
    pub(crate) span_args: Vec<(&'static str, LabelValue)>,
    /// `remote = true`: the span has the spec's `remote_kind`.
    pub(crate) remote: bool,
}

/// Arguments that are not labels: the span switch, the LLM server, the outcome
/// rules.
const SPAN: &str = "span";
const SERVER_ADDRESS: &str = "server_address";
const SERVER_PORT: &str = "server_port";
const SUCCESS_ON_ERR: &str = "success_on_err";
const FAILURE_ON_OK: &str = "failure_on_ok";
const REMOTE: &str = "remote";
/// `objectives = ["llm-availability", ...]`: the catalog objectives the call
/// feeds, checked against the families the attribute records.
const OBJECTIVES: &str = "objectives";

/// The option arguments `spec` takes, in the order error messages list them.
fn options(spec: &InstrumentSpec) -> Vec<&'static str> {
    let mut out = vec![SPAN];
    if spec.genai {
        out.extend([SERVER_ADDRESS, SERVER_PORT]);
    }
    out.extend(spec.span_args.iter().map(|a| a.name));
    if spec.remote_kind.is_some() {
        out.push(REMOTE);
    }
    out.extend([SUCCESS_ON_ERR, FAILURE_ON_OK]);
    out
}

/// Checks the parsed attribute against the attribute table of the catalog.
pub(crate) fn validate(attribute: &str, args: Vec<Arg>, func: ItemFn) -> syn::Result<Plan> {
    let spec = spec(attribute).ok_or_else(|| {
        syn::Error::new(Span::call_site(), format!("unknown attribute {attribute}"))
    })?;
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
    let mut options_given: Vec<(&'static str, Expr)> = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let allowed = options(spec);
    let mut objectives_given = false;
    for arg in args {
        let key = arg.key.to_string();
        if key == OBJECTIVES {
            if objectives_given {
                push(syn::Error::new_spanned(
                    &arg.key,
                    "duplicate argument `objectives`",
                ));
            } else if let Err(e) = check_objectives(spec, &arg.value) {
                push(e);
            }
            objectives_given = true;
            continue;
        }
        if let Some(option) = allowed.iter().find(|o| **o == key && **o != SPAN) {
            if options_given.iter().any(|(o, _)| o == option) {
                push(syn::Error::new_spanned(
                    &arg.key,
                    format!("duplicate argument `{key}`"),
                ));
            } else {
                options_given.push((option, arg.value));
            }
            continue;
        }
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
    let shape = if spec.streams {
        shape_of(&func.sig)
    } else {
        Shape::Value
    };
    let mut take = |name: &str| {
        options_given
            .iter()
            .position(|(o, _)| *o == name)
            .map(|i| options_given.remove(i).1)
    };
    let server_address = take(SERVER_ADDRESS).map(|value| match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => LabelValue::Const(s.value()),
        other => LabelValue::Expr(Box::new(other)),
    });
    let server_port = take(SERVER_PORT);
    let remote = match take(REMOTE) {
        None => false,
        Some(Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        })) => b.value,
        Some(other) => {
            push(syn::Error::new_spanned(
                other,
                "`remote` takes `true` (an agent run by another service: a CLIENT span) or `false`",
            ));
            false
        }
    };
    let mut span_args = Vec::new();
    for span_arg in spec.span_args {
        let Some(value) = take(span_arg.name) else {
            continue;
        };
        if span_arg.remote_only && !remote {
            push(syn::Error::new_spanned(
                &value,
                format!(
                    "`{}` ({}) is an attribute of a remote agent's span only (the \
                     conventions' in-process `invoke_agent` span does not define it): add \
                     `remote = true` for an agent run by another service, or leave it out{}",
                    span_arg.name,
                    span_arg.field,
                    if span_arg.field == attributes::PROVIDER_NAME {
                        " (an in-process agent's provider is on the spans of its LLM calls)"
                    } else {
                        ""
                    }
                ),
            ));
            continue;
        }
        let value = match value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => {
                if s.value().is_empty() {
                    push(syn::Error::new_spanned(
                        &s,
                        format!("`{}` must not be empty", span_arg.name),
                    ));
                }
                LabelValue::Const(s.value())
            }
            Expr::Lit(lit) => {
                push(syn::Error::new_spanned(
                    &lit,
                    format!(
                        "`{}` takes a string literal or an expression",
                        span_arg.name
                    ),
                ));
                LabelValue::Const(String::new())
            }
            other => LabelValue::Expr(Box::new(other)),
        };
        span_args.push((span_arg.field, value));
    }
    let success_on_err = take(SUCCESS_ON_ERR);
    let failure_on_ok = take(FAILURE_ON_OK);
    if shape != Shape::Value {
        for rule in [&success_on_err, &failure_on_ok].into_iter().flatten() {
            push(syn::Error::new_spanned(
                rule,
                "outcome rules apply to a returned value; a stream's outcome comes from its \
                 items (its first `Err` is a failure), so `success_on_err` and `failure_on_ok` \
                 cannot be used on a function that returns a stream",
            ));
        }
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    Ok(Plan {
        spec,
        func,
        labels,
        span: span.unwrap_or(true),
        shape,
        server_address,
        server_port,
        success_on_err,
        failure_on_ok,
        span_args,
        remote,
    })
}

/// What `sig` returns: a stream (`impl Stream<..>`, directly, from an `async fn`
/// or an `impl Future`), a `Result` of one, or a value.
fn shape_of(sig: &syn::Signature) -> Shape {
    stream_type(sig).map_or(Shape::Value, |(_, shape)| shape)
}

/// The `impl Stream<..>` type `sig` returns (directly, from an `async fn` or an
/// `impl Future`, or as a `Result`'s `Ok`), and which of the two shapes it is.
pub(crate) fn stream_type(sig: &syn::Signature) -> Option<(&syn::Type, Shape)> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let output = match (sig.asyncness.is_some(), impl_bound_args(ty, "Future")) {
        (false, Some(args)) => args.iter().find_map(|arg| match arg {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        }),
        _ => Some(ty.as_ref()),
    }?;
    if impl_bound_args(output, "Stream").is_some() {
        return Some((output, Shape::Stream));
    }
    if let syn::Type::Path(path) = output
        && let Some(last) = path.path.segments.last()
        && last.ident == "Result"
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(first)) = args.args.first()
        && impl_bound_args(first, "Stream").is_some()
    {
        return Some((first, Shape::StreamInResult));
    }
    None
}

/// The `Item = ..` type of the stream `sig` returns, when it declares one.
pub(crate) fn stream_item(sig: &syn::Signature) -> Option<&syn::Type> {
    let (stream, _) = stream_type(sig)?;
    impl_bound_args(stream, "Stream")?
        .into_iter()
        .find_map(|arg| match arg {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Item" => Some(&assoc.ty),
            _ => None,
        })
}

/// The generic arguments of bound `name` of an `impl Trait` type (`impl
/// Stream<Item = ..> + Send` → the `Item = ..` of `Stream`).
pub(crate) fn impl_bound_args<'a>(
    ty: &'a syn::Type,
    name: &str,
) -> Option<Vec<&'a syn::GenericArgument>> {
    let syn::Type::ImplTrait(impl_trait) = ty else {
        return None;
    };
    impl_trait.bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        if last.ident != name {
            return None;
        }
        Some(match &last.arguments {
            syn::PathArguments::AngleBracketed(args) => args.args.iter().collect(),
            _ => Vec::new(),
        })
    })
}

/// Checks `objectives = [...]`: an array of string literals, each naming a
/// catalog objective whose every family this attribute records.
fn check_objectives(spec: &InstrumentSpec, value: &Expr) -> syn::Result<()> {
    use autobot_otel_catalog::objectives::{OBJECTIVES as ALL, ObjectiveId};
    let shape = || {
        syn::Error::new_spanned(
            value,
            "`objectives` takes an array of objective names, e.g. `objectives = [\"llm-availability\"]`",
        )
    };
    let Expr::Array(array) = value else {
        return Err(shape());
    };
    let mut errors: Option<syn::Error> = None;
    for element in &array.elems {
        let Expr::Lit(ExprLit {
            lit: Lit::Str(name),
            ..
        }) = element
        else {
            return Err(shape());
        };
        let name_value = name.value();
        let error = match ObjectiveId::from_name(&name_value) {
            None => Some(format!(
                "unknown objective `{name_value}`; the catalog's objectives are: {}",
                quoted_list(ALL.iter().map(|o| o.name))
            )),
            Some(id) => {
                let families = id.def().sli.families();
                let missing: Vec<&str> = families
                    .iter()
                    .filter(|f| !spec.metrics().any(|m| m == **f))
                    .map(|f| f.def().name)
                    .collect();
                (!missing.is_empty()).then(|| {
                    format!(
                        "objective `{name_value}` reads {}, which #[{}] does not record \
                         (it records {}); name an objective this call feeds",
                        quoted_list(missing.into_iter()),
                        spec.attribute,
                        quoted_list(spec.metrics().map(|m| m.def().name)),
                    )
                })
            }
        };
        if let Some(message) = error {
            let e = syn::Error::new_spanned(name, message);
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
        }
    }
    errors.map_or(Ok(()), Err)
}

fn quoted_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_argument(spec: &InstrumentSpec, key_token: &syn::Ident, key: &str) -> syn::Error {
    let expected = quoted_list(spec.args.iter().map(|a| a.name).chain(options(spec)));
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
