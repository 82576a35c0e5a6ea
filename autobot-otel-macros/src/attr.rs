//! Parsing: the attribute's `key = value` arguments and the annotated function.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, ItemFn, Token};

/// One `key = value` argument.
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

/// The parsed attribute and function.
pub(crate) struct Parsed {
    pub(crate) args: Vec<Arg>,
    pub(crate) func: ItemFn,
}

/// Parses the arguments and the item; the item must be a function with a body.
pub(crate) fn parse(args: TokenStream, item: TokenStream) -> syn::Result<Parsed> {
    let args = syn::parse::Parser::parse2(Punctuated::<Arg, Token![,]>::parse_terminated, args)?
        .into_iter()
        .collect();
    let func = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(func) => func,
        Err(_) => return Err(not_a_function(item)),
    };
    Ok(Parsed { args, func })
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
        "instrumentation attributes can only be applied to functions",
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
