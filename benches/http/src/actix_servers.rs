//! The actix-web variants: actix-web alone (their floor) and actix-session's cookie store, signed
//! and private, with the same two routes; one worker (the child process is pinned to one core).

use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use actix_web::{App, HttpServer, web};

use crate::payload::{COOKIE_KEY, NONE, Plain};

/// Whether `variant` is an actix one.
pub fn is_actix(variant: &str) -> bool {
    matches!(variant, "actix" | "actix-session-signed" | "actix-session-private")
}

/// Serves `variant` on a free loopback port, printing the port on the first line of stdout.
pub fn serve(variant: &str) -> std::io::Result<()> {
    let security = match variant {
        "actix-session-signed" => Some(CookieContentSecurity::Signed),
        "actix-session-private" => Some(CookieContentSecurity::Private),
        _ => None,
    };
    actix_web::rt::System::new().block_on(async move {
        let server = match security {
            None => HttpServer::new(|| {
                App::new()
                    .route("/", web::get().to(|| async { NONE }))
                    .route("/", web::post().to(|| async { "0" }))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .map(|server| {
                crate::announce(server.addrs()[0].port());
                server.run()
            })?,
            Some(security) => HttpServer::new(move || {
                let sessions =
                    SessionMiddleware::builder(CookieSessionStore::default(), Key::from(COOKIE_KEY))
                        .cookie_name("s".into())
                        .cookie_secure(false)
                        .cookie_same_site(SameSite::Lax)
                        .cookie_content_security(security)
                        .build();
                App::new().route("/", web::get().to(read)).route("/", web::post().to(change)).wrap(sessions)
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .map(|server| {
                crate::announce(server.addrs()[0].port());
                server.run()
            })?,
        };
        server.await
    })
}

async fn read(session: Session) -> String {
    match session.get::<Plain>("s") {
        Ok(Some(small)) => small.read(),
        _ => NONE.to_owned(),
    }
}

async fn change(session: Session) -> String {
    let mut small = session.get::<Plain>("s").ok().flatten().unwrap_or_default();
    let answer = small.change();
    match session.insert("s", small) {
        Ok(()) => answer,
        Err(_) => "error".to_owned(),
    }
}
