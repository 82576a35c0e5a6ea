//! Expansion: the instrumented function.
//!
//! The body runs unchanged inside a closure (sync) or an `async move` block, so
//! `return` and `?` keep their meaning; its result decides the outcome. A guard
//! created before the body records exactly once: from the result when the body
//! completes, as a failure when it panics, and as cancelled when a future is
//! dropped before it completes. A function of an LLM, agent or tool attribute
//! that returns a stream (`impl Stream<..>`, or `Result<impl Stream<..>, E>`)
//! hands the guard to the stream, which records when the stream ends (an
//! agent's invocation current at each of its polls). Generated locals have
//! mixed-site hygiene and every path is absolute, so user code can neither see
//! nor shadow them; lint allowances sit on the generated statements that need
//! them, never on the user's function.

use autobot_otel_catalog::instrument::{Rollup, span_fields};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Block, Expr, ExprCall, LitStr, Stmt};

use crate::valid::{LabelValue, Plan, Shape, impl_bound_args, stream_item};

/// A span field name (`gen_ai.usage.input_tokens`) as tokens.
fn field(name: &str) -> TokenStream {
    name.parse().unwrap_or_else(|_| quote!(field))
}

/// Writes the instrumented function.
pub(crate) fn expand(plan: Plan, owner: Option<&str>) -> TokenStream {
    let Plan {
        spec,
        mut func,
        labels,
        span,
        shape,
        server_address,
        server_port,
        success_on_err,
        failure_on_ok,
        span_args,
        remote,
    } = plan;
    let private = quote!(::autobot_otel::__private);
    // The attribute's spec, by name: a macro crate that does not match the facade
    // fails to compile rather than recording into another attribute's metrics.
    let spec_static = proc_macro2::Ident::new(&spec.attribute.to_uppercase(), Span::call_site());
    let spec_ref = quote!(&#private::specs::#spec_static);
    // Locals of the expansion: mixed-site hygiene, so user code can neither see
    // nor shadow them, and they need no leading underscores (which lints flag).
    let local = |name: &str| proc_macro2::Ident::new(name, Span::mixed_site());
    let (v_call, v_entered, v_future) = (local("call"), local("entered"), local("future"));
    let (v_outcome, v_recorder, v_ret) = (local("outcome"), local("recorder"), local("ret"));
    let (v_span, v_chunk, v_error) = (local("span"), local("chunk"), local("error"));
    let fn_name = func.sig.ident.to_string();
    let block_span = func.block.span();
    let origin_prefix = format!("#[{}] ", spec.attribute);
    let origin_suffix = format!("::{fn_name}");
    let origin = quote!(::core::concat!(#origin_prefix, ::core::module_path!(), #origin_suffix));

    // The recorder: cached at the call site when every label is constant.
    let recorder = if labels.iter().all(|l| matches!(l, LabelValue::Const(_))) {
        let values = labels.iter().map(|l| match l {
            LabelValue::Const(v) => v.as_str(),
            LabelValue::Expr(_) => unreachable!("all labels are constant"),
        });
        quote! {
            static __AUTOBOT_SITE: #private::Site = #private::Site::new(#spec_ref, &[#(#values),*], #origin);
            let #v_recorder = #private::RecorderRef::Static(__AUTOBOT_SITE.recorder());
        }
    } else {
        let values = labels.iter().map(|l| match l {
            LabelValue::Const(v) => quote!(::std::string::String::from(#v)),
            LabelValue::Expr(e) => {
                quote_spanned!(e.span()=> ::std::string::ToString::to_string(&(#e)))
            }
        });
        quote! {
            let #v_recorder = #private::RecorderRef::Owned(
                #private::Recorder::dynamic(#spec_ref, ::std::vec![#(#values),*], #origin),
            );
        }
    };

    // The span: every attribute the conventions call sampling-relevant (the
    // name, the operation, the agent's provider and model) is given when it is
    // created; the outcome fields are declared empty and recorded at the end.
    let span_expr = if span {
        let name = LitStr::new(&fn_name, Span::call_site());
        let otel_name = (!spec.span_name.is_empty()).then(|| {
            let field = field(span_fields::SPAN_NAME);
            quote!(#field = #v_recorder.span_name(),)
        });
        let fields = spec.args.iter().enumerate().map(|(i, arg)| {
            let key = field(arg.span_field);
            let alias = arg.genai_field.map(|alias| {
                let alias = field(alias);
                quote!(#alias = #v_recorder.span_label(#i),)
            });
            quote!(#key = #v_recorder.span_label(#i), #alias)
        });
        let operation = spec.operation.map(|operation| {
            let field = field(span_fields::OPERATION_NAME);
            quote!(#field = #operation,)
        });
        let extra = span_args.iter().map(|(name, value)| {
            let field = field(name);
            match value {
                LabelValue::Const(v) => quote!(#field = #v,),
                LabelValue::Expr(e) => quote_spanned! {e.span()=>
                    #field = #private::tracing::field::display(&(#e)),
                },
            }
        });
        let code_function = field(span_fields::CODE_FUNCTION_NAME);
        // The fully-qualified name: in an `impl` block under the attribute, the
        // block's type is known here (`module::Researcher::run`); for an
        // attribute on the function itself, the path of an item nested in it
        // (`std::any::type_name`: a method's includes its type).
        let code_function_value = match owner {
            Some(owner) => {
                let suffix = format!("::{owner}::{fn_name}");
                quote!(::core::concat!(::core::module_path!(), #suffix))
            }
            None => quote!(#private::function_name(::core::any::type_name_of_val(&__autobot_fn))),
        };
        let kind = match (remote, spec.remote_kind) {
            (true, Some(kind)) => kind.as_str(),
            _ => spec.span_kind.as_str(),
        };
        let otel_kind = field(span_fields::SPAN_KIND);
        let genai = if spec.genai { span_fields::GENAI } else { &[] };
        // An agent's and a workflow's span: the summed usage of the LLM calls
        // beneath it, recorded when it ends.
        let usage: &[&str] = match spec.rollup {
            Rollup::Agent => &span_fields::AGENT_USAGE,
            Rollup::Workflow => &span_fields::WORKFLOW_USAGE,
            _ => &[],
        };
        let empty = span_fields::OUTCOME
            .iter()
            .chain(genai)
            .chain(usage)
            .map(|name| {
                let field = field(name);
                quote!(#field = #private::tracing::field::Empty)
            });
        quote! {
            #private::tracing::info_span!(
                target: ::core::module_path!(),
                #name,
                #otel_name
                #(#fields)*
                #operation
                #(#extra)*
                #code_function = #code_function_value,
                #otel_kind = #kind,
                #(#empty,)*
            )
        }
    } else {
        quote!(#private::tracing::Span::none())
    };

    // The provider's address (LLM calls), evaluated when the call starts.
    let server = (server_address.is_some() || server_port.is_some()).then(|| {
        let address = match &server_address {
            Some(LabelValue::Const(v)) => {
                quote!(::core::option::Option::Some(::std::borrow::Cow::Borrowed(#v)))
            }
            Some(LabelValue::Expr(e)) => quote_spanned! {e.span()=>
                ::core::option::Option::Some(::std::borrow::Cow::Owned(
                    ::std::string::ToString::to_string(&(#e)),
                ))
            },
            None => quote!(::core::option::Option::None),
        };
        let port = match &server_port {
            Some(e) => quote_spanned!(e.span()=> ::core::option::Option::Some(#e)),
            None => quote!(::core::option::Option::None),
        };
        quote!(.with_server(#private::Server::new(#address, #port)))
    });

    let usage_probe = if spec.errors.is_some() {
        quote! {{
            #[allow(unused_imports)]
            use #private::probe::{NoUsage as _, UsageInResult as _, UsageInValue as _};
            (&&&#private::probe::Wrap(&#v_ret)).__autobot_usage()
        }}
    } else {
        quote!(::core::option::Option::None)
    };
    let outcome_probe = quote! {
        let #v_outcome = {
            #[allow(unused_imports)]
            use #private::probe::{ErrWithType as _, ErrWithoutType as _, NotAResult as _};
            (&&&#private::probe::Wrap(&#v_ret)).__autobot_outcome()
        };
    };
    // The outcome rules, each checked by the compiler against the return type
    // (errors point at the rule).
    // The locals they use are located at the rule, so type errors point there.
    let at = |name: &str, rule: &Expr| {
        proc_macro2::Ident::new(name, Span::mixed_site().located_at(rule.span()))
    };
    let success_rule = success_on_err.map(|rule| {
        let (v_outcome, v_ret) = (at("outcome", &rule), at("ret", &rule));
        quote_spanned! {rule.span()=>
            let #v_outcome = #private::rules::success_on_err(#v_outcome, &#v_ret, #rule);
        }
    });
    let failure_rule = failure_on_ok.map(|rule| {
        let (v_outcome, v_ret) = (at("outcome", &rule), at("ret", &rule));
        quote_spanned! {rule.span()=>
            let #v_outcome = {
                #[allow(unused_imports)]
                use #private::probe::{OkOfResult as _, OkOfValue as _};
                #private::rules::failure_on_ok(
                    #v_outcome,
                    (&&#private::probe::Wrap(&#v_ret)).__autobot_ok_value(),
                    #rule,
                )
            };
        }
    });
    // What ends the body: record and return the value, or hand the call to the
    // returned stream.
    let probes = |chunk_of: TokenStream, error_of: TokenStream| {
        quote! {
            let #v_chunk = {
                #[allow(unused_imports)]
                use #private::probe::{ChunkReports as _, ChunkSilent as _};
                (&&#private::probe::#chunk_of(&#v_ret)).__autobot_chunk()
            };
            let #v_error = {
                #[allow(unused_imports)]
                use #private::probe::{ItemErrWithType as _, ItemErrWithoutType as _};
                (&&#private::probe::#error_of(&#v_ret)).__autobot_item_error()
            };
        }
    };
    // An agent's or tool's stream: its items report only their outcome (an
    // `Err` item, `Result` or not). The item type the signature declares is
    // fixed first, so the probe sees it (the body alone may leave it open:
    // `stream::iter([Ok(1)])`).
    let declared_item = stream_item(&func.sig).map(|item| infer_impl(quote!(#item)));
    let item = declared_item.iter();
    let item_probe = |item_of: TokenStream, items: TokenStream| {
        let fix = declared_item
            .is_some()
            .then(|| quote!(let #v_ret = #private::probe::#items(#v_ret);));
        quote! {
            #fix
            let #v_error = {
                #[allow(unused_imports)]
                use #private::probe::{ItemPlain as _, ItemResultWithType as _, ItemResultWithoutType as _};
                (&&&#private::probe::#item_of(&#v_ret)).__autobot_item_outcome()
            };
        }
    };
    let finish = match shape {
        Shape::Value => quote! {
            #outcome_probe
            #success_rule
            #failure_rule
            #v_call.finish(#v_outcome, #usage_probe);
            #v_ret
        },
        Shape::Stream if spec.genai => {
            let probes = probes(quote!(chunk_of), quote!(error_of));
            quote! {
                #probes
                #private::stream(#v_call, #v_ret, #v_chunk, #v_error)
            }
        }
        Shape::Stream => {
            let probe = item_probe(quote!(item_of), quote!(items::<#(#item)*, _>));
            quote! {
                #probe
                #private::call_stream(#v_call, #v_ret, #v_error)
            }
        }
        Shape::StreamInResult if spec.genai => {
            let probes = probes(quote!(chunk_of_ok), quote!(error_of_ok));
            quote! {
                #outcome_probe
                #probes
                #private::stream_result(#v_call, #v_ret, #v_outcome, #v_chunk, #v_error)
            }
        }
        Shape::StreamInResult => {
            let probe = item_probe(quote!(item_of_ok), quote!(items_ok::<#(#item)*, _, _>));
            quote! {
                #outcome_probe
                #probe
                #private::call_stream_result(#v_call, #v_ret, #v_outcome, #v_error)
            }
        }
    };
    // Fixing the result's type before the probes lets them see through `Result`
    // (otherwise its error type may still be an inference variable there).
    let ret_ty = return_type(&func.sig);
    // Without a span (`span = false`) there is nothing to enter or instrument.
    let enter = span.then(|| quote!(let #v_entered = #v_call.span().enter();));
    // An agent's or workflow's body runs with its invocation current: the LLM
    // and tool calls it makes (awaits) count into it.
    let collects = spec.rollup.collects();
    let v_invocation = local("invocation");
    let enter_invocation =
        collects.then(|| quote!(let #v_invocation = #v_call.enter_invocation();));
    let within = |future: TokenStream| {
        if collects {
            quote!(#v_call.within(#future))
        } else {
            future
        }
    };
    let mutability = (shape == Shape::Value).then(|| quote!(mut));
    // The item whose path names the function (`code.function.name`).
    let here = (span && owner.is_none()).then(|| {
        quote!(
            fn __autobot_fn() {}
        )
    });
    let start = quote! {
        #here
        #recorder
        let #v_span = #span_expr;
        let #mutability #v_call = #private::Call::start(#v_recorder, #v_span) #server;
    };
    if func.sig.asyncness.is_some() {
        let block = &func.block;
        let future = within(if span {
            quote!(#private::Instrument::instrument(async move #block, ::core::clone::Clone::clone(#v_call.span())))
        } else {
            quote!(async move #block)
        });
        let body: Block = syn::parse_quote_spanned! {block_span=> {
            #start
            let #v_ret #ret_ty = #future.await;
            #finish
        }};
        *func.block = body;
    } else if let Some(output) = impl_future_output(&func.sig) {
        // `fn f() -> impl Future<Output = T> { async move { .. } }`: the body only
        // builds the future (it runs now, as written); the call is the future's
        // life: timed from its first poll to its completion, like an `async fn`.
        let block = &func.block;
        let ret_ty = type_annotation(output);
        let future = within(if span {
            quote!(#private::Instrument::instrument(#v_future, ::core::clone::Clone::clone(#v_call.span())))
        } else {
            quote!(#v_future)
        });
        let body: Block = syn::parse_quote_spanned! {block_span=> {
            #here
            #recorder
            #[allow(clippy::redundant_closure_call)]
            let #v_future = (move || #block)();
            async move {
                let #v_span = #span_expr;
                let #mutability #v_call = #private::Call::start(#v_recorder, #v_span) #server;
                let #v_ret #ret_ty = #future.await;
                #finish
            }
        }};
        *func.block = body;
    } else if let Some(future) = async_trait_future(&mut func.block) {
        // `#[async_trait]` turned `async fn` into `fn .. -> Pin<Box<dyn Future>>`
        // whose body is `Box::pin(async move { .. })`: instrument that future.
        let inner = future.clone();
        let instrumented = within(quote! {
            #private::Instrument::instrument(
                #inner,
                ::core::clone::Clone::clone(#v_call.span()),
            )
        });
        *future = syn::parse_quote_spanned! {block_span=> async move {
            #start
            let #v_ret = #instrumented.await;
            #finish
        }};
    } else {
        let block = &func.block;
        let body: Block = syn::parse_quote_spanned! {block_span=> {
            #start
            let #v_ret #ret_ty = {
                #enter
                #enter_invocation
                #[allow(clippy::redundant_closure_call)]
                (move || #block)()
            };
            #finish
        }};
        *func.block = body;
    }
    quote!(#func)
}

/// `: Type` for the result binding, with every `impl Trait` in it replaced by
/// `_` (a binding cannot name it; its concrete type is known from the body).
fn return_type(sig: &syn::Signature) -> Option<TokenStream> {
    match &sig.output {
        syn::ReturnType::Default => Some(quote!(: ())),
        syn::ReturnType::Type(_, ty) => type_annotation(ty),
    }
}

/// `: ty` with `impl Trait` replaced by `_`; nothing for a bare `impl Trait`.
fn type_annotation(ty: &syn::Type) -> Option<TokenStream> {
    if matches!(ty, syn::Type::ImplTrait(_)) {
        return None;
    }
    let ty = infer_impl(quote!(#ty));
    Some(quote!(: #ty))
}

/// `tokens` with every `impl Bounds` type replaced by `_`: the bounds run to the
/// next `,` or `>` at their nesting level.
fn infer_impl(tokens: TokenStream) -> TokenStream {
    use proc_macro2::TokenTree;
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(token) = iter.next() {
        match token {
            TokenTree::Ident(i) if i == "impl" => {
                out.extend(quote!(_));
                // Skip the bounds.
                let mut depth = 0usize;
                while let Some(next) = iter.peek() {
                    if let TokenTree::Punct(p) = next {
                        match p.as_char() {
                            '<' => depth += 1,
                            '>' if depth == 0 => break,
                            '>' => depth -= 1,
                            ',' if depth == 0 => break,
                            _ => {}
                        }
                    }
                    iter.next();
                }
            }
            TokenTree::Group(g) => {
                let mut group = proc_macro2::Group::new(g.delimiter(), infer_impl(g.stream()));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// `T` of a return type `impl Future<Output = T> (+ ..)`.
fn impl_future_output(sig: &syn::Signature) -> Option<&syn::Type> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    impl_bound_args(ty, "Future")?
        .into_iter()
        .find_map(|arg| match arg {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
}

/// The future argument of a trailing `Box::pin(..)` in a non-async function whose
/// return type is a pinned boxed future (the shape `#[async_trait]` produces).
fn async_trait_future(block: &mut Block) -> Option<&mut Expr> {
    let Some(Stmt::Expr(Expr::Call(ExprCall { func, args, .. }), None)) = block.stmts.last_mut()
    else {
        return None;
    };
    let Expr::Path(path) = func.as_ref() else {
        return None;
    };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let is_box_pin = segments.ends_with(&["Box".to_string(), "pin".to_string()]);
    if !is_box_pin || args.len() != 1 {
        return None;
    }
    match args.first_mut() {
        Some(expr @ Expr::Async(_)) => Some(expr),
        // #[tracing::instrument] already wrapped the async block.
        Some(expr @ Expr::MethodCall(_)) | Some(expr @ Expr::Call(_)) => Some(expr),
        _ => None,
    }
}
