//! actix-web end to end: the middleware and extractor over real HTTP on 127.0.0.1.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use serde::{Deserialize, Serialize};
use server::{client, set_cookies, varies};
use session_runtime::actix::SessionMiddleware;
use session_runtime::{Keys, SecretKey, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "actix_session", permanent)]
struct Visit {
    count: u32,
    note: String,
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "prefs")]
struct Prefs {
    theme: Option<String>,
}

async fn count(mut visit: Tracked<Visit>) -> String {
    visit.count += 1;
    visit.count.to_string()
}

async fn theme(mut prefs: Tracked<Prefs>, visit: Tracked<Visit>) -> String {
    prefs.theme = Some("dark".into());
    format!("{} {:?}", visit.count, prefs.theme)
}

async fn too_big(mut visit: Tracked<Visit>) -> &'static str {
    let mut state = 0x1234_5678_u32;
    visit.note = (0..6000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            char::from(b'a' + (state % 26) as u8)
        })
        .collect();
    "ok"
}

async fn untouched() -> &'static str {
    "nothing"
}

/// Starts the actix app on a loopback port in its own thread and returns its base URL.
fn serve_actix(eager: bool) -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    let key = SecretKey::try_from(&[6u8; 32][..]).unwrap();
    let backend = backends::current().interface(Keys::new(key));
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let middleware = SessionMiddleware::with_interface(Arc::clone(&backend));
                let middleware = if eager { middleware.eager::<Visit>() } else { middleware };
                App::new()
                    .wrap(middleware)
                    .route("/count", web::get().to(count))
                    .route("/theme", web::get().to(theme))
                    .route("/big", web::get().to(too_big))
                    .route("/untouched", web::get().to(untouched))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
            sender.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        });
    });
    format!("http://{}", receiver.recv().unwrap())
}

backends::each!(counter_two_session_types_vary_and_errors);
async fn counter_two_session_types_vary_and_errors() {
    let base = serve_actix(false);
    let c = client();
    for expected in 1..=3 {
        let r = c.get(format!("{base}/count")).send().await.unwrap();
        assert_eq!(set_cookies(&r).len(), 1);
        assert_eq!(varies(&r), ["Cookie"]);
        assert!(set_cookies(&r)[0].contains("; Expires="), "permanent by attribute");
        assert_eq!(r.text().await.unwrap(), expected.to_string());
    }
    let r = c.get(format!("{base}/theme")).send().await.unwrap();
    let lines = set_cookies(&r);
    // Prefs changed; Visit was read and is permanent with refresh on, so it is refreshed too.
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("prefs=")));
    assert_eq!(r.text().await.unwrap(), r#"3 Some("dark")"#);
    let r = c.get(format!("{base}/untouched")).send().await.unwrap();
    assert!(set_cookies(&r).is_empty() && varies(&r).is_empty(), "lazy: untouched routes send nothing");
    let r = c.get(format!("{base}/big")).send().await.unwrap();
    if backends::current().is_server_side() {
        assert_eq!(r.status(), 200, "server-side: the cookie holds only the id");
    } else {
        assert_eq!(r.status(), 500, "a cookie browsers would drop is a server error");
        assert!(set_cookies(&r).is_empty());
    }
}

backends::each!(eager_middleware_refreshes_on_every_route);
async fn eager_middleware_refreshes_on_every_route() {
    let base = serve_actix(true);
    let c = client();
    c.get(format!("{base}/count")).send().await.unwrap();
    let r = c.get(format!("{base}/untouched")).send().await.unwrap();
    assert_eq!(set_cookies(&r).len(), 1);
    assert_eq!(varies(&r), ["Cookie"]);
    let r = c.get(format!("{base}/count")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "2");
}
