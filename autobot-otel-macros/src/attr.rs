//! Parsing: the attribute's `key = value` arguments and the annotated function.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, ItemFn, ItemImpl, Token};

/// One `key = value` argument.
#[derive(Clone)]
pub(crate) struct Arg {
    pub(crate) key: Ident,
    pub(crate) value: Expr,
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        if !input.peek(Token![=]) {
            return Err(syn::Error::new_spanned(
                &key,
                format!("expected `{key} = <value>`"),
            ));
        }
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        Ok(Arg { key, value })
    }
}

/// What the attribute is on.
pub(crate) enum Target {
    /// A function with a body.
    Fn(ItemFn),
    /// An `impl` block: every method with a body is instrumented.
    Impl(ItemImpl),
}

/// The parsed attribute and item.
pub(crate) struct Parsed {
    pub(crate) args: Vec<Arg>,
    pub(crate) target: Target,
}

/// Parses the arguments and the item: a function with a body, or an `impl` block.
pub(crate) fn parse(args: TokenStream, item: TokenStream) -> syn::Result<Parsed> {
    let args = syn::parse::Parser::parse2(Punctuated::<Arg, Token![,]>::parse_terminated, args)?
        .into_iter()
        .collect();
    let target = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(func) => Target::Fn(func),
        Err(_) => match syn::parse2::<ItemImpl>(item.clone()) {
            Ok(block) => Target::Impl(block),
            Err(_) => return Err(not_a_function(item)),
        },
    };
    Ok(Parsed { args, target })
}

/// The per-method opt-out inside an instrumented `impl` block.
pub(crate) const OPT_OUT: &str = "no_instrument";

/// Whether `attr` is `#[no_instrument]` (any path ending so).
pub(crate) fn is_opt_out(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == OPT_OUT)
}

/// Whether `attr` is one of the instrumentation attributes (`#[instrument_llm]`,
/// `#[autobot_otel::instrument_task(..)]`, ...), which on a method wins over the
/// `impl` block's.
pub(crate) fn is_instrument(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| autobot_otel_catalog::instrument::spec(&s.ident.to_string()).is_some())
}

fn not_a_function(item: TokenStream) -> syn::Error {
    // A function declaration without a body (in a trait) parses as a trait item.
    if let Ok(decl) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
        return syn::Error::new_spanned(
            &decl.sig,
            "instrumentation attributes need a function body; put the attribute on the \
             implementation, not on the trait declaration",
        );
    }
    let target = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(item) => quote::ToTokens::into_token_stream(item_head(&item)),
        Err(_) => item,
    };
    syn::Error::new_spanned(
        target,
        "instrumentation attributes can only be applied to functions and `impl` blocks",
    )
}

/// The tokens that name the item (its keyword and name), to point the error at.
fn item_head(item: &syn::Item) -> TokenStream {
    use quote::quote;
    match item {
        syn::Item::Struct(s) => {
            let (k, i) = (&s.struct_token, &s.ident);
            quote!(#k #i)
        }
        syn::Item::Enum(e) => {
            let (k, i) = (&e.enum_token, &e.ident);
            quote!(#k #i)
        }
        syn::Item::Const(c) => {
            let (k, i) = (&c.const_token, &c.ident);
            quote!(#k #i)
        }
        syn::Item::Static(s) => {
            let (k, i) = (&s.static_token, &s.ident);
            quote!(#k #i)
        }
        syn::Item::Mod(m) => {
            let (k, i) = (&m.mod_token, &m.ident);
            quote!(#k #i)
        }
        syn::Item::Impl(i) => {
            let k = &i.impl_token;
            quote!(#k)
        }
        syn::Item::Trait(t) => {
            let (k, i) = (&t.trait_token, &t.ident);
            quote!(#k #i)
        }
        other => quote::ToTokens::into_token_stream(other),
    }
}
