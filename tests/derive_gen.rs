//! The expansion uses fully qualified paths only and is lint-clean: this file shadows the prelude
//! (as serde's `test_gen.rs` does) and denies warnings and a few allow-by-default lints.

#![deny(warnings, unused_qualifications, unused_lifetimes, missing_docs)]
#![allow(dead_code, non_camel_case_types)]

// Try to trip up the generated code if it fails to use fully qualified paths.
struct Result;
struct Ok;
struct Err;
struct Option;
struct Some;
struct None;
struct Box;
struct Vec;
struct String;
struct Sized;
struct Default;
struct Arc;
struct Session;
struct CookieConfig;
struct Tracked;
mod core {}
mod std {}
mod serde {}
mod session_runtime {}
mod __private {}

mod sessions {
    //! Derives in a module whose prelude names are all shadowed.

    use ::serde::{Deserialize, Serialize};

    #[derive(::session_runtime::Session, Serialize, Deserialize, ::core::default::Default)]
    #[session(name = "__Host-gen", secure, lifetime = "1h", permanent, same_site = "strict")]
    pub(crate) struct Plain {
        count: u32,
        r#type: ::std::string::String,
    }

    /// A documented public session type: the generated `open`/`open_with` carry docs too.
    #[derive(::session_runtime::Session, Serialize, Deserialize, ::core::default::Default)]
    pub struct Public {
        /// A counter.
        pub count: u32,
    }

    #[derive(::session_runtime::Session, Serialize, Deserialize, ::core::default::Default)]
    #[session(same_site = "unset", domain = "example.com")]
    pub(crate) struct Generic<'a, T: ::core::clone::Clone, const N: usize>
    where
        T: ::core::default::Default,
    {
        items: ::std::vec::Vec<T>,
        label: ::std::borrow::Cow<'a, str>,
        #[serde(skip)]
        fixed: [u8; 2],
        #[serde(skip)]
        marker: ::core::marker::PhantomData<[(); N]>,
    }
}

fn use_them(request: &::http::Request<()>) {
    let _ = sessions::Plain::open(request);
    let _ = sessions::Public::open(request);
    let _ = sessions::Generic::<'static, u8, 3>::open(request);
}

#[test]
fn compiles_with_the_prelude_shadowed() {
    use ::session_runtime::Session as _;
    use_them(&::http::Request::new(()));
    ::core::assert_eq!(<sessions::Plain as ::session_runtime::Session>::CONFIG.name(), "__Host-gen");
    ::core::assert_eq!(
        sessions::Generic::<'static, u8, 3>::CONFIG.domain(),
        ::core::option::Option::Some("example.com")
    );
}

mod no_prelude {
    //! The expansion also compiles without any prelude.
    #![no_implicit_prelude]

    #[derive(
        ::session_runtime::Session, ::serde::Serialize, ::serde::Deserialize, ::core::default::Default,
    )]
    #[session(name = "bare", lifetime = 3600)]
    pub(crate) struct Bare<T> {
        items: ::std::vec::Vec<T>,
    }
}

#[test]
fn compiles_without_a_prelude() {
    ::core::assert_eq!(<no_prelude::Bare<u8> as ::session_runtime::Session>::CONFIG.lifetime_secs(), 3600);
}
