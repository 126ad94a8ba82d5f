#[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
const _: () = {
    ::web::sessions::__private::assert_session_data::<Visit>();
    #[automatically_derived]
    impl ::web::sessions::__private::Session for Visit
    where
        for<'__session> Visit: ::web::sessions::__private::SessionData,
    {
        const CONFIG: ::web::sessions::__private::CookieConfig = ::web::sessions::__private::CookieConfig::from_static(
            ::web::sessions::__private::Settings {
                name: "session",
                domain: ::core::option::Option::None,
                path: "/",
                secure: false,
                http_only: true,
                same_site: ::core::option::Option::Some(
                    ::web::sessions::__private::SameSite::Lax,
                ),
                partitioned: false,
                permanent: false,
                lifetime: 2678400,
                refresh_each_request: true,
                refresh_after: 0,
                max_lifetime: 0,
                max_size: 4093,
                flask_format: true,
                encrypted: false,
                accept_signed: false,
            },
            ::web::sessions::__private::Format::Flask,
            ::web::sessions::__private::ConflictPolicy::LastWrite,
        );
        #[inline]
        fn config() -> &'static ::web::sessions::__private::CookieConfig {
            static __SESSION_CONFIG: ::web::sessions::__private::CookieConfig = ::web::sessions::__private::CookieConfig::from_static(
                ::web::sessions::__private::Settings {
                    name: "session",
                    domain: ::core::option::Option::None,
                    path: "/",
                    secure: false,
                    http_only: true,
                    same_site: ::core::option::Option::Some(
                        ::web::sessions::__private::SameSite::Lax,
                    ),
                    partitioned: false,
                    permanent: false,
                    lifetime: 2678400,
                    refresh_each_request: true,
                    refresh_after: 0,
                    max_lifetime: 0,
                    max_size: 4093,
                    flask_format: true,
                    encrypted: false,
                    accept_signed: false,
                },
                ::web::sessions::__private::Format::Flask,
                ::web::sessions::__private::ConflictPolicy::LastWrite,
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
        fn open<__SessionRequest>(
            request: &__SessionRequest,
        ) -> ::web::sessions::__private::Tracked<Self>
        where
            __SessionRequest: ::web::sessions::__private::CookieSource
                + ?::core::marker::Sized,
            for<'__session> Visit: ::web::sessions::__private::SessionData,
        {
            <Self as ::web::sessions::__private::Session>::open(request)
        }
        /// Opens this session from `request` with the given backend. Never fails.
        #[inline]
        fn open_with<__SessionRequest>(
            interface: &::web::sessions::__private::Arc<
                dyn ::web::sessions::__private::SessionInterface,
            >,
            request: &__SessionRequest,
        ) -> ::web::sessions::__private::Tracked<Self>
        where
            __SessionRequest: ::web::sessions::__private::CookieSource
                + ?::core::marker::Sized,
            for<'__session> Visit: ::web::sessions::__private::SessionData,
        {
            <Self as ::web::sessions::__private::Session>::open_with(interface, request)
        }
    }
};
