//! Expansion: the instrumented function.
//!
//! The body runs unchanged inside a closure (sync) or an `async move` block, so
//! `return` and `?` keep their meaning; its result decides the outcome. A guard
//! created before the body records exactly once: from the result when the body
//! completes, as a failure when it panics, and as cancelled when a future is
//! dropped before it completes. Generated locals have mixed-site hygiene and every
//! path is absolute, so user code can neither see nor shadow them; lint
//! allowances sit on the generated statements that need them, never on the
//! user's function.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Block, Expr, ExprCall, LitStr, Stmt};

use crate::valid::{LabelValue, Plan};

/// Writes the instrumented function.
pub(crate) fn expand(plan: Plan) -> TokenStream {
    let Plan {
        spec,
        mut func,
        labels,
        span,
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
    let v_span = local("span");
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

    let span_expr = if span {
        let name = LitStr::new(&fn_name, Span::call_site());
        let fields = spec.args.iter().enumerate().map(|(i, arg)| {
            let field: TokenStream = arg.span_field.parse().unwrap_or_else(|_| quote!(label));
            quote!(#field = #v_recorder.label(#i))
        });
        let kind = spec.span_kind.as_str();
        let usage = spec.errors.map(|_| {
            quote!(gen_ai.usage.input_tokens = #private::tracing::field::Empty,
                   gen_ai.usage.output_tokens = #private::tracing::field::Empty,)
        });
        quote! {
            #private::tracing::info_span!(
                target: ::core::module_path!(),
                #name,
                #(#fields,)*
                otel.kind = #kind,
                autobot.status = #private::tracing::field::Empty,
                error.type = #private::tracing::field::Empty,
                otel.status_code = #private::tracing::field::Empty,
                #usage
            )
        }
    } else {
        quote!(#private::tracing::Span::none())
    };

    let usage_probe = if spec.errors.is_some() {
        quote! {{
            #[allow(unused_imports)]
            use #private::probe::{NoUsage as _, UsageInResult as _, UsageInValue as _};
            (&&&#private::probe::Wrap(&#v_ret)).__autobot_usage()
        }}
    } else {
        quote!(::core::option::Option::None)
    };
    let finish = quote! {
        let #v_outcome = {
            #[allow(unused_imports)]
            use #private::probe::{ErrWithType as _, ErrWithoutType as _, NotAResult as _};
            (&&&#private::probe::Wrap(&#v_ret)).__autobot_outcome()
        };
        #v_call.finish(#v_outcome, #usage_probe);
    };
    // Fixing the result's type before the probes lets them see through `Result`
    // (otherwise its error type may still be an inference variable there).
    let ret_ty = return_type(&func.sig);
    // Without a span (`span = false`) there is nothing to enter or instrument.
    let enter = span.then(|| quote!(let #v_entered = #v_call.span().enter();));
    let start = quote! {
        #recorder
        let #v_span = #span_expr;
        let mut #v_call = #private::Call::start(#v_recorder, #v_span);
    };
    if func.sig.asyncness.is_some() {
        let block = &func.block;
        let future = if span {
            quote!(#private::Instrument::instrument(async move #block, ::core::clone::Clone::clone(#v_call.span())))
        } else {
            quote!(async move #block)
        };
        let body: Block = syn::parse_quote_spanned! {block_span=> {
            #start
            let #v_ret #ret_ty = #future.await;
            #finish
            #v_ret
        }};
        *func.block = body;
    } else if let Some(output) = impl_future_output(&func.sig) {
        // `fn f() -> impl Future<Output = T> { async move { .. } }`: the body only
        // builds the future (it runs now, as written); the call is the future's
        // life: timed from its first poll to its completion, like an `async fn`.
        let block = &func.block;
        let ret_ty = (!mentions_impl(quote!(#output))).then(|| quote!(: #output));
        let future = if span {
            quote!(#private::Instrument::instrument(#v_future, ::core::clone::Clone::clone(#v_call.span())))
        } else {
            quote!(#v_future)
        };
        let body: Block = syn::parse_quote_spanned! {block_span=> {
            #recorder
            #[allow(clippy::redundant_closure_call)]
            let #v_future = (move || #block)();
            async move {
                let #v_span = #span_expr;
                let mut #v_call = #private::Call::start(#v_recorder, #v_span);
                let #v_ret #ret_ty = #future.await;
                #finish
                #v_ret
            }
        }};
        *func.block = body;
    } else if let Some(future) = async_trait_future(&mut func.block) {
        // `#[async_trait]` turned `async fn` into `fn .. -> Pin<Box<dyn Future>>`
        // whose body is `Box::pin(async move { .. })`: instrument that future.
        let inner = future.clone();
        *future = syn::parse_quote_spanned! {block_span=> async move {
            #start
            let #v_ret = #private::Instrument::instrument(
                #inner,
                ::core::clone::Clone::clone(#v_call.span()),
            )
            .await;
            #finish
            #v_ret
        }};
    } else {
        let block = &func.block;
        let body: Block = syn::parse_quote_spanned! {block_span=> {
            #start
            let #v_ret #ret_ty = {
                #enter
                #[allow(clippy::redundant_closure_call)]
                (move || #block)()
            };
            #finish
            #v_ret
        }};
        *func.block = body;
    }
    quote!(#func)
}

/// `: Type` for the result binding, unless the return type is `impl Trait`
/// (which a binding cannot name; its concrete type is known from the body).
fn return_type(sig: &syn::Signature) -> Option<TokenStream> {
    match &sig.output {
        syn::ReturnType::Default => Some(quote!(: ())),
        syn::ReturnType::Type(_, ty) if !mentions_impl(quote!(#ty)) => Some(quote!(: #ty)),
        syn::ReturnType::Type(..) => None,
    }
}

/// `T` of a return type `impl Future<Output = T> (+ ..)`.
fn impl_future_output(sig: &syn::Signature) -> Option<&syn::Type> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let syn::Type::ImplTrait(impl_trait) = ty.as_ref() else {
        return None;
    };
    impl_trait.bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == "impl",
        proc_macro2::TokenTree::Group(g) => mentions_impl(g.stream()),
        _ => false,
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
