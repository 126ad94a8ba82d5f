#[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
const _: () = {
    ::session_runtime::__private::assert_session_data::<Visit>();
    #[automatically_derived]
    impl ::session_runtime::__private::Session for Visit
    where
        for<'__session> Visit: ::session_runtime::__private::SessionData,
    {
        const CONFIG: ::session_runtime::__private::CookieConfig = ::session_runtime::__private::CookieConfig::from_static(
            ::session_runtime::__private::Settings {
                name: "session",
                domain: ::core::option::Option::None,
                path: "/",
                secure: false,
                http_only: true,
                same_site: ::core::option::Option::Some(
                    ::session_runtime::__private::SameSite::Lax,
                ),
                partitioned: false,
                permanent: false,
                lifetime: 2678400,
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
                    same_site: ::core::option::Option::Some(
                        ::session_runtime::__private::SameSite::Lax,
                    ),
                    partitioned: false,
                    permanent: false,
                    lifetime: 2678400,
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
    impl Visit {
        /// Opens this session from `request` with the process-wide key ring. Never fails:
        /// a missing or refused cookie gives an empty session.
        #[inline]
        pub fn open<__SessionRequest>(
            request: &__SessionRequest,
        ) -> ::session_runtime::__private::Tracked<Self>
        where
            __SessionRequest: ::session_runtime::__private::CookieSource
                + ?::core::marker::Sized,
            for<'__session> Visit: ::session_runtime::__private::SessionData,
        {
            <Self as ::session_runtime::__private::Session>::open(request)
        }
        /// Opens this session from `request` with the given backend. Never fails.
        #[inline]
        pub fn open_with<__SessionRequest>(
            interface: &::session_runtime::__private::Arc<
                dyn ::session_runtime::__private::SessionInterface,
            >,
            request: &__SessionRequest,
        ) -> ::session_runtime::__private::Tracked<Self>
        where
            __SessionRequest: ::session_runtime::__private::CookieSource
                + ?::core::marker::Sized,
            for<'__session> Visit: ::session_runtime::__private::SessionData,
        {
            <Self as ::session_runtime::__private::Session>::open_with(
                interface,
                request,
            )
        }
    }
};
