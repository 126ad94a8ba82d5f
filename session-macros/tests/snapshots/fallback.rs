::core::compile_error! {
    "the lifetime must be at least one second"
}
#[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
const _: () = {
    #[automatically_derived]
    impl ::session_runtime::__private::Session for Visit
    where
        for<'__session> Visit: ::session_runtime::__private::SessionData,
    {
        const CONFIG: ::session_runtime::__private::CookieConfig = ::session_runtime::__private::CookieConfig::DEFAULT;
        #[inline]
        fn config() -> &'static ::session_runtime::__private::CookieConfig {
            static __SESSION_CONFIG: ::session_runtime::__private::CookieConfig = ::session_runtime::__private::CookieConfig::DEFAULT;
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
        fn open_with<__SessionRequest>(
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
