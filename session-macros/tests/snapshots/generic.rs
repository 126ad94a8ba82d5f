#[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
const _: () = {
    #[automatically_derived]
    impl<'a, T: Clone> ::session_runtime::__private::Session for Cart<'a, T>
    where
        T: Default,
        for<'__session> Cart<'a, T>: ::session_runtime::__private::SessionData,
    {
        const CONFIG: ::session_runtime::__private::CookieConfig = ::session_runtime::__private::CookieConfig::from_static(
            ::session_runtime::__private::Settings {
                name: "session",
                domain: ::core::option::Option::None,
                path: "/",
                secure: false,
                http_only: true,
                same_site: ::core::option::Option::None,
                partitioned: false,
                permanent: false,
                lifetime: 90,
                refresh_each_request: true,
                refresh_after: 0,
                max_lifetime: 0,
                max_size: 4093,
                flask_format: false,
                encrypted: false,
                accept_signed: false,
            },
            ::session_runtime::__private::Format::Native,
            ::session_runtime::__private::ConflictPolicy::LastWrite,
        );
        #[inline]
        fn config() -> &'static ::session_runtime::__private::CookieConfig {
            static __SESSION_CONFIG: ::session_runtime::__private::CookieConfig = ::session_runtime::__private::CookieConfig::from_static(
                ::session_runtime::__private::Settings {
                    name: "session",
                    domain: ::core::option::Option::None,
                    path: "/",
                    secure: false,
                    http_only: true,
                    same_site: ::core::option::Option::None,
                    partitioned: false,
                    permanent: false,
                    lifetime: 90,
                    refresh_each_request: true,
                    refresh_after: 0,
                    max_lifetime: 0,
                    max_size: 4093,
                    flask_format: false,
                    encrypted: false,
                    accept_signed: false,
                },
                ::session_runtime::__private::Format::Native,
                ::session_runtime::__private::ConflictPolicy::LastWrite,
            );
            &__SESSION_CONFIG
        }
    }
    #[automatically_derived]
    #[allow(dead_code)]
    impl<'a, T: Clone> Cart<'a, T>
    where
        T: Default,
    {
        /// Opens this session from `request` with the process-wide key ring. Never fails:
        /// a missing or refused cookie gives an empty session.
        #[inline]
        fn open<__SessionRequest>(
            request: &__SessionRequest,
        ) -> ::session_runtime::__private::Tracked<Self>
        where
            __SessionRequest: ::session_runtime::__private::CookieSource
                + ?::core::marker::Sized,
            for<'__session> Cart<'a, T>: ::session_runtime::__private::SessionData,
        {
            <Self as ::session_runtime::__private::Session>::open(request)
        }
        /// Opens this session from `request` with the given backend. Never fails.
        #[inline]
        fn open_with<__SessionRequest>(
            interface: &::session_runtime::__private::Arc<
                dyn ::session_runtime::__private::SessionInterface,
            >,
            request: &__SessionRequest,
        ) -> ::session_runtime::__private::Tracked<Self>
        where
            __SessionRequest: ::session_runtime::__private::CookieSource
                + ?::core::marker::Sized,
            for<'__session> Cart<'a, T>: ::session_runtime::__private::SessionData,
        {
            <Self as ::session_runtime::__private::Session>::open_with(
                interface,
                request,
            )
        }
    }
};
